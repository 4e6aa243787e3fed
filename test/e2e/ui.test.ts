import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page, chromium } from 'playwright';
import { CHROMIUM, UiPeer, e2eSkip, shot, tempDir } from './peers';

/**
 * The renderer in Debian's Chromium, over the App API of real headless peers (no fakes):
 * a TA starts a session, students find it by themselves and join, staff helps, and the
 * host's laptop leaves while the pages are open. Screenshots of every screen go to
 * test/e2e/screenshots/.
 */

const skip = e2eSkip;

describe('the UI on real peers', { skip }, () => {
  let browser: Browser;
  const peers: UiPeer[] = [];
  const dir = tempDir();
  let ta: UiPeer, ana: UiPeer, ben: UiPeer;
  let taPage: Page, anaPage: Page, benPage: Page;

  before(async () => {
    // The TA's laptop starts first, so it has the earliest member id and hosts; a long
    // failback window keeps hosting where the test expects it.
    ta = new UiPeer("Prof. Kim's laptop", path.join(dir, 'ta'), ['--stability-ms', '600000']);
    ana = new UiPeer("Ana's laptop", path.join(dir, 'ana'), ['--stability-ms', '600000']);
    ben = new UiPeer("Ben's laptop", path.join(dir, 'ben'), ['--stability-ms', '600000']);
    peers.push(ta, ana, ben);
    await Promise.all(peers.map((p) => p.start()));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Inside an unprivileged user namespace Chromium's own sandbox cannot start.
      chromiumSandbox: false,
    });
    const page = async (p: UiPeer, scheme: 'light' | 'dark' = 'light'): Promise<Page> => {
      const ctx = await browser.newContext({
        viewport: { width: 1280, height: 800 },
        colorScheme: scheme,
      });
      const pg = await ctx.newPage();
      pg.on('pageerror', (e) => console.error(`[${p.name}] page error: ${e.message}`));
      await pg.goto(p.url);
      return pg;
    };
    taPage = await page(ta);
    anaPage = await page(ana);
    benPage = await page(ben, 'dark');
  });

  after(async () => {
    await browser?.close();
    await Promise.all(peers.map((p) => p.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a TA starts a session; students see it appear by itself and join it', async () => {
    await taPage.getByLabel('Your name').fill('Prof. Kim');
    await taPage.getByLabel('Session name').fill('CS 101 office hours');
    // A passcode that is too short: the reason, in words, beside that field (before: under
    // the button, as "staffPasscode: …").
    const passcode = taPage.getByLabel('Staff passcode');
    await passcode.fill('lab-42');
    await taPage.getByRole('button', { name: 'Start session' }).click();
    const why = taPage.locator('#passcode-error');
    await why.waitFor();
    assert.equal(await why.textContent(), 'the staff passphrase needs at least 10 characters');
    assert.equal(await passcode.getAttribute('aria-invalid'), 'true');
    const [field, message] = await Promise.all([passcode.boundingBox(), why.boundingBox()]);
    const button = await taPage.getByRole('button', { name: 'Start session' }).boundingBox();
    assert.ok(
      field && message && button && message.y > field.y && message.y < button.y,
      'beside the field, above the button',
    );
    await shot(taPage, 'start-passcode-too-short');
    await passcode.fill('lab-42-please');
    await taPage.getByRole('button', { name: 'Start session' }).click();
    await taPage.getByRole('tab', { name: 'Staff' }).waitFor();
    await taPage.getByText('Hosting this session').waitFor();

    // Nobody typed anything on the students' pages: the session shows up over mDNS.
    const listed = anaPage.locator('.session-list li', { hasText: 'CS 101 office hours' });
    await listed.waitFor({ timeout: 20_000 });
    // One name per person: hosted by the name the TA gave, not the laptop's.
    await listed.getByText(/hosted by Prof\. Kim ·/).waitFor();
    await anaPage.getByLabel('Your name').fill('Ana Souza');
    await anaPage.getByLabel('Your name').press('Enter');
    await benPage
      .locator('.session-list li', { hasText: 'CS 101 office hours' })
      .waitFor({ timeout: 20_000 });
    await shot(anaPage, 'start-screen');

    await listed.getByRole('button', { name: 'Join' }).click();
    await anaPage.getByRole('heading', { name: 'Get in line' }).waitFor({ timeout: 20_000 });
    await benPage.getByLabel('Your name').fill('Ben Okafor');
    await benPage.getByLabel('Your name').press('Enter');
    await benPage.getByRole('button', { name: 'Join' }).click();
    await benPage.getByRole('heading', { name: 'Get in line' }).waitFor({ timeout: 20_000 });
  });

  it('the queue opens, students get in line and see their place', async () => {
    // A new session's queue starts open; close and reopen it as a TA would.
    await taPage.getByRole('button', { name: 'Close the queue' }).click();
    await anaPage.getByTestId('queue-closed').waitFor();
    await taPage.getByRole('button', { name: 'Open the queue' }).click();
    await taPage.getByText('Open — students can join').waitFor();
    await taPage
      .getByPlaceholder('Shown at the top of every screen')
      .fill('Lab 3 help in room 204 until 5 pm');
    await taPage.getByRole('button', { name: 'Post' }).click();

    await anaPage.getByLabel('What do you need help with?').fill('Lab 3: recursion base case');
    await anaPage.getByLabel('Where are you sitting?').fill('Row 2, seat 5');
    await anaPage.getByRole('button', { name: 'Join the queue' }).click();
    await anaPage.getByTestId('my-position').waitFor();
    assert.equal(await anaPage.getByTestId('my-position').textContent(), '#1');

    await benPage.getByLabel('What do you need help with?').fill('Git merge conflict');
    await benPage.getByLabel('Where are you sitting?').fill('Back table');
    await benPage.getByRole('button', { name: 'Join the queue' }).click();
    await benPage.getByTestId('my-position').waitFor();
    assert.equal(await benPage.getByTestId('my-position').textContent(), '#2');
    await benPage.getByText('Lab 3 help in room 204 until 5 pm').waitFor();
    await shot(benPage, 'student-view');
    await anaPage.getByText('Lab 3 help in room 204').waitFor();
  });

  it('staff helps the next student, who is told at once', async () => {
    const queue = taPage.getByTestId('staff-queue');
    await queue.getByText('Ben Okafor').waitFor();
    // Help next and the queue stay in view while the TA scrolls the side cards, between
    // the top bar and the status bar.
    await taPage.evaluate('window.scrollTo(0, document.body.scrollHeight)');
    assert.ok((await taPage.evaluate<number>('window.scrollY')) > 200, 'the page scrolls');
    const box = async (sel: string) => (await taPage.locator(sel).first().boundingBox())!;
    const [top, bottom, help, ben] = await Promise.all([
      box('.topbar'),
      box('.statusbar'),
      box('[data-testid="help-next"]'),
      box('[data-testid="staff-queue"] >> text=Ben Okafor'),
    ]);
    assert.ok(help.y >= top.y + top.height, `Help next below the top bar (${help.y})`);
    assert.ok(ben.y + ben.height <= bottom.y, `the queue above the status bar (${ben.y})`);
    await shot(taPage, 'staff-scrolled');
    await taPage.evaluate('window.scrollTo(0, 0)');
    await shot(taPage, 'staff-view');
    await taPage.getByTestId('help-next').click();
    await anaPage.getByTestId('my-entry').getByText('is calling you').waitFor();
    await anaPage.getByTestId('toast-called').waitFor();
    await shot(anaPage, 'student-called');
    await benPage.getByText("You're next.").waitFor();
  });

  it('the members panel shows the successorship order', async () => {
    await benPage.getByRole('button', { name: /^Members/ }).click();
    const panel = benPage.getByTestId('members-panel');
    await panel.waitFor();
    const names = await panel.locator('ol.members .member-name').allTextContents();
    // One name per person: the names they gave, as the queue shows them.
    assert.deepEqual(names, ['Prof. Kim', 'Ana Souza', 'Ben Okafor'], 'the TA hosts, first');
    assert.equal(names.length, 3);
    await shot(benPage, 'members-panel');
    await benPage.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
  });

  it("the host's laptop leaves: the pages name the new host and keep the queue", async () => {
    const t0 = Date.now();
    await ta.stop('SIGTERM');
    const toast = benPage.getByTestId('toast-host');
    await toast.waitFor({ timeout: 10_000 });
    const text = (await toast.textContent()) ?? '';
    assert.match(text, /^Prof\. Kim left — .* is hosting now, /);
    console.log(`  toast after ${Date.now() - t0} ms: "${text.replace('✕', '').trim()}"`);
    const host = benPage.getByTestId('host');
    await host.filter({ hasText: /Ana Souza|Ben Okafor/ }).waitFor();
    // Nothing acknowledged is lost: Ana is still being called, Ben still second.
    await benPage.getByText("You're next.").waitFor();
    await anaPage.getByTestId('my-entry').getByText('is calling you').waitFor();
    await shot(benPage, 'failover-toast');

    // The queue keeps working on the new host: Ben withdraws, and it is acknowledged.
    await benPage.getByRole('button', { name: 'Withdraw from the queue' }).click();
    await benPage.getByRole('heading', { name: 'Get in line' }).waitFor({ timeout: 10_000 });
    const q = (await ana.call('queue.get')) as { entries: { name: string }[] };
    assert.deepEqual(
      q.entries.map((e) => e.name),
      ['Ana Souza'],
    );
  });

  it('bad input gets a clear error and the page keeps working', async () => {
    await anaPage.getByRole('tab', { name: 'Staff' }).click();
    await anaPage.getByLabel('Passcode').fill('wrong-guess');
    await anaPage.getByRole('button', { name: 'Log in' }).click();
    await anaPage.getByRole('alert').waitFor();
    assert.match((await anaPage.getByRole('alert').textContent()) ?? '', /passcode/i);
    await anaPage.getByLabel('Passcode').fill('lab-42-please');
    await anaPage.getByRole('button', { name: 'Log in' }).click();
    await anaPage.getByTestId('help-next').waitFor();
    // A called student's row has six actions: they take a line of their own, and the
    // name stays on one line, clear of the "called by" text.
    const called = anaPage.locator('[data-testid="staff-queue"] .entry.called').first();
    const box = async (sel: string) => (await called.locator(sel).boundingBox())!;
    const [name, state, actions] = [
      await box('.entry-name'),
      await box('.entry-state'),
      await box('.entry-actions'),
    ];
    assert.ok(name.height < 30, `the name on one line (${name.height}px)`);
    assert.ok(name.x + name.width <= state.x, 'the name clear of "called by"');
    assert.ok(actions.y >= name.y + name.height, 'the actions below the name');
    await shot(anaPage, 'staff-after-failover');
  });
});
