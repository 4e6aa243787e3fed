import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium } from 'playwright';
import { CHROMIUM, UiPeer, e2eSkip, shot, tempDir } from './peers';

/**
 * In person and online in one line (#26): the TA makes the queue "In person + online" and
 * saves a meeting link; a student on a laptop picks "Online" (no seat asked), a phone
 * student too; the TA sees both marked Online and calls one; the student gets a "Join Prof.
 * Kim's meeting" button that opens the TA's link; a student in the room is unchanged.
 */
describe('online and in person in one line', { skip: e2eSkip }, () => {
  let browser: Browser;
  const dir = tempDir();
  let ta: UiPeer, ann: UiPeer, ben: UiPeer;
  const LINK = 'https://meet.example.edu/prof-kim';

  before(async () => {
    ta = new UiPeer("Prof. Kim's laptop", path.join(dir, 'ta'), ['--stability-ms', '600000']);
    ann = new UiPeer("Ann's laptop", path.join(dir, 'ann'));
    ben = new UiPeer("Ben's laptop", path.join(dir, 'ben'));
    await ta.start();
    await Promise.all([ann.start(), ben.start()]);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      chromiumSandbox: false,
    });
    await ta.call('profile.setName', { name: 'Prof. Kim' });
    const { sessionId } = await ta.call<{ sessionId: string }>('session.create', {
      name: 'CS 101 office hours',
      staffPasscode: 'lab-42-please',
    });
    for (const p of [ann, ben]) {
      for (let i = 0; i < 100; i++) {
        const list = await p.call<{ sessionId: string }[]>('sessions.list');
        if (list.some((s) => s.sessionId === sessionId)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      await p.call('session.join', { sessionId });
    }
  });

  after(async () => {
    await browser?.close();
    await Promise.all([ta, ann, ben].filter(Boolean).map((p) => p.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the TA runs one line for both; an online student is called into the TA’s meeting', async () => {
    const tab = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const t = await tab.newPage();
    t.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await t.goto(ta.url);
    await t.getByRole('tab', { name: 'Staff' }).click();
    await t.getByLabel('How students join General').selectOption('both');
    const card = t.getByTestId('my-meeting');
    await card.getByLabel('Your meeting link').fill('javascript:alert(1)');
    await card.getByRole('button', { name: 'Save' }).click();
    await card
      .getByRole('alert')
      .filter({ hasText: /web address|https/ })
      .waitFor();
    await card.getByLabel('Your meeting link').fill(LINK);
    await card.getByRole('button', { name: 'Save' }).click();
    await card.getByRole('button', { name: 'Saved' }).waitFor();

    // Ann, on her laptop at home: picks Online — no seat is asked.
    const aTab = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const a = await aTab.newPage();
    await a.goto(ann.url);
    await a.getByTestId('mode-pick').waitFor({ timeout: 10_000 });
    await a.getByLabel('Name').fill('Ann Online');
    await a.getByTestId('mode-pick').locator('.chip', { hasText: 'Online' }).click();
    assert.equal(await a.getByLabel('Where are you sitting?').count(), 0, 'no seat asked online');
    await a.getByLabel('What do you need help with?').fill('segfault in lab 2');
    await shot(a, 'online-join');
    await a.getByRole('button', { name: 'Join the queue' }).click();
    await a.getByTestId('my-position').waitFor();

    // Ben is in the room: asked for his seat as always.
    const bTab = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const b = await bTab.newPage();
    await b.goto(ben.url);
    await b.getByLabel('Name').fill('Ben InRoom');
    await b.getByLabel('Where are you sitting?').fill('Row 3');
    await b.getByRole('button', { name: 'Join the queue' }).click();
    await b.getByTestId('my-position').waitFor();

    // A phone at home, through the TA's laptop's page: Online, with its own link.
    const pTab = await browser.newContext({
      viewport: { width: 390, height: 844 },
      hasTouch: true,
    });
    const p = await pTab.newPage();
    await p.goto(`http://127.0.0.1:${ta.port}/`);
    await p.getByTestId('mode-pick').locator('.chip', { hasText: 'Online' }).tap();
    await p.getByLabel('Name').fill('Pia Phone');
    await p.getByLabel('Your meeting link (optional)').fill('https://zoom.example/j/pia');
    await shot(p, 'online-phone-join');
    await p.getByRole('button', { name: 'Get in line' }).tap();
    await p.getByTestId('phone-position').waitFor({ timeout: 10_000 });

    // The TA sees who is online at a glance, and calls Ann.
    const line = t.getByTestId('staff-queue');
    await line.getByText('Pia Phone').waitFor({ timeout: 10_000 });
    const row = (n: string) => t.locator('li.entry', { hasText: n });
    assert.equal(await row('Ann Online').locator('.mode-badge.online').count(), 1);
    assert.equal(await row('Ben InRoom').locator('.mode-badge').count(), 0);
    assert.equal(
      await row('Pia Phone').getByTestId('open-meeting').getAttribute('href'),
      'https://zoom.example/j/pia',
    );
    await row('Ann Online').getByRole('button', { name: 'Call Ann Online' }).click();
    await row('Ann Online').getByTestId('open-meeting').waitFor();
    assert.equal(await row('Ann Online').getByTestId('open-meeting').getAttribute('href'), LINK);
    await shot(t, 'online-staff');
    await t.emulateMedia({ colorScheme: 'dark' });
    await shot(t, 'online-staff-dark');

    const join = a.getByTestId('join-meeting').first();
    await join.waitFor({ timeout: 10_000 });
    assert.equal(await join.getAttribute('href'), LINK);
    assert.match((await join.textContent()) ?? '', /Join Prof\. Kim's meeting/);
    await a.getByText("You're being called by Prof. Kim — join the meeting now!").waitFor();
    await shot(a, 'online-called');
    // Ben sees neither link.
    assert.equal(await b.getByText(LINK).count(), 0);
    assert.equal(await b.getByText('zoom.example').count(), 0);
    const q = await ben.call<{ entries: { name: string; meeting: string | null }[] }>('queue.get');
    assert.ok(
      q.entries.every((e) => e.meeting === null),
      'no meeting link reaches another student',
    );

    // A note for the next TA on Ben's ticket: the TA's row shows it, Ben never sees it; a
    // quick reply fills a message to Ben.
    await row('Ben InRoom').getByRole('button', { name: 'Staff note on Ben InRoom' }).click();
    await t.getByLabel('Staff note on Ben InRoom').fill('tried gdb already; see line 40');
    await t.getByRole('button', { name: 'Save note' }).click();
    await row('Ben InRoom').getByTestId('staff-note').filter({ hasText: 'see line 40' }).waitFor();
    await row('Ben InRoom').getByRole('button', { name: 'Message Ben InRoom' }).click();
    await t
      .getByTestId('message-form')
      .getByRole('button', { name: /error message/ })
      .click();
    assert.match(
      await t.getByLabel('Message to Ben InRoom').inputValue(),
      /add your error message/,
    );
    await t.emulateMedia({ colorScheme: 'light' });
    await shot(t, 'staff-note');
    await t.getByTestId('message-form').getByRole('button', { name: 'Send' }).click();
    await b
      .getByTestId('message')
      .filter({ hasText: 'add your error message' })
      .waitFor({ timeout: 10_000 });
    assert.equal(
      await b.getByText('see line 40').count(),
      0,
      'the student never sees the staff note',
    );
    const bq = await ben.call<{ entries: { staffNote: unknown }[] }>('queue.get');
    assert.ok(
      bq.entries.every((e) => e.staffNote === null),
      'nor does its API',
    );

    // The phone student is called too: its button opens the TA's link.
    await row('Pia Phone').getByRole('button', { name: 'Call Pia Phone' }).click();
    await p.getByTestId('join-meeting').waitFor({ timeout: 10_000 });
    assert.equal(await p.getByTestId('join-meeting').getAttribute('href'), LINK);
    await p.emulateMedia({ colorScheme: 'dark' });
    await shot(p, 'online-phone-called-dark');
    await Promise.all([tab.close(), aTab.close(), bTab.close(), pTab.close()]);
  });
});
