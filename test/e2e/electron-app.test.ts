import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { _electron as electron } from 'playwright';
import { insideSandbox } from './peers';

/**
 * The real Electron app through Playwright, where an Electron binary exists (a normal
 * machine after `npm start` fetched it, or ELECTRON_OVERRIDE_DIST_PATH). These build
 * machines cannot download it: then this says so and skips.
 */
function electronBinary(): string | null {
  // Found the way the electron package finds it, without its fallback of downloading.
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const p = path.join(override, 'electron');
    return fs.existsSync(p) ? p : null;
  }
  const pkg = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  const pathFile = path.join(pkg, 'path.txt');
  if (!fs.existsSync(pathFile)) return null;
  const p = path.join(pkg, 'dist', fs.readFileSync(pathFile, 'utf8').trim());
  return fs.existsSync(p) ? p : null;
}

const binary = electronBinary();
const reason = !insideSandbox()
  ? 'run through `npm run test:e2e` (needs its network namespace)'
  : !binary
    ? 'SKIP: no Electron binary on this machine (its download host is unreachable here); set ELECTRON_OVERRIDE_DIST_PATH to run the real app'
    : false;
if (reason && binary === null && insideSandbox()) console.log(`# ${reason}`);

describe('the Electron app', { skip: reason }, () => {
  it('opens the window on the start screen, with the App API and nothing else exposed', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-electron-'));
    const app = await electron.launch({
      executablePath: binary!,
      args: ['.', '--profile', 'e2e', '--no-sandbox'],
      env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') },
    });
    try {
      const page = await app.firstWindow();
      await page.getByText('Sessions on this network').waitFor();
      const exposed = await page.evaluate(() => ({
        baton: Object.keys((globalThis as unknown as { baton: object }).baton).sort(),
        require: typeof (globalThis as unknown as { require?: unknown }).require,
        process: typeof (globalThis as unknown as { process?: unknown }).process,
      }));
      assert.deepEqual(exposed, {
        baton: ['call', 'on'],
        require: 'undefined',
        process: 'undefined',
      });
      const status = await page.evaluate(() =>
        (globalThis as unknown as { baton: { call(m: string): Promise<unknown> } }).baton.call(
          'status',
        ),
      );
      assert.equal((status as { ok: boolean }).ok, true);
    } finally {
      await app.close();
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
