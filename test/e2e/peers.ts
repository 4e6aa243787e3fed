import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';

/**
 * Real headless peers for the UI tests, all on this namespace's loopback (the e2e runner
 * turns multicast on there, so they find each other over mDNS). Each serves the built UI
 * at its own http://127.0.0.1:<port>/ with the App API behind it.
 */

const CLI = path.resolve('dist/cli/baton.js');

export function insideSandbox(): boolean {
  return process.env.BATON_E2E_SANDBOX === '1';
}

/** Debian's Chromium, which Playwright drives (it never downloads a browser). */
export const CHROMIUM = process.env.BATON_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = path.resolve('test/e2e/screenshots');

/** Why a UI suite cannot run here, or false when it can. */
export const e2eSkip: string | false = !insideSandbox()
  ? 'run through `npm run test:e2e` (needs its network namespace)'
  : !fs.existsSync(CHROMIUM)
    ? `no Chromium at ${CHROMIUM} (apt-get install chromium)`
    : false;

/** A screenshot of `page` as test/e2e/screenshots/<name>.png. */
export async function shot(
  page: { screenshot(o: { path: string; animations: 'disabled' }): Promise<unknown> },
  name: string,
): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), animations: 'disabled' });
}

export class UiPeer {
  proc: ChildProcess | null = null;
  url = '';
  /** The peer port: links, and the phone page at http://127.0.0.1:<port>/. */
  port = 0;
  stderr = '';
  private nextId = 1;
  private readonly waiting = new Map<number, (m: { result?: unknown; error?: unknown }) => void>();

  constructor(
    readonly name: string,
    readonly dataDir: string,
    private readonly extra: string[] = [],
  ) {}

  async start(): Promise<void> {
    const proc = spawn(
      process.execPath,
      [
        CLI,
        'peer',
        '--data-dir',
        this.dataDir,
        '--name',
        this.name,
        '--interface',
        '127.0.0.1',
        '--ui-port',
        '0',
        '--stdio',
        ...this.extra,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.proc = proc;
    proc.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-50_000);
    });
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name} did not start:\n${this.stderr}`)),
        15_000,
      );
      readline.createInterface({ input: proc.stdout! }).on('line', (line) => {
        const m = JSON.parse(line) as {
          id?: number;
          event?: string;
          data?: { ui?: string; port?: number };
          result?: unknown;
          error?: unknown;
        };
        if (m.event === 'ready') {
          this.url = m.data?.ui ?? '';
          this.port = m.data?.port ?? 0;
          clearTimeout(timer);
          resolve();
        } else if (typeof m.id === 'number') this.waiting.get(m.id)?.(m);
      });
    });
    await ready;
  }

  /** A direct App API call on the peer's stdio (setup and checks beside the page). */
  call(method: string, params?: unknown): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (m) =>
        m.error ? reject(new Error(JSON.stringify(m.error))) : resolve(m.result),
      );
      this.proc!.stdin!.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  /** Graceful leave (what closing the app window does). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill(signal);
    });
  }
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'baton-e2e-'));
}
