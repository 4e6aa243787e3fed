import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CliPeer } from '../cli-peer';
import { type Browser, chromium } from 'playwright';

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
/** Debian's Chromium, headless; inside an unprivileged user namespace its own sandbox cannot start. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, chromiumSandbox: false });
}

export async function shot(
  page: { screenshot(o: { path: string; animations: 'disabled' }): Promise<unknown> },
  name: string,
): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), animations: 'disabled' });
}

/** A headless copy serving the UI on loopback: the shared CLI peer, plus its UI address. */
export class UiPeer extends CliPeer {
  url = '';
  /** The peer port: links, and the phone page at http://127.0.0.1:<port>/. */
  port = 0;

  constructor(
    readonly name: string,
    readonly dataDir: string,
    extra: string[] = [],
  ) {
    super(
      name,
      () => [
        process.execPath,
        CLI,
        'peer',
        '--data-dir',
        dataDir,
        '--name',
        name,
        '--interface',
        '127.0.0.1',
        '--ui-port',
        '0',
        '--stdio',
        ...extra,
      ],
      50_000,
    );
  }

  override async start(): Promise<Record<string, unknown>> {
    const d = await super.start(15_000);
    this.url = (d.ui as string | undefined) ?? '';
    this.port = (d.port as number | undefined) ?? 0;
    return d;
  }

  /** A direct App API call on the peer's stdio (setup and checks beside the page). */
  override async call<T = unknown>(method: string, params?: unknown): Promise<T> {
    const r = await this.request(method, params);
    if (r.error) throw new Error(JSON.stringify(r.error));
    return r.result as T;
  }

  /** Graceful leave (what closing the app window does). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return;
    this.kill(signal);
    await this.exited();
  }
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'baton-e2e-'));
}
