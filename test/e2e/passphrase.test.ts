import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright';
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
    const { ctx, page } = await staffPage(browser, ta.url);
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

/**
 * A session of this version: its id is bound to its first lock, so the passphrase moves on
 * only as the current one signs it. The TA changes it from the staff view: a wrong current
 * passphrase is refused in words; the right one moves the session on, keeps this TA logged
 * in, and logs every other TA out until they use the new passphrase.
 */
describe('changing the staff passphrase', { skip: e2eSkip }, () => {
  let browser: Browser;
  const dir = tempDir();
  let ta: UiPeer;
  let ta2: UiPeer;

  before(async () => {
    ta = new UiPeer("Kim's laptop", path.join(dir, 'ta'));
    ta2 = new UiPeer("Lee's laptop", path.join(dir, 'ta2'));
    await Promise.all([ta.start(), ta2.start()]);
    await ta.call('profile.setName', { name: 'Prof. Kim' });
    const { sessionId } = await ta.call<{ sessionId: string }>('session.create', {
      name: 'CS 101 office hours',
      staffPasscode: 'lab-42-please',
    });
    await ta2.call('session.connect', { sessionId, address: `127.0.0.1:${ta.port}` });
    await ta2.call('staff.login', { passcode: 'lab-42-please' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      chromiumSandbox: false,
    });
  });

  after(async () => {
    await browser?.close();
    await Promise.all([ta?.stop(), ta2?.stop()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the current passphrase signs the change; other TAs log in again with the new one', async () => {
    const { ctx, page } = await staffPage(browser, ta.url);
    const card = page.getByTestId('passphrase-card');
    await card.getByRole('button', { name: 'Change passphrase…' }).click();
    await card.getByLabel('Current passphrase').fill('not-the-passphrase');
    await card.getByLabel('New passphrase').fill('four green lamps');
    await card.getByRole('button', { name: 'Set passphrase' }).click();
    await card.getByText('the current staff passphrase is not that').waitFor({ timeout: 15_000 });
    await card.scrollIntoViewIfNeeded();
    await shot(page, 'passphrase-change-wrong');
    await card.getByLabel('Current passphrase').fill('lab-42-please');
    await card.getByRole('button', { name: 'Set passphrase' }).click();
    await page.getByText('Staff passphrase changed').waitFor({ timeout: 15_000 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'passphrase-changed-dark');
    // This TA is still staff; the other one was logged out by the move.
    assert.equal((await ta.call<{ isStaff: boolean }>('status')).isStaff, true);
    await waitFor(async () => !(await ta2.call<{ isStaff: boolean }>('status')).isStaff);
    await assert.rejects(ta2.call('staff.login', { passcode: 'lab-42-please' }), /wrong-passcode/);
    await ta2.call('staff.login', { passcode: 'four green lamps' });
    assert.equal((await ta2.call<{ isStaff: boolean }>('status')).isStaff, true);
    await ctx.close();
  });
});

async function waitFor(ok: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A laptop-sized page on `url`'s staff tab. */
async function staffPage(
  browser: Browser,
  url: string,
): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({
    viewport: { width: 1280, height: 860 },
    colorScheme: 'light',
  });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(url);
  await page.getByRole('tab', { name: /Staff/ }).click();
  return { ctx, page };
}
