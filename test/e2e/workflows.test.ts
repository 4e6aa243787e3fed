import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page, chromium } from 'playwright';
import { CHROMIUM, UiPeer, e2eSkip, shot, tempDir } from './peers';

/**
 * The queue workflows in Debian's Chromium over real headless peers: tags and two queues,
 * a grouped staff view, a student stepping away, Help group, "can't find you" and "I'm
 * here", undo from the undo bar and the history row, a private note, editing an entry, and the last TA's prompt.
 * Screenshots go to test/e2e/screenshots/.
 */

const skip = e2eSkip;

interface Entry {
  entryId: string;
  name: string;
  status: string;
  position: number;
  queueId: string;
  awaySince: number | null;
}
interface Queue {
  entries: Entry[];
  queues: { queueId: string; name: string }[];
}

describe('the queue workflows on real peers', { skip }, () => {
  let browser: Browser;
  const dir = tempDir();
  const peers: UiPeer[] = [];
  const names = ['ta', 'ana', 'ben', 'cal', 'dan', 'eve'] as const;
  const peer: Record<(typeof names)[number], UiPeer> = {} as never;
  const page: Record<string, Page> = {};
  let sessionId = '';

  const queueOf = async (p: UiPeer) => (await p.call('queue.get')) as Queue;
  /** A bystander's laptop gets a change with the host's next fan-out batch (≤ 250 ms). */
  const eventually = async <T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> => {
    for (let i = 0; ; i++) {
      const v = await read();
      if (ok(v) || i >= 40) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  before(async () => {
    const label: Record<string, string> = {
      ta: "Prof. Kim's laptop",
      ana: "Ana's laptop",
      ben: "Ben's laptop",
      cal: "Cal's laptop",
      dan: "Dan's laptop",
      eve: "Eve's laptop",
    };
    for (const n of names) {
      peer[n] = new UiPeer(label[n]!, path.join(dir, n), ['--stability-ms', '600000']);
      peers.push(peer[n]);
    }
    // The TA's laptop starts first: the earliest member id hosts.
    await peer.ta.start();
    await Promise.all(names.slice(1).map((n) => peer[n].start()));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      chromiumSandbox: false,
    });
    await peer.ta.call('profile.setName', { name: 'Prof. Kim' });
    ({ sessionId } = (await peer.ta.call('session.create', {
      name: 'CS 101 office hours',
      staffPasscode: 'lab-42-please',
    })) as { sessionId: string });
    for (const n of names.slice(1)) {
      for (let i = 0; i < 100; i++) {
        const list = (await peer[n].call('sessions.list')) as { sessionId: string }[];
        if (list.some((s) => s.sessionId === sessionId)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      await peer[n].call('session.join', { sessionId });
      await peer[n].call('profile.setName', { name: label[n]!.replace("'s laptop", '') });
    }
    const open = async (n: string, o: { phone?: boolean } = {}): Promise<Page> => {
      const ctx = await browser.newContext({
        viewport: o.phone ? { width: 390, height: 844 } : { width: 1280, height: 860 },
        colorScheme: 'light',
      });
      const pg = await ctx.newPage();
      pg.on('pageerror', (e) => console.error(`[${n}] page error: ${e.message}`));
      await pg.goto(peer[n as 'ta'].url);
      return pg;
    };
    page.ta = await open('ta');
    page.ana = await open('ana');
    page.ben = await open('ben');
    page.eve = await open('eve');
  });

  after(async () => {
    await browser?.close();
    await Promise.all(peers.map((p) => p.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('staff define topic tags and a second queue; a student picks a queue and a tag', async () => {
    const ta = page.ta!;
    await ta.getByRole('tab', { name: 'Staff' }).click();
    const queues = ta.getByTestId('queues-card');
    await queues.getByRole('button', { name: 'Edit General' }).click();
    await queues.getByLabel('Topic tags, separated by commas').fill('Lab 3, Project 1, Conceptual');
    await queues.getByRole('button', { name: 'Save' }).click();
    await queues.locator('.badge.tag', { hasText: 'Conceptual' }).waitFor();
    await queues.getByLabel('New queue name').fill('Check-offs');
    await queues.getByRole('button', { name: 'Add queue' }).click();
    await ta.getByTestId('serving').waitFor();

    const ana = page.ana!;
    await ana.getByText('Which queue?').waitFor();
    await ana.locator('.queue-option', { hasText: 'General' }).click();
    await ana.getByLabel('Name').fill('Ana Souza');
    await ana.locator('.chip', { hasText: 'Lab 3' }).click();
    await ana.getByLabel('What do you need help with?').fill('Base case of my recursion');
    await ana.getByLabel('Where are you sitting?').fill('Row 2, seat 5');
    await ana.getByTestId('on-duty').filter({ hasText: '1 TA helping' }).waitFor();
    await shot(ana, 'student-join-queues');
    await ana.getByRole('button', { name: 'Join the queue' }).click();
    await ana.getByTestId('my-position').waitFor();
    assert.equal(await ana.getByTestId('my-position').textContent(), '#1');

    const q = await queueOf(peer.ta);
    const [general, checkoffs] = q.queues;
    assert.deepEqual(
      q.queues.map((x) => x.name),
      ['General', 'Check-offs'],
    );
    await peer.ben.call('queue.join', {
      name: 'Ben Okafor',
      topic: 'Same bug as Ana',
      location: 'Row 2',
      queueId: general!.queueId,
      tag: 'Lab 3',
    });
    await peer.cal.call('queue.join', {
      name: 'Cal Reyes',
      topic: 'Merge sort proof',
      location: 'Window',
      queueId: general!.queueId,
      tag: 'Conceptual',
    });
    // The same screen on a phone-sized window.
    const phoneCtx = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    const phone = await phoneCtx.newPage();
    await phone.goto(peer.eve.url);
    await phone.getByText('Which queue?').waitFor();
    await phone.locator('.queue-option', { hasText: 'General' }).click();
    await phone.locator('.chip', { hasText: 'Conceptual' }).waitFor();
    await shot(phone, 'student-join-phone');
    await phoneCtx.close();
    await peer.dan.call('queue.join', {
      name: 'Dan Li',
      topic: 'Lab 2 demo',
      location: 'Back table',
      queueId: checkoffs!.queueId,
    });
  });

  it('the staff view keeps the line in order, tags as badges, and marks whom Help next calls', async () => {
    const ta = page.ta!;
    const cards = ta.getByTestId('staff-queue-card');
    await cards.filter({ hasText: 'Dan Li' }).waitFor();
    // Eve joins last with another tag: grouping by tag (before) showed her above Cal, who
    // came before her; the line is one list in its order now.
    const q = await queueOf(peer.ta);
    const { entryId } = await peer.eve.call<{ entryId: string }>('queue.join', {
      name: 'Eve Park',
      topic: 'Project proposal',
      location: 'Door',
      queueId: q.queues[0]!.queueId,
      tag: 'Project 1',
    });
    const general = cards.filter({ hasText: 'Ana' }).first();
    await general.getByText('Eve Park').waitFor();
    const line = general.getByTestId('staff-queue').last();
    assert.deepEqual(
      (await line.locator('li.entry .entry-name').allTextContents()).map((t) =>
        t.split(/Next|Lab|Conc|Proj/)[0]!.trim(),
      ),
      ['Ana Souza', 'Ben Okafor', 'Cal Reyes', 'Eve Park'],
      'the line in its order',
    );
    assert.deepEqual(await line.locator('li.entry .entry-pos').allTextContents(), [
      '1st',
      '2nd',
      '3rd',
      '4th',
    ]);
    // Help next's student is marked; each tag is a Help group button with its count.
    await line
      .locator('li.entry.next', { hasText: 'Ana Souza' })
      .locator('.next-badge', { hasText: 'Next' })
      .waitFor();
    assert.equal(await line.locator('li.entry.next').count(), 1);
    const bar = general.getByTestId('group-bar');
    assert.equal(
      await bar.getByRole('button', { name: 'Help group Lab 3' }).textContent(),
      'Lab 3 2',
    );
    await ta.evaluate('window.scrollTo(0, 0)');
    await shot(ta, 'staff-line-in-order');
    await ta.emulateMedia({ colorScheme: 'dark' });
    await shot(ta, 'staff-line-in-order-dark');
    await ta.emulateMedia({ colorScheme: 'light' });
    await ta.setViewportSize({ width: 420, height: 900 });
    // The top bar takes two rows at phone width, not three (#26).
    // Rows: the children's vertical centres, grouped (one row's items differ in height).
    const rows = await ta.evaluate(
      `[...document.querySelectorAll('.topbar > .logo, .topbar > .session-name, .topbar > .tabs, .topbar button:not(.tab)')].map((el) => { const r = el.getBoundingClientRect(); return (r.top + r.bottom) / 2; }).sort((a, b) => a - b).filter((c, i, all) => i === 0 || c - all[i - 1] > 14).length`,
    );
    assert.ok((rows as number) <= 2, `the top bar takes ${String(rows)} rows at 420 px`);
    await general.scrollIntoViewIfNeeded();
    await shot(ta, 'staff-line-in-order-narrow');
    await ta.setViewportSize({ width: 1280, height: 860 });
    await peer.eve.call('queue.withdraw', { entryId });
    await general.getByText('Eve Park').waitFor({ state: 'detached' });
  });

  it('a student steps away: greyed for staff, skipped by Help group, and back again', async () => {
    const ben = page.ben!;
    await ben.getByRole('button', { name: 'Step away' }).click();
    await ben.getByText("You're away · place kept").waitFor();
    await shot(ben, 'student-away');
    const ta = page.ta!;
    const benRow = ta.locator('li.entry.away', { hasText: 'Ben Okafor' });
    await benRow.waitFor();
    // Away is a badge, not a faded row (whose Call button looked disabled but worked).
    await benRow.locator('.away-badge', { hasText: 'Away' }).waitFor();
    type Styles = { getComputedStyle(e: unknown): { opacity: string } };
    const opacity = await benRow.evaluate(
      (el) => (globalThis as unknown as Styles).getComputedStyle(el).opacity,
    );
    assert.equal(opacity, '1', 'the away row is not faded');
    await benRow.scrollIntoViewIfNeeded();
    await shot(ta, 'staff-away');
    await ta.getByRole('button', { name: 'Help group Lab 3' }).click();
    // Ana is called (Ben is away); the called alert insists until she acknowledges it.
    const ana = page.ana!;
    await ana.getByRole('alertdialog').waitFor();
    // The call takes focus: a screen reader reads it out at once.
    assert.equal(await ana.evaluate('document.activeElement?.textContent?.trim()'), 'On my way');
    await ana.getByTestId('my-entry').getByText('is calling you').waitFor();
    await shot(ana, 'student-called-alert');
    await ana.getByRole('button', { name: 'On my way' }).click();
    await ana.getByRole('alertdialog').waitFor({ state: 'detached' });
    const q = await queueOf(peer.ta);
    assert.equal(q.entries.find((e) => e.name === 'Ben Okafor')?.status, 'waiting');
    await ben.getByRole('button', { name: "I'm back" }).click();
    await ben.getByText('Your place in line').waitFor();
  });

  it('"can\'t find you": the student is alerted with a countdown, taps I\'m here, and is first again', async () => {
    const ta = page.ta!;
    await ta.getByRole('button', { name: "Can't find Ana Souza" }).click();
    await ta.getByTestId('undo-offer').filter({ hasText: 'Ana Souza marked not found' }).waitFor();
    const ana = page.ana!;
    await ana.getByText("The TA couldn't find you").first().waitFor();
    await ana.getByTestId('grace').waitFor();
    await ana.getByTestId('toast-called').filter({ hasText: "Tap I'm here" }).waitFor();
    // The countdown starts at the grace period (5 min), not above it: it counts from the
    // render, not from the page's last one-second tick.
    const left = /\((\d+):(\d\d) left\)/.exec((await ana.getByTestId('grace').textContent()) ?? '');
    assert.ok(left, 'a countdown is shown');
    assert.ok(Number(left[1]) * 60 + Number(left[2]) <= 300, `at most 5:00 left (${left[0]})`);
    // Screen readers hear the change once, not the countdown every second: the card is no
    // live region; one status line says what changed, and stays still while the clock runs.
    assert.equal(await ana.getByTestId('my-entry').getAttribute('aria-live'), null);
    const said = ana.getByTestId('my-announcement');
    assert.equal(
      await said.textContent(),
      "The TA couldn't find you. Tap I'm here to keep your place.",
    );
    // In the page: watch the announcement for 2.5 s while the countdown ticks.
    const quiet = await ana.evaluate(`(async () => {
      const el = document.querySelector('[data-testid="my-announcement"]');
      const grace = document.querySelector('[data-testid="grace"]');
      const before = grace.textContent;
      let changes = 0;
      const o = new MutationObserver((m) => (changes += m.length));
      o.observe(el, { subtree: true, childList: true, characterData: true });
      await new Promise((r) => setTimeout(r, 2500));
      o.disconnect();
      return { changes, ticked: grace.textContent !== before };
    })()`);
    assert.deepEqual(
      quiet,
      { changes: 0, ticked: true },
      'the countdown ran; the announcement did not',
    );
    await shot(ana, 'student-cant-find');
    await ta.locator('li.entry.missing', { hasText: 'Ana Souza' }).waitFor();
    await ana.getByRole('button', { name: "I'm here" }).first().click();
    await ana.getByTestId('my-position').filter({ hasText: '#1' }).waitFor();
    assert.equal(await said.textContent(), "You're next in line.");
    // The TA's undo bar no longer offers to undo "not found": the student came back.
    await ta
      .getByTestId('undo-offer')
      .filter({ hasText: 'Ana Souza marked not found' })
      .waitFor({ state: 'detached' });
    await ta.locator('.badge.flag', { hasText: 'Back after "not found"' }).waitFor();
  });

  it('Remove is undone from the undo bar and from the history row; a note reaches only its student; a student edits their entry', async () => {
    const ta = page.ta!;
    const calBack = async (why: string) => {
      await ta.getByTestId('staff-queue-card').getByText('Cal Reyes').waitFor();
      const cal = await eventually(
        async () => (await queueOf(peer.cal)).entries.find((e) => e.name === 'Cal Reyes'),
        (e) => e?.status === 'waiting',
      );
      assert.equal(cal?.status, 'waiting', why);
    };
    await ta.getByRole('button', { name: 'Remove Cal Reyes' }).click();
    // One bar at the top of the queue column, not a toast in the corner over the side cards.
    const offer = ta.getByTestId('undo-offer').filter({ hasText: 'Cal Reyes removed' });
    await offer.waitFor();
    assert.equal(
      await ta.locator('.toasts').getByText('Cal Reyes removed').count(),
      0,
      'no undo toast',
    );
    const bar = (await ta.getByTestId('undo-bar').boundingBox())!;
    for (const side of await ta.locator('.staff-side .card').all()) {
      const b = await side.boundingBox();
      if (!b) continue;
      const overlaps =
        bar.x < b.x + b.width &&
        b.x < bar.x + bar.width &&
        bar.y < b.y + b.height &&
        b.y < bar.y + bar.height;
      assert.ok(!overlaps, 'the undo bar covers no side card');
    }
    // What toasts remain (a join, a host change) let clicks through to what they cover, and
    // at most two show at once.
    const through = await ta.evaluate(`(() => {
      const t = document.querySelector('.toasts');
      return t ? getComputedStyle(t).pointerEvents : 'none';
    })()`);
    assert.equal(through, 'none', 'a toast takes no click meant for the panel under it');
    await shot(ta, 'staff-undo-bar');
    await offer.getByRole('button', { name: 'Undo: Cal Reyes removed' }).click();
    await calBack('back in line after Undo in the bar');
    await offer.waitFor({ state: 'detached' });

    // Undo from the history row, too.
    await ta.getByRole('button', { name: 'Remove Cal Reyes' }).click();
    await ta.getByRole('button', { name: 'Undo removed: Cal Reyes' }).click();
    await calBack('back in line after Undo in the history row');
    // The bar's offer went with it: nothing left to undo.
    await offer.waitFor({ state: 'detached' });

    await ta.getByRole('button', { name: 'Message Ana Souza' }).click();
    await ta.getByLabel('Message to Ana Souza').fill("I'm at the whiteboard by the door");
    await ta.getByRole('button', { name: 'Send' }).click();
    const ana = page.ana!;
    await ana.getByTestId('message').filter({ hasText: 'whiteboard by the door' }).waitFor();
    assert.equal(await page.ben!.getByText('whiteboard by the door').count(), 0, 'not on Ben');

    await ana.getByRole('button', { name: 'Edit' }).click();
    await ana.getByTestId('edit-entry').waitFor();
    await ana.getByLabel('Where are you sitting?').fill('Row 3, by the door');
    await ana.getByRole('button', { name: 'Save' }).click();
    await ana.getByTestId('my-entry').getByText('Row 3, by the door').waitFor();
    await shot(ana, 'student-message');
  });

  it('a finished student is restored from history to the old place', async () => {
    const ta = page.ta!;
    await peer.ta.call('staff.remove', {
      entryId: (await queueOf(peer.ta)).entries.find((e) => e.name === 'Dan Li')!.entryId,
    });
    await ta.getByRole('button', { name: 'All history' }).click();
    await ta.getByTestId('finished').getByText('Dan Li').waitFor();
    await ta.getByRole('button', { name: 'Restore Dan Li' }).click();
    await ta.getByTestId('staff-queue-card').filter({ hasText: 'Dan Li' }).waitFor();
    const dan = await eventually(
      async () => (await queueOf(peer.dan)).entries.find((e) => e.name === 'Dan Li'),
      (e) => e?.position === 1,
    );
    assert.equal(dan?.position, 1);
  });

  it('the last TA on duty is asked before logging out of an open queue', async () => {
    const ta = page.ta!;
    await ta.getByRole('button', { name: 'Log out of staff' }).click();
    await ta.getByRole('dialog').getByText('You are the last TA. Close the queue?').waitFor();
    await shot(ta, 'last-ta-prompt');
    await ta.getByRole('button', { name: 'Cancel' }).click();
    await ta.getByRole('dialog').waitFor({ state: 'detached' });
    // A second TA on duty: no prompt for the first one.
    await peer.eve.call('staff.login', { passcode: 'lab-42-please' });
    await page.eve!.getByRole('tab', { name: 'Staff' }).waitFor();
    await ta.getByText('2 TAs on duty').waitFor();
    await ta.getByRole('button', { name: 'Log out of staff' }).click();
    await ta.getByRole('heading', { name: 'Staff login' }).waitFor();
    assert.equal(await ta.getByRole('dialog').count(), 0);
  });

  it('a student in line who presses Leave is asked first: staying keeps the session, leaving can keep the place', async () => {
    const ben = page.ben!;
    if (!((await peer.ben.call('queue.get')) as { myEntryId: string | null }).myEntryId)
      await peer.ben.call('queue.join', { name: 'Ben Ode', topic: 'pointers', location: 'Row 4' });
    await ben.getByTestId('my-position').waitFor();
    // A student sees one line only: no "2nd in line to host" beside "#2 in line".
    assert.equal(await ben.getByTestId('my-place').count(), 0);
    assert.doesNotMatch(
      (await ben.locator('.statusbar').textContent()) ?? '',
      /in line to host|host next/,
    );
    assert.equal(await page.eve!.getByTestId('my-place').count(), 1, 'staff still see it');
    await ben.getByRole('button', { name: 'Leave', exact: true }).click();
    const dialog = ben.getByTestId('leave-in-line');
    await dialog.getByText(/You are #\d+ in line\. Leave the session\?/).waitFor();
    await shot(ben, 'leave-in-line');
    await ben.emulateMedia({ colorScheme: 'dark' });
    await shot(ben, 'leave-in-line-dark');
    await ben.emulateMedia({ colorScheme: 'light' });
    await dialog.getByRole('button', { name: 'Stay in the session' }).click();
    await dialog.waitFor({ state: 'detached' });
    await ben.getByTestId('my-position').waitFor();
    // Leaving and keeping the place: the entry stays in the line for the TA.
    await ben.getByRole('button', { name: 'Leave', exact: true }).click();
    await dialog.getByRole('button', { name: 'Leave, keep my place' }).click();
    await ben.getByRole('heading', { name: 'Office hours' }).waitFor();
    const q = await queueOf(peer.ta);
    assert.ok(
      q.entries.some((e) => e.name === 'Ben Ode' || e.name.startsWith('Ben')),
      'kept',
    );
  });

  it('keyboard: N calls the next student and the keys stay on Help next; ? lists the shortcuts', async () => {
    for (const who of [peer.cal, peer.dan]) {
      const mine = ((await who.call('queue.get')) as { myEntryId: string | null }).myEntryId;
      if (!mine) await who.call('queue.join', { name: 'Kit', topic: 'keys', location: 'Row 1' });
    }
    const eve = page.eve!;
    await eve.getByRole('tab', { name: 'Staff' }).click();
    const marked = eve.locator('li.entry.next');
    await marked.waitFor();
    const called = await eve.locator('li.entry.called').count();
    // Typing in a field is typing, not a shortcut.
    await eve.getByPlaceholder('Shown at the top of every screen').fill('n');
    assert.equal(await eve.locator('li.entry.called').count(), called);
    await eve.evaluate('document.activeElement && document.activeElement.blur()');
    const who = (await marked.locator('.entry-name').textContent())!.split('Next')[0]!.trim();
    await eve.keyboard.press('n');
    await eve.locator('li.entry.called', { hasText: who }).waitFor();
    // Help next was disabled while it ran: the keys come back to it, not to the page body.
    const focused = await eventually(
      () => eve.evaluate('document.activeElement?.dataset?.testid ?? null'),
      (id) => id === 'help-next',
    );
    assert.equal(focused, 'help-next');
    await eve.keyboard.press('?');
    const sheet = eve.getByTestId('shortcuts');
    await sheet.getByText('Help next: call the student marked').waitFor();
    await shot(eve, 'staff-shortcuts');
    await eve.keyboard.press('Escape');
    await sheet.waitFor({ state: 'detached' });
  });

  it('fairness: the TA sets a cooldown and "not yet helped first"; a student helped a moment ago is told when to come back, and one who comes back waits behind the others', async () => {
    // Eve is the TA on duty now (the keyboard test); Prof. Kim logged out before.
    const ta = page.eve!;
    await ta.getByRole('tab', { name: 'Staff' }).click();
    await ta.getByRole('button', { name: 'Edit General' }).click();
    await ta
      .getByLabel('After being helped, a student may join again after (min, 0: at once)')
      .fill('10');
    await ta.getByLabel('Order of the line').selectOption('fresh');
    await ta.getByTestId('queues-card').getByRole('button', { name: 'Save' }).click();
    await ta
      .getByTestId('queue-rules')
      .filter({ hasText: '10 min between visits · not yet helped first' })
      .waitFor();
    const general = (await queueOf(peer.ta)).queues.find((x) => x.name === 'General')!.queueId;
    // Ana is helped in General (her entry there, Done).
    let ana = ((await peer.ana.call('queue.get')) as { myEntryId: string | null }).myEntryId;
    if (ana) await peer.ana.call('queue.withdraw', { entryId: ana });
    ana = (
      (await peer.ana.call('queue.join', {
        name: 'Ana Souza',
        topic: 'graphs',
        location: 'Row 2',
        queueId: general,
      })) as { entryId: string }
    ).entryId;
    await peer.eve.call('staff.help', { entryId: ana });
    await peer.eve.call('staff.done', { entryId: ana });
    // She tries to join General again at once: told, in words, when she can.
    const b = page.ana!;
    await b.getByRole('tab', { name: 'Queue' }).click();
    await b.locator('.queue-pick .queue-option', { hasText: 'General' }).click();
    await b.getByLabel('What do you need help with?').fill('one more question');
    await b.getByRole('button', { name: 'Join the queue' }).click();
    await b.getByText(/you can join it again in 10 minutes/).waitFor();
    await shot(b, 'fairness-cooldown');
    // Staff turn the cooldown off; she joins, and waits behind everyone not yet helped.
    await peer.eve.call('staff.setQueueRules', {
      queueId: general,
      cooldownMin: 0,
      order: 'fresh',
    });
    await b.getByRole('button', { name: 'Join the queue' }).click();
    await b.getByTestId('fresh-first-note').waitFor();
    // Dan joins after her, and goes ahead of her: he was not helped today.
    const dan = ((await peer.dan.call('queue.get')) as { myEntryId: string | null }).myEntryId;
    if (dan) await peer.dan.call('queue.withdraw', { entryId: dan });
    await peer.dan.call('queue.join', {
      name: 'Dan Lee',
      topic: 'late question',
      location: 'Row 5',
      queueId: general,
    });
    await eventually(
      async () => (await queueOf(peer.eve)).entries.some((e) => e.name === 'Dan Lee'),
      (x) => x,
    );
    const line = (await queueOf(peer.eve)).entries.filter(
      (e) => e.status === 'waiting' && e.queueId === general,
    );
    assert.ok(line.length >= 2, 'others wait in General');
    // Her new entry (named from her profile, "Ana") is last, behind Dan who joined after.
    const last = line.sort((x, y) => x.position - y.position).at(-1)!;
    assert.equal(last.name, 'Ana');
    await ta
      .locator('li.entry', { has: ta.getByTestId('repeat') })
      .filter({ hasText: 'Ana' })
      .waitFor();
    await ta.locator('li.entry', { has: ta.getByTestId('repeat') }).scrollIntoViewIfNeeded();
    await ta.getByTestId('queue-rules').scrollIntoViewIfNeeded();
    await shot(ta, 'fairness-staff');
  });

  it('closing on time: the TA sets when sign-ups end and when the queue closes; every student sees the countdown', async () => {
    const ta = page.eve!;
    const card = ta.getByTestId('closing-card');
    // Times a few minutes ahead on this clock, as a TA types them (HH:MM).
    const hhmm = (ms: number) =>
      ta.evaluate(`(() => {
        const d = new Date(Date.now() + ${ms});
        return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
      })()`) as Promise<string>;
    await card.getByLabel('Sign-ups end at').fill(await hhmm(3 * 60_000));
    await card.getByLabel('The queue closes at').fill(await hhmm(8 * 60_000));
    await card.getByLabel('Students still waiting then').selectOption('remove');
    await card.getByRole('button', { name: 'Save' }).click();
    const a = page.ana!;
    const banner = a.getByTestId('closing-banner');
    await banner.filter({ hasText: /Sign-ups close at \d\d:\d\d \(in [23] min\)/ }).waitFor();
    assert.match(
      (await banner.textContent()) ?? '',
      /office hours end at \d\d:\d\d \(in [78] min\)/,
    );
    await shot(a, 'closing-student');
    await a.emulateMedia({ colorScheme: 'dark' });
    await shot(a, 'closing-student-dark');
    await a.emulateMedia({ colorScheme: 'light' });
    await ta.getByTestId('closing-banner').waitFor();
    await card.scrollIntoViewIfNeeded();
    await shot(ta, 'closing-staff');
    // Cleared: the banner goes from every screen.
    await card.getByRole('button', { name: 'Clear' }).click();
    await banner.waitFor({ state: 'detached' });
  });

  it('feedback after a visit: the helped student is asked once, may say no, and staff see the answer (with the name only when given)', async () => {
    const a = page.ana!;
    const mine = ((await peer.ana.call('queue.get')) as { myEntryId: string | null }).myEntryId!;
    await peer.eve.call('staff.help', { entryId: mine });
    await peer.eve.call('staff.done', { entryId: mine });
    const ask = a.getByTestId('feedback-ask');
    await ask.waitFor();
    await ask.locator('.chip', { hasText: 'Partly' }).click();
    await ask.getByLabel('Anything to add? (optional)').fill('ran out of time on part 2');
    await ask.getByLabel('Show my name to staff with it').check();
    await shot(a, 'feedback-ask');
    await ask.getByRole('button', { name: 'Send' }).click();
    await ask.waitFor({ state: 'detached' });
    const ta = page.eve!;
    const summary = ta.getByTestId('feedback-summary');
    await summary.getByText('ran out of time on part 2').waitFor();
    assert.match((await summary.textContent()) ?? '', /0 resolved · 1 partly · 0 not resolved/);
    assert.match((await summary.textContent()) ?? '', /— Ana/);
    await summary.scrollIntoViewIfNeeded();
    await shot(ta, 'feedback-staff');
    // Asked once: a second visit that the student skips is not asked again.
    const again = (
      (await peer.ana.call('queue.join', { name: 'Ana', topic: 'again', location: 'Row 2' })) as {
        entryId: string;
      }
    ).entryId;
    await peer.eve.call('staff.help', { entryId: again });
    await peer.eve.call('staff.done', { entryId: again });
    await ask.waitFor();
    await ask.getByRole('button', { name: 'No thanks' }).click();
    await ask.waitFor({ state: 'detached' });
    await a.reload();
    await a.getByTestId('on-duty').waitFor();
    assert.equal(await ask.count(), 0, 'not asked again after No thanks');
  });

  it('across sessions: the TA opens the history — busy hours, waits, helped per TA, the sessions — and exports it', async () => {
    const ta = page.eve!;
    await ta.getByRole('tab', { name: 'Staff' }).click();
    await ta.getByRole('button', { name: 'History across sessions…' }).click();
    const panel = ta.getByTestId('history-panel');
    await panel.getByTestId('heat-map').waitFor();
    await panel.getByTestId('wait-chart').waitFor();
    await panel.getByTestId('ta-chart').waitFor();
    await panel.locator('.history-sessions').getByText('CS 101 office hours').waitFor();
    // The charts say what they show, for screen readers.
    assert.match(
      (await panel.getByTestId('ta-chart').getAttribute('aria-label')) ?? '',
      /Eve: \d+/,
    );
    await shot(ta, 'history');
    await ta.emulateMedia({ colorScheme: 'dark' });
    await panel.getByTestId('heat-map').waitFor();
    await shot(ta, 'history-dark');
    await ta.emulateMedia({ colorScheme: 'light' });
    const csv = ((await peer.eve.call('stats.exportHistory')) as { csv: string }).csv;
    assert.match(csv, /^session,session_name,joined_at,wait_min,help_min,ta\n/);
    assert.match(csv, /CS 101 office hours/);
    assert.ok(!csv.includes('Ana Souza'), 'no student names in the history');
    await ta.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
  });
});
