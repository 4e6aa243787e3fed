import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium } from 'playwright';
import { seedHistory } from '../bench/seed';
import { CHROMIUM, UiPeer, e2eSkip, shot, tempDir } from './peers';

/**
 * A session from an older Baton (a 6-character passcode whose login sent a replayable key),
 * resumed by its TA's laptop: the staff view asks for a new passphrase, refuses a short one,
 * takes a long one, and from then on only the new passphrase logs in.
 */
describe('a session from before staff locks', { skip: e2eSkip }, () => {
  let browser: Browser;
  const dir = tempDir();
  const data = path.join(dir, 'ta');
  let ta: UiPeer;

  before(async () => {
    seedHistory(data, 3, 'lab-42');
    ta = new UiPeer("Kim's laptop", data);
    await ta.start();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      chromiumSandbox: false,
    });
  });

  after(async () => {
    await browser?.close();
    await ta?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('asks staff for a new passphrase; after it, the old passcode no longer logs in', async () => {
    const ctx = await browser.newContext({
      viewport: { width: 1280, height: 860 },
      colorScheme: 'light',
    });
    const page = await ctx.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(ta.url);
    await page.getByRole('tab', { name: /Staff/ }).click();
    const card = page.getByRole('region', { name: 'Choose a new staff passphrase' });
    await card.waitFor({ timeout: 15_000 });
    await shot(page, 'passphrase-outdated');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'passphrase-outdated-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    const input = card.getByLabel('New passphrase');
    const save = card.getByRole('button', { name: 'Set passphrase' });
    await input.fill('short');
    assert.equal(await save.isDisabled(), true, 'a short passphrase cannot be sent');
    await input.fill('three blue chairs');
    await save.click();
    await card.waitFor({ state: 'detached', timeout: 15_000 });
    await ta.call('staff.logout');
    await assert.rejects(ta.call('staff.login', { passcode: 'lab-42' }), /wrong-passcode/);
    await ta.call('staff.login', { passcode: 'three blue chairs' });
    await ctx.close();
  });
});
