import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';

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

export interface Event {
  at: number;
  event: string;
  data: unknown;
}

export class LanPeer {
  proc: ChildProcess | null = null;
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    (r: { result?: unknown; error?: { code: string; message: string } }) => void
  >();
  readonly events: Event[] = [];
  private listeners = new Set<(e: Event) => void>();
  stderr = '';
  port = 0;
  deviceId = '';

  constructor(
    readonly room: LanRoom,
    readonly index: number,
    readonly ns: string,
    readonly address: string,
    readonly dataDir: string,
    readonly name: string,
    private readonly extraArgs: string[],
    /** Start without --interface: the copy picks its interface itself. */
    private readonly autoInterface = false,
  ) {}

  /** Start the process; resolves when it says it is ready. */
  async start(): Promise<void> {
    // BATON_PEER_NODE_ARGS: extra node flags for the peers (e.g. --cpu-prof when profiling).
    const nodeArgs = (process.env.BATON_PEER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const args = [
      'netns',
      'exec',
      this.ns,
      process.execPath,
      ...nodeArgs,
      ...this.room.command,
      '--data-dir',
      this.dataDir,
      '--name',
      this.name,
      ...(this.autoInterface ? [] : ['--interface', this.address]),
      '--stdio',
      ...this.extraArgs,
    ];
    const proc = spawn('ip', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc = proc;
    proc.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      if (this.stderr.length > 200_000) this.stderr = this.stderr.slice(-100_000);
    });
    const rl = readline.createInterface({ input: proc.stdout! });
    rl.on('line', (line) => this.onLine(line));
    const ready = await this.waitEvent('ready', () => true, 15_000);
    const d = ready.data as { port: number; deviceId: string };
    this.port = d.port;
    this.deviceId = d.deviceId;
  }

  private onLine(line: string): void {
    let msg: {
      id?: number;
      event?: string;
      data?: unknown;
      result?: unknown;
      error?: { code: string; message: string };
    };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      throw new Error(`laptop ${this.index} wrote a non-JSON line to stdout: ${line}`);
    }
    if (msg.event) {
      const e = { at: performance.now(), event: msg.event, data: msg.data };
      this.events.push(e);
      for (const l of this.listeners) l(e);
      return;
    }
    if (typeof msg.id === 'number') this.waiting.get(msg.id)?.(msg);
  }

  /** Raw JSON-lines request. */
  request(
    method: string,
    params?: unknown,
    timeoutMs = 20_000,
  ): Promise<{ result?: unknown; error?: { code: string; message: string } }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`laptop ${this.index}: ${method} got no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, (r) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(r);
      });
      this.proc!.stdin!.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  async call<T = unknown>(method: string, params?: unknown, timeoutMs?: number): Promise<T> {
    const r = await this.request(method, params, timeoutMs);
    if (r.error)
      throw new Error(`laptop ${this.index} ${method}: ${r.error.code}: ${r.error.message}`);
    return r.result as T;
  }

  waitEvent(event: string, pred: (data: unknown) => boolean, timeoutMs = 10_000): Promise<Event> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(l);
        reject(new Error(`laptop ${this.index}: no ${event} event within ${timeoutMs} ms`));
      }, timeoutMs);
      const l = (e: Event): void => {
        if (e.event === event && pred(e.data)) {
          clearTimeout(timer);
          this.listeners.delete(l);
          resolve(e);
        }
      };
      this.listeners.add(l);
    });
  }

  get running(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  kill(signal: NodeJS.Signals): void {
    this.proc?.kill(signal);
  }

  exited(timeoutMs = 10_000): Promise<number | null> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null)
      return Promise.resolve(p?.exitCode ?? null);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`laptop ${this.index} did not exit`)), timeoutMs);
      p.once('exit', (code) => {
        clearTimeout(t);
        resolve(code);
      });
    });
  }
}

export class LanRoom {
  readonly peers: LanPeer[] = [];
  /** Processes replaced by a restart (their events still count in checks). */
  readonly retired: LanPeer[] = [];
  readonly dir: string;
  readonly id: number;
  private readonly bridges: [string, string];
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
          peerArgs(i),
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
      this.peerArgs(i),
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
      try {
        ip('netns', 'del', `r${this.id}l${i}`);
      } catch {
        // already gone
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
  logs(): string {
    return [...this.retired, ...this.peers]
      .map((p) => `--- laptop ${p.index} ---\n${p.stderr.slice(-4000)}`)
      .join('\n');
  }
}
