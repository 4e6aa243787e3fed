import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page, chromium } from 'playwright';
import { CHROMIUM, UiPeer, e2eSkip, shot, tempDir } from './peers';

/**
 * A full disk, as the TA sees it: the laptop's data dir sits on a small tmpfs mounted in
 * this run's own mount namespace; filling it brings up the banner and a request that waits
 * with its reason; freeing it clears both and the request is acknowledged.
 */

describe('a full disk in the UI', { skip: e2eSkip }, () => {
  let browser: Browser;
  const dir = tempDir();
  const data = path.join(dir, 'ta');
  let ta: UiPeer;
  let page: Page;

  before(async () => {
    fs.mkdirSync(data, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', data]);
    ta = new UiPeer("Kim's laptop", data);
    await ta.start();
    await ta.call('profile.setName', { name: 'Prof. Kim' });
    await ta.call('session.create', {
      name: 'CPSC 416 office hours',
      staffPasscode: 'letmein-please',
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      chromiumSandbox: false,
    });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(ta.url);
  });

  after(async () => {
    await browser?.close();
    await ta?.stop();
    try {
      execFileSync('umount', [data]);
    } catch {
      // gone with the namespace anyway
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('says the disk is full, shows why a request waits, and goes on by itself when space returns', async () => {
    const filler = path.join(data, 'filler.bin');
    const chunk = Buffer.alloc(64 * 1024, 1);
    const fd = fs.openSync(filler, 'w');
    try {
      for (let n = chunk.length; n >= 1; n = Math.floor(n / 2))
        for (;;) fs.writeSync(fd, chunk, 0, n);
    } catch (e) {
      assert.equal((e as NodeJS.ErrnoException).code, 'ENOSPC');
    } finally {
      fs.closeSync(fd);
    }
    // Joining needs this laptop's own disk (the owner secret): a clear error at once.
    await assert.rejects(
      ta.call('queue.join', { name: 'Prof. Kim', topic: 'a test entry', location: 'desk' }),
      /storage-full/,
    );
    // A staff command only needs the host's disk, which is this one: it waits, with why.
    const announce = ta.call('staff.setAnnouncement', { text: 'Back in 5 minutes' });
    const banner = page.getByTestId('storage-problem');
    await banner.filter({ hasText: "This laptop's disk is full" }).waitFor({ timeout: 15_000 });
    await page
      .getByTestId('pending')
      .filter({ hasText: 'disk is full' })
      .waitFor({ timeout: 15_000 });
    await shot(page, 'disk-full');
    const small = await browser.newPage({ viewport: { width: 390, height: 800 } });
    await small.goto(ta.url);
    await small.getByTestId('storage-problem').waitFor();
    await shot(small, 'disk-full-narrow');
    await small.close();
    fs.rmSync(filler);
    await announce;
    await page.locator('.announcement').filter({ hasText: 'Back in 5 minutes' }).waitFor();
    await banner.waitFor({ state: 'detached', timeout: 15_000 });
    await page.getByTestId('pending').waitFor({ state: 'detached', timeout: 15_000 });
    const st = (await ta.call('status')) as { storage: { ok: boolean; problem: string | null } };
    assert.deepEqual(st.storage, { ok: true, problem: null });
  });
});
