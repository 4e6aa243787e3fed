import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { type LanRoom, ip } from './harness';

/**
 * The campus around a room, for the relay tests: NATS servers (Debian's nats-server) in
 * network namespaces of their own on the room's bridge — never isolated, as a department
 * server on the wired network — and client isolation on laptops' bridge ports (what
 * eduroam and guest Wi-Fi do: an isolated port reaches the rest of the network, never
 * another isolated port; mDNS included).
 */

/** Laptop i's Wi-Fi isolates it from the other laptops (or stops doing so). */
export function isolate(room: LanRoom, i: number, on = true): void {
  ip(
    'link',
    'set',
    'dev',
    `r${room.id}v${i}`,
    'type',
    'bridge_slave',
    'isolated',
    on ? 'on' : 'off',
  );
}

/** One NATS server of the campus, at the room's .200 + index. */
export class CampusServer {
  readonly ns: string;
  readonly address: string;
  proc: ChildProcess | null = null;
  log = '';
  private made = false;

  constructor(
    readonly room: LanRoom,
    readonly index: number,
    readonly port = 4222,
  ) {
    this.ns = `r${room.id}c${index}`;
    this.address = `${room.subnet}.${200 + index}`;
  }

  get url(): string {
    return `nats://${this.address}:${this.port}`;
  }

  private plumb(): void {
    if (this.made) return;
    this.made = true;
    const veth = `r${this.room.id}s${this.index}`;
    ip('netns', 'add', this.ns);
    ip('link', 'add', veth, 'type', 'veth', 'peer', 'name', `${veth}x`);
    ip('link', 'set', veth, 'master', this.room.bridge, 'up');
    ip('link', 'set', `${veth}x`, 'netns', this.ns);
    ip('netns', 'exec', this.ns, 'ip', 'addr', 'add', `${this.address}/24`, 'dev', `${veth}x`);
    ip('netns', 'exec', this.ns, 'ip', 'link', 'set', `${veth}x`, 'up');
    ip('netns', 'exec', this.ns, 'ip', 'link', 'set', 'lo', 'up');
  }

  /** The server's WebSocket listener for browsers (start with `{ websocket: port }`). */
  wsUrl(port = 8080): string {
    return `ws://${this.address}:${port}`;
  }

  /**
   * Start nats-server (again); resolves once it accepts clients. `extra`: its flags
   * (`--auth`, `--user`/`--pass`, `--cluster …`, `--routes …`); `websocket`: also listen for
   * browsers on that port (no TLS: the test's own namespaces).
   */
  async start(extra: string[] = [], opts: { websocket?: number } = {}): Promise<void> {
    this.plumb();
    const config: string[] = [];
    if (opts.websocket) {
      const file = path.join(os.tmpdir(), `nats-${this.ns}.conf`);
      fs.writeFileSync(
        file,
        `websocket {\n  listen: "${this.address}:${opts.websocket}"\n  no_tls: true\n}\n`,
      );
      config.push('-c', file);
    }
    this.proc = this.spawn('nats-server', [
      ...config,
      '-a',
      this.address,
      '-p',
      String(this.port),
      ...extra,
    ]);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (await answers(this.address, this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`nats-server ${this.url} did not start:\n${this.log}`);
  }

  /** Serve `dir` over HTTP on `port` (a department's static web host), instead of NATS. */
  async serve(dir: string, port = 8000): Promise<string> {
    this.plumb();
    this.proc = this.spawn('python3', [
      '-m',
      'http.server',
      String(port),
      '--bind',
      this.address,
      '--directory',
      dir,
    ]);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (await listening(this.address, port)) return `http://${this.address}:${port}/`;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the static server did not start:\n${this.log}`);
  }

  private spawn(cmd: string, args: string[]): ChildProcess {
    const proc = spawn('ip', ['netns', 'exec', this.ns, cmd, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d: Buffer): void => {
      this.log = (this.log + d.toString()).slice(-20_000);
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    return proc;
  }

  /** Stop it (SIGKILL: the node dies; SIGTERM: it shuts down). */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill(signal);
    await exited;
  }

  async close(): Promise<void> {
    await this.stop();
    if (!this.made) return;
    for (const args of [
      ['link', 'del', `r${this.room.id}s${this.index}`],
      ['netns', 'del', this.ns],
    ])
      try {
        ip(...args);
      } catch {
        // already gone
      }
  }
}

/** Does anything accept connections at host:port? */
function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Does a NATS server answer at host:port (its INFO line)? */
function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1_000, () => done(false));
    s.once('data', (d) => done(d.toString().startsWith('INFO')));
    s.once('error', () => done(false));
  });
}

/**
 * Laptops `a` and `b` cannot reach each other by unicast (a firewall between them, or
 * two networks); multicast still passes, so mDNS may announce what TCP cannot reach.
 */
export function block(room: LanRoom, a: number, b: number): void {
  const addr = (i: number): string => `${room.subnet}.${10 + i}`;
  ip('netns', 'exec', `r${room.id}l${a}`, 'ip', 'route', 'add', 'unreachable', `${addr(b)}/32`);
  ip('netns', 'exec', `r${room.id}l${b}`, 'ip', 'route', 'add', 'unreachable', `${addr(a)}/32`);
}

/**
 * A NATS cluster of `n` nodes on the campus (nodes at .200 …), routed to each other, so a
 * client moves to another node by itself when one dies. `start(k)` (re)starts node k.
 */
export class CampusCluster {
  readonly nodes: CampusServer[];

  constructor(room: LanRoom, n = 3) {
    this.nodes = Array.from({ length: n }, (_, k) => new CampusServer(room, k));
  }

  /** The client URL list: every node. */
  get url(): string {
    return this.nodes.map((s) => s.url).join(',');
  }

  start(k: number): Promise<void> {
    const route = (j: number): string => `nats://${this.nodes[j]!.address}:6222`;
    const others = this.nodes.map((_, j) => j).filter((j) => j !== k);
    return this.nodes[k]!.start([
      '--cluster_name',
      'campus',
      '--cluster',
      route(k),
      '--routes',
      others.map(route).join(','),
    ]);
  }

  async startAll(): Promise<void> {
    await Promise.all(this.nodes.map((_, k) => this.start(k)));
  }

  async close(): Promise<void> {
    for (const s of this.nodes) await s.close();
  }
}
