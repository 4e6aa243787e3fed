import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium } from 'playwright';
import { CHROMIUM, UiPeer, e2eSkip, shot, tempDir } from './peers';

/**
 * The relay as a TA and a student see it: the TA sets a relay server in the network panel
 * and shares it with the session; a student whose laptop finds no session (mDNS off: a Wi-Fi
 * that keeps laptops apart) pastes the join link on the start screen, gets in line, and the
 * network check says each link goes "via relay". nats-server runs on this sandbox's loopback.
 */
const PORT = 4391;

async function natsUp(): Promise<ChildProcess> {
  const proc = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(PORT)], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect({ host: '127.0.0.1', port: PORT });
      s.once('data', () => (s.destroy(), r(true)));
      s.once('error', () => r(false));
    });
    if (ok) return proc;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('nats-server did not start');
}

describe('the relay in the UI', { skip: e2eSkip }, () => {
  let browser: Browser;
  let nats: ChildProcess;
  const dir = tempDir();
  let ta: UiPeer, student: UiPeer;

  before(async () => {
    nats = await natsUp();
    ta = new UiPeer("Prof. Kim's laptop", path.join(dir, 'ta'), ['--no-mdns']);
    student = new UiPeer("Ann's laptop", path.join(dir, 'ann'), ['--no-mdns']);
    await Promise.all([ta.start(), student.start()]);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      chromiumSandbox: false,
    });
  });

  after(async () => {
    await browser?.close();
    await Promise.all([ta, student].filter(Boolean).map((p) => p.stop()));
    nats?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the TA connects and shares a relay; a student pastes the join link and gets in line through it', async () => {
    await ta.call('session.create', {
      name: 'CS 101 office hours',
      staffPasscode: 'lab-42-please',
    });
    const tab = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await tab.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(ta.url);
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Network check…' }).click();
    const card = page.getByTestId('relay-card');
    // A junk address first: a clear error, nothing else changes.
    await card.getByLabel('Relay address', { exact: true }).fill('http://relay');
    await card.getByRole('button', { name: 'Connect' }).click();
    await card.getByRole('alert').filter({ hasText: 'nats://' }).waitFor();
    await card.getByLabel('Relay address', { exact: true }).fill(`nats://127.0.0.1:${PORT}`);
    await card.locator('summary', { hasText: 'Phones anywhere' }).click();
    await card.getByLabel('Relay address for browsers').fill('ws://127.0.0.1:4392');
    await card.getByLabel('Phone page address').fill('https://cs.example.edu/baton/');
    await card.getByRole('button', { name: 'Connect' }).click();
    await card
      .getByTestId('relay-state')
      .filter({ hasText: 'connected' })
      .waitFor({ timeout: 10_000 });
    await card.getByTestId('relay-share').click();
    await card.getByRole('button', { name: 'Shared' }).waitFor({ timeout: 10_000 });
    const link = card.getByTestId('join-link');
    await link.waitFor({ timeout: 10_000 });
    assert.match((await link.textContent()) ?? '', /baton:\/\/join\//);
    await link.getByTestId('phone-anywhere').getByText('https://cs.example.edu/baton/#').waitFor();
    await link.scrollIntoViewIfNeeded();
    await shot(page, 'relay-card');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'relay-card-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    const { link: joinLink } = await ta.call<{ link: string }>('session.joinCode');
    assert.doesNotMatch(Buffer.from(joinLink.split('/').pop()!, 'base64url').toString(), /lab-42/);

    // The student's laptop sees no session; the join link gets it in.
    const sTab = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const s = await sTab.newPage();
    s.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await s.goto(student.url);
    await s.getByLabel('Your name').fill('Ann Lee');
    const details = s.getByTestId('join-with-link');
    await details.locator('summary').click();
    await details.getByLabel('Join link or code').fill('not a link');
    await details.getByRole('button', { name: 'Join' }).click();
    await details.getByRole('alert').filter({ hasText: 'not a Baton join code' }).waitFor();
    await details.getByLabel('Join link or code').fill(joinLink);
    await shot(s, 'join-with-link');
    await details.getByRole('button', { name: 'Join' }).click();
    await s.getByRole('heading', { name: 'Get in line' }).waitFor({ timeout: 20_000 });
    await student.call('queue.join', { name: 'Ann Lee', topic: 'recursion', location: 'home' });
    await page.getByText('Ann Lee').first().waitFor({ timeout: 10_000 });

    // The TA's members panel says how each laptop is reached.
    await page.getByRole('button', { name: 'Network' }).first().isVisible();
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: /^Members/ }).click();
    await page
      .getByTestId('members-panel')
      .getByTestId('member-path')
      .filter({ hasText: /via relay · \d+ ms/ })
      .waitFor({ timeout: 10_000 });
    await shot(page, 'members-relay');

    // The student's network check: the link to the TA goes via the relay.
    await s.getByRole('button', { name: 'Settings' }).click();
    await s.getByRole('button', { name: 'Network check…' }).click();
    await s
      .getByTestId('link-path')
      .filter({ hasText: 'via relay' })
      .first()
      .waitFor({ timeout: 10_000 });
    await shot(s, 'network-relay-paths');
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const p = await phone.newPage();
    await p.goto(student.url);
    await p.getByRole('button', { name: 'Settings' }).click();
    await p.getByRole('button', { name: 'Network check…' }).click();
    await p.getByTestId('relay-card').scrollIntoViewIfNeeded();
    await shot(p, 'relay-card-narrow');
    await Promise.all([tab.close(), sTab.close(), phone.close()]);
  });
});
