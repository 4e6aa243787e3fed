import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CliPeer, type CliEvent } from '../cli-peer';

/**
 * A classroom LAN on one machine: inside `unshare -rnm` (run by `npm run test:lan`), a
 * bridge and one network namespace per laptop, each running a real `baton peer`
 * process. Multicast stays inside these namespaces. Laptops can be killed, paused,
 * taken off the network, split into two halves and restarted from their data dirs.
 */

const CLI = path.resolve('dist/cli/baton.js');

export function insideSandbox(): boolean {
  return process.env.BATON_LAN_SANDBOX === '1';
}

export function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

let roomCount = 0;

export type Event = CliEvent;

/** One laptop of the room: a CLI peer in its own network namespace. */
export class LanPeer extends CliPeer {
  port = 0;
  deviceId = '';

  constructor(
    readonly room: LanRoom,
    readonly index: number,
    readonly ns: string,
    readonly address: string,
    readonly dataDir: string,
    readonly name: string,
    /** Asked at each start (a test may know a relay's address only after the room exists). */
    extraArgs: () => string[],
    /** Start without --interface: the copy picks its interface itself. */
    autoInterface = false,
  ) {
    // BATON_PEER_NODE_ARGS: extra node flags for the peers (e.g. --cpu-prof when profiling).
    const nodeArgs = (process.env.BATON_PEER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    super(`laptop ${index}`, () => [
      'ip',
      'netns',
      'exec',
      ns,
      process.execPath,
      ...nodeArgs,
      ...room.command,
      '--data-dir',
      dataDir,
      '--name',
      name,
      ...(autoInterface ? [] : ['--interface', address]),
      '--stdio',
      ...extraArgs(),
    ]);
  }

  /** Start the process; resolves when it says it is ready. */
  override async start(): Promise<Record<string, unknown>> {
    const d = await super.start(15_000);
    this.port = d.port as number;
    this.deviceId = d.deviceId as string;
    return d;
  }
}

export class LanRoom {
  readonly peers: LanPeer[] = [];
  /** Processes replaced by a restart (their events still count in checks). */
  readonly retired: LanPeer[] = [];
  readonly dir: string;
  readonly id: number;
  private readonly bridges: [string, string];
  /** The room's bridge, where every laptop's traffic passes (captures listen here). */
  get bridge(): string {
    return this.bridges[0];
  }
  /** This room's /24: laptops are .10 and up, the test process itself is .254. */
  readonly subnet: string;
  /** What each laptop runs after `node`: a CLI speaking JSON lines on stdio. */
  readonly command: string[];

  constructor(
    readonly size: number,
    private readonly peerArgs: (i: number) => string[] = () => [],
    private readonly opts: {
      /** Runs in laptop i's fresh namespace before its link to the room is moved in. */
      prepare?: (i: number, ns: string) => void;
      /** Laptops that pick their interface themselves (no --interface). */
      autoInterface?: (i: number) => boolean;
      /** The headless program each laptop runs (default `baton peer`; the diary has its own). */
      command?: string[];
    } = {},
  ) {
    this.command = opts.command ?? [CLI, 'peer'];
    if (!insideSandbox()) throw new Error('LAN tests run inside `unshare -rnm` (npm run test:lan)');
    this.id = roomCount++;
    this.bridges = [`br${this.id}a`, `br${this.id}b`];
    this.subnet = `10.77.${this.id % 250}`;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-lan-'));
    fs.mkdirSync('/run/netns', { recursive: true });
    for (const br of this.bridges) {
      ip('link', 'add', br, 'type', 'bridge');
      ip('link', 'set', br, 'up');
    }
    // The test process reaches the laptops through the first bridge (hostile-peer tests).
    ip('addr', 'add', `${this.subnet}.254/24`, 'dev', this.bridges[0]);
    for (let i = 0; i < size; i++) {
      const ns = `r${this.id}l${i}`;
      const addr = `${this.subnet}.${10 + i}`;
      ip('netns', 'add', ns);
      opts.prepare?.(i, ns);
      ip('link', 'add', `r${this.id}v${i}`, 'type', 'veth', 'peer', 'name', `r${this.id}e${i}`);
      ip('link', 'set', `r${this.id}v${i}`, 'master', this.bridges[0], 'up');
      ip('link', 'set', `r${this.id}e${i}`, 'netns', ns);
      ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${addr}/24`, 'dev', `r${this.id}e${i}`);
      ip('netns', 'exec', ns, 'ip', 'link', 'set', `r${this.id}e${i}`, 'up');
      ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
      ip('netns', 'exec', ns, 'ip', 'route', 'add', '224.0.0.0/4', 'dev', `r${this.id}e${i}`);
      this.peers.push(
        new LanPeer(
          this,
          i,
          ns,
          addr,
          path.join(this.dir, `laptop-${i}`),
          `Laptop ${i}`,
          () => peerArgs(i),
          opts.autoInterface?.(i) ?? false,
        ),
      );
    }
  }

  peer(i: number): LanPeer {
    return this.peers[i]!;
  }

  async startAll(): Promise<void> {
    await Promise.all(this.peers.map((p) => p.start()));
  }

  /** Laptop i walks out of Wi-Fi range (or comes back). */
  setLink(i: number, up: boolean): void {
    ip('link', 'set', `r${this.id}v${i}`, up ? 'up' : 'down');
  }

  /** Split the room: the laptops in `b` move to the second bridge. */
  split(b: number[]): void {
    for (const i of b) ip('link', 'set', `r${this.id}v${i}`, 'master', this.bridges[1]);
  }

  heal(): void {
    for (let i = 0; i < this.size; i++)
      ip('link', 'set', `r${this.id}v${i}`, 'master', this.bridges[0]);
  }

  /** A new process for laptop i on the same data dir (the same laptop coming back). */
  async restart(i: number): Promise<LanPeer> {
    const old = this.peers[i]!;
    if (old.running) {
      old.kill('SIGKILL');
      await old.exited();
    }
    const p = new LanPeer(
      this,
      i,
      old.ns,
      old.address,
      old.dataDir,
      old.name,
      () => this.peerArgs(i),
      this.opts.autoInterface?.(i) ?? false,
    );
    this.retired.push(old);
    this.peers[i] = p;
    await p.start();
    return p;
  }

  async close(): Promise<void> {
    // SIGCONT first (a paused laptop cannot exit), then a graceful stop, then SIGKILL.
    for (const p of this.peers) if (p.running) p.kill('SIGCONT');
    for (const p of this.peers) if (p.running) p.kill('SIGTERM');
    await Promise.all(
      this.peers.map((p) =>
        p.exited(3_000).catch(() => {
          p.kill('SIGKILL');
          return p.exited().catch(() => null);
        }),
      ),
    );
    for (let i = 0; i < this.size; i++) {
      // The veth first, from this side: that removes both ends at once. A namespace is torn
      // down by the kernel later, so the veth inside it could outlive `netns del` and make
      // the next test file's room (same names) fail with "File exists".
      for (const args of [
        ['link', 'del', `r${this.id}v${i}`],
        ['netns', 'del', `r${this.id}l${i}`],
      ]) {
        try {
          ip(...args);
        } catch {
          // already gone
        }
      }
    }
    for (const br of this.bridges) {
      try {
        ip('link', 'del', br);
      } catch {
        // already gone
      }
    }
  }

  /** Logs of every laptop (for a failure report). */
  logs(tail = 4000): string {
    return [...this.retired, ...this.peers]
      .map((p) => `--- laptop ${p.index} ---\n${p.stderr.slice(-tail)}`)
      .join('\n');
  }
}

/**
 * Run a LAN scenario on `room` (a LanRoom, or a Classroom's): on failure its laptops' logs
 * are printed before the error; the room is closed either way.
 */
export async function scenario<T>(
  room: LanRoom,
  fn: () => Promise<T>,
  close: () => Promise<void> = () => room.close(),
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    console.error(room.logs());
    throw e;
  } finally {
    await close();
  }
}
