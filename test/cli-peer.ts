import { type ChildProcess, spawn } from 'node:child_process';
import * as readline from 'node:readline';

/**
 * A headless copy under test: a child process speaking JSON lines on stdio (`baton peer
 * --stdio`, or the diary's CLI). Requests {"id","method","params"} get {"id","result"} or
 * {"id","error"}; events arrive as {"event","data"}; the first event is `ready`. The LAN
 * suite runs these inside a laptop's network namespace, the e2e suite on loopback.
 */
export interface CliEvent {
  at: number;
  event: string;
  data: unknown;
}

export type CliReply = { result?: unknown; error?: { code: string; message: string } };

export class CliPeer {
  proc: ChildProcess | null = null;
  readonly events: CliEvent[] = [];
  stderr = '';
  /** What the `ready` event said (port, deviceId, ui …). */
  ready: Record<string, unknown> = {};
  private nextId = 1;
  private readonly waiting = new Map<number, (r: CliReply) => void>();
  private readonly listeners = new Set<(e: CliEvent) => void>();

  constructor(
    /** Who this is in failure messages ("laptop 3"). */
    readonly label: string,
    /** The program and its arguments. */
    private readonly argv: () => string[],
    private readonly stderrLimit = 200_000,
  ) {}

  /** Start the process; resolves with its `ready` event's data. */
  async start(timeoutMs = 15_000): Promise<Record<string, unknown>> {
    const [cmd, ...args] = this.argv();
    const proc = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc = proc;
    // A request written as the process dies (a nemesis kill racing a client's next call)
    // fails its pipe: that request then times out like any unanswered one; the test goes on.
    proc.stdin!.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') this.stderr += `\n[test] stdin: ${e.message}\n`;
    });
    proc.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      if (this.stderr.length > this.stderrLimit)
        this.stderr = this.stderr.slice(-this.stderrLimit / 2);
    });
    readline.createInterface({ input: proc.stdout! }).on('line', (line) => this.onLine(line));
    const ready = await this.waitEvent('ready', () => true, timeoutMs).catch((e: Error) => {
      throw new Error(`${e.message}\n${this.stderr.slice(-4000)}`);
    });
    this.ready = (ready.data ?? {}) as Record<string, unknown>;
    return this.ready;
  }

  private onLine(line: string): void {
    let msg: { id?: number; event?: string; data?: unknown } & CliReply;
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      throw new Error(`${this.label} wrote a non-JSON line to stdout: ${line}`);
    }
    if (msg.event) {
      const e = { at: performance.now(), event: msg.event, data: msg.data };
      this.events.push(e);
      for (const l of this.listeners) l(e);
      return;
    }
    if (typeof msg.id === 'number') this.waiting.get(msg.id)?.(msg);
  }

  /** Raw request: the reply, error or not. */
  request(method: string, params?: unknown, timeoutMs = 20_000): Promise<CliReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${this.label}: ${method} got no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, (r) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(r);
      });
      const stdin = this.proc?.stdin;
      if (!stdin?.writable || this.proc?.exitCode !== null || this.proc?.signalCode) {
        clearTimeout(timer);
        this.waiting.delete(id);
        return reject(new Error(`${this.label}: ${method}: the process is not running`));
      }
      stdin.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  /** A request that must succeed: its result. */
  async call<T = unknown>(method: string, params?: unknown, timeoutMs?: number): Promise<T> {
    const r = await this.request(method, params, timeoutMs);
    if (r.error) throw new Error(`${this.label} ${method}: ${r.error.code}: ${r.error.message}`);
    return r.result as T;
  }

  waitEvent(
    event: string,
    pred: (data: unknown) => boolean,
    timeoutMs = 10_000,
  ): Promise<CliEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(l);
        reject(new Error(`${this.label}: no ${event} event within ${timeoutMs} ms`));
      }, timeoutMs);
      const l = (e: CliEvent): void => {
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
      const t = setTimeout(() => reject(new Error(`${this.label} did not exit`)), timeoutMs);
      p.once('exit', (code) => {
        clearTimeout(t);
        resolve(code);
      });
    });
  }
}
