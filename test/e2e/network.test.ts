import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page, chromium } from 'playwright';
import { CHROMIUM, UiPeer, e2eSkip, shot, tempDir } from './peers';

/**
 * When nothing is found: a laptop alone on the network gets the start-screen hint after
 * 20 s and a verdict in the Network panel; a scan of its network (this namespace's
 * loopback, nothing else) finds the session a TA then starts, and joins it.
 */

const skip = e2eSkip;

describe('the network check on real peers', { skip }, () => {
  let browser: Browser;
  const dir = tempDir();
  let solo: UiPeer, ta: UiPeer;
  let page: Page;

  before(async () => {
    solo = new UiPeer("Sam's laptop", path.join(dir, 'solo'));
    await solo.start();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      chromiumSandbox: false,
    });
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await ctx.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(solo.url);
  });

  after(async () => {
    await browser?.close();
    await Promise.all([solo, ta].filter(Boolean).map((p) => p.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('alone for 20 s: the start screen says so and the Network panel explains', async () => {
    await page.getByLabel('Your name').fill('Sam Lee');
    await page.getByLabel('Your name').press('Enter');
    const hint = page.getByTestId('net-hint');
    await hint.waitFor({ timeout: 30_000 });
    await shot(page, 'start-hint');
    await hint.getByRole('button').click();
    const panel = page.getByTestId('network-panel');
    const verdict = panel.getByTestId('verdict');
    await verdict.filter({ hasText: 'No other Baton heard' }).waitFor();
    assert.match((await verdict.textContent()) ?? '', /though this laptop sent \d+ announcements/);
    assert.match(
      (await verdict.textContent()) ?? '',
      /Only this laptop's own mDNS packets come back .* multicast is blocked/,
    );
    await panel.getByTestId('iface-reason').filter({ hasText: '--interface 127.0.0.1' }).waitFor();
    await shot(page, 'network-panel');
    const diag = (await solo.call('diag.network')) as { verdict: { code: string } };
    assert.equal(diag.verdict.code, 'only-self');
  });

  it('"Scan this network" finds a session started meanwhile, and joins it', async () => {
    ta = new UiPeer("Prof. Kim's laptop", path.join(dir, 'ta'));
    await ta.start();
    await ta.call('session.create', {
      name: 'CS 101 office hours',
      staffPasscode: 'lab-42-please',
    });
    const panel = page.getByTestId('network-panel');
    await panel.getByTestId('scan').click();
    const result = panel.getByTestId('scan-result');
    await result.waitFor({ timeout: 60_000 });
    await result.getByText('CS 101 office hours').waitFor();
    assert.match((await result.textContent()) ?? '', /127\.0\.0\.0\/24: \d+ probes, 1 Baton found/);
    await shot(page, 'network-scan');
    await result.getByRole('button', { name: 'Join' }).click();
    await page.getByRole('heading', { name: 'Get in line' }).waitFor({ timeout: 20_000 });
    const after = (await solo.call('diag.network')) as {
      verdict: { code: string };
      links: { rttMs: number | null }[];
    };
    assert.equal(after.verdict.code, 'ok');
    assert.ok(after.links.length >= 1);
  });
});
