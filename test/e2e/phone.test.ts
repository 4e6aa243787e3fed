import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page, chromium, devices } from 'playwright';
import jsQR from 'jsqr';
import { CHROMIUM, UiPeer, e2eSkip, shot, tempDir } from './peers';

/**
 * A phone in the room, in Debian's Chromium with a phone viewport and touch: it loads the
 * page from one laptop, joins, and keeps its place while that laptop is killed, the host
 * leaves, and the page reloads; then staff turn phone joining off.
 */

const skip = e2eSkip;

describe('a phone on real peers', { skip }, () => {
  let browser: Browser;
  const dir = tempDir();
  let ta: UiPeer, ana: UiPeer, ben: UiPeer;
  let phone: Page;
  const entries = async (p: UiPeer) =>
    ((await p.call('queue.get')) as { entries: { name: string; status: string }[] }).entries;

  before(async () => {
    ta = new UiPeer("Prof. Kim's laptop", path.join(dir, 'ta'), ['--stability-ms', '600000']);
    ana = new UiPeer("Ana's laptop", path.join(dir, 'ana'), ['--stability-ms', '600000']);
    ben = new UiPeer("Ben's laptop", path.join(dir, 'ben'), ['--stability-ms', '600000']);
    await ta.start();
    await Promise.all([ana.start(), ben.start()]);
    const { sessionId } = (await ta.call('session.create', {
      name: 'CS 101 office hours',
      staffPasscode: 'lab-42-please',
    })) as { sessionId: string };
    for (const p of [ana, ben]) {
      for (let i = 0; i < 100; i++) {
        const l = (await p.call('sessions.list')) as { sessionId: string }[];
        if (l.some((s) => s.sessionId === sessionId)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      await p.call('session.join', { sessionId });
    }
    await ta.call('staff.setAnnouncement', { text: 'Whiteboard table, room 204' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      chromiumSandbox: false,
    });
    const ctx = await browser.newContext({ ...devices['Pixel 7'], colorScheme: 'light' });
    phone = await ctx.newPage();
    phone.on('pageerror', (e) => console.error(`phone page error: ${e.message}`));
  });

  after(async () => {
    await browser?.close();
    await Promise.all([ta, ana, ben].map((p) => p.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("the staff view's Phones card shows a QR code that decodes to the phone URL", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const staff = await ctx.newPage();
    await staff.goto(ta.url);
    const card = staff.getByTestId('phones-card');
    await card.getByTestId('qr').waitFor();
    const { phoneUrl } = (await ta.call('session.shareLinks')) as { phoneUrl: string };
    await card.getByText(phoneUrl).waitFor();
    // Decode the QR code as a phone camera would: from the pixels on screen.
    // Runs in the page; this file is type-checked without DOM types, hence the shapes.
    type Ctx2d = {
      fillStyle: string;
      fillRect(x: number, y: number, w: number, h: number): void;
      drawImage(i: unknown, x: number, y: number, w: number, h: number): void;
      getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
    };
    type Doc = {
      createElement(t: 'canvas'): { width: number; height: number; getContext(k: '2d'): Ctx2d };
    };
    const pixels = await card.getByTestId('qr').evaluate(async (img) => {
      await (img as unknown as { decode(): Promise<void> }).decode();
      const c = (globalThis as unknown as { document: Doc }).document.createElement('canvas');
      c.width = c.height = 400;
      const g = c.getContext('2d');
      g.fillStyle = '#fff';
      g.fillRect(0, 0, 400, 400);
      g.drawImage(img, 0, 0, 400, 400);
      return Array.from(g.getImageData(0, 0, 400, 400).data);
    });
    const code = jsQR(Uint8ClampedArray.from(pixels), 400, 400);
    assert.equal(code?.data, phoneUrl, 'the QR code encodes the phone URL');
    await card.scrollIntoViewIfNeeded();
    await shot(staff, 'staff-phones');
    await card.getByRole('button', { name: 'Big screen' }).click();
    await staff.getByTestId('big-screen').waitFor();
    await shot(staff, 'big-screen');
    // A projector at 1024×600, a phone-width window, a landscape phone: no text cut off —
    // each piece inside the window and beside (not under) the close button, none wider than
    // its box; what does not fit scrolls.
    for (const [width, height] of [
      [1024, 600],
      [390, 844],
      [844, 390],
    ] as const) {
      await staff.setViewportSize({ width, height });
      const clipped = await staff.getByTestId('big-screen').evaluate((screen) => {
        type Box = { left: number; right: number; top: number; bottom: number };
        type El = {
          getBoundingClientRect(): Box;
          scrollWidth: number;
          clientWidth: number;
          scrollHeight: number;
          clientHeight: number;
          className: string;
          tagName: string;
          querySelector(s: string): El | null;
          querySelectorAll(s: string): ArrayLike<El>;
        };
        const root = screen as unknown as El;
        const g = globalThis as unknown as {
          innerWidth: number;
          getComputedStyle(e: unknown): { overflowY: string };
          document: {
            createRange(): { selectNodeContents(e: El): void; getClientRects(): ArrayLike<Box> };
          };
        };
        const w = g.innerWidth;
        const close = root.querySelector('.big-close')!.getBoundingClientRect();
        const out: string[] = [];
        for (const el of Array.from(root.querySelectorAll('h1, .big-qr, .big-side p'))) {
          const r = el.getBoundingClientRect();
          const name = el.className || el.tagName;
          if (r.left < 0 || r.right > w + 0.5)
            out.push(`${name} spans ${r.left}–${r.right} of ${w}`);
          if (el.scrollWidth > el.clientWidth + 1) out.push(`${name} overflows its box`);
          // The title's text (its lines, not its block) stays clear of the close button.
          if (el.tagName === 'H1') {
            const range = g.document.createRange();
            range.selectNodeContents(el);
            const lines = Array.from(range.getClientRects());
            // (inline: a named function here would need the bundler's __name in the page)
            if (
              lines.some(
                (b) =>
                  b.left < close.right &&
                  close.left < b.right &&
                  b.top < close.bottom &&
                  close.top < b.bottom,
              )
            )
              out.push('the title runs under the close button');
          }
        }
        if (
          root.scrollHeight > root.clientHeight &&
          !['auto', 'scroll'].includes(g.getComputedStyle(screen).overflowY)
        )
          out.push('taller than the window and does not scroll');
        return out;
      });
      assert.deepEqual(clipped, [], `${width}×${height}`);
      if (width === 390) await shot(staff, 'big-screen-narrow');
    }
    await staff.keyboard.press('Escape');
    await staff.getByTestId('big-screen').waitFor({ state: 'detached' });
    await ctx.close();
  });

  it('the page loads from a laptop and the phone gets in line', async () => {
    const links = (await ta.call('session.shareLinks')) as { phoneUrl: string; qrSvg: string };
    assert.match(links.phoneUrl, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.match(links.qrSvg, /^<svg/);
    // The queue has topic tags: a phone picks one as a laptop does, so Help group calls it.
    const { queues } = (await ta.call('queue.get')) as { queues: { queueId: string }[] };
    await ta.call('staff.setTags', { queueId: queues[0]!.queueId, tags: ['Lab 3', 'Exam'] });
    await phone.goto(`http://127.0.0.1:${ben.port}/`);
    await phone.getByRole('heading', { name: 'Get in line' }).waitFor();
    await phone.getByText("via Ben's laptop").waitFor();
    await phone.getByTestId('p-tags').locator('.chip', { hasText: 'Lab 3' }).tap();
    await phone.getByLabel('Name').fill('Pat Phone');
    await phone.getByLabel('What do you need help with?').fill('Lab 3 recursion');
    await phone.getByLabel('Where are you sitting?').fill('Front row');
    await shot(phone, 'phone-join');
    await phone.getByRole('button', { name: 'Get in line' }).tap();
    await phone.getByTestId('phone-position').filter({ hasText: '#1' }).waitFor();
    await phone.getByText('Keep this page open').waitFor();
    await shot(phone, 'phone-in-line');
    const onTa = (await ta.call('queue.get')) as {
      entries: { name: string; tag: string | null }[];
    };
    assert.deepEqual(
      onTa.entries.map((e) => [e.name, e.tag]),
      [['Pat Phone', 'Lab 3']],
    );
  });

  it("kill -9 of the phone's laptop: the page moves to another laptop and keeps its place", async () => {
    const t0 = Date.now();
    await ben.stop('SIGKILL');
    await phone
      .getByTestId('via')
      .filter({ hasText: /Reconnected via (Prof\. Kim|Ana)'s laptop/ })
      .waitFor({ timeout: 10_000 });
    console.log(`  re-pointed ${Date.now() - t0} ms after kill -9`);
    await phone.getByTestId('phone-position').filter({ hasText: '#1' }).waitFor();
    await shot(phone, 'phone-reconnected');
    // The screen locks: the page moves itself to the laptop it talks to now, so that a
    // reload after the lock comes from a laptop that is up, and keeps the place.
    const before = new URL(phone.url()).host;
    await phone.evaluate(`(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    })()`);
    await phone.waitForURL((u) => u.host !== before, { timeout: 5_000 });
    assert.doesNotMatch(phone.url(), /#baton=/, 'the identity left the URL again');
    await phone.reload();
    await phone.getByTestId('phone-position').filter({ hasText: '#1' }).waitFor();
  });

  it('called full screen; the host leaving moves it again; withdraw works after the moves', async () => {
    // Called: the whole screen says so.
    await ta.call('staff.helpNext');
    await phone.getByTestId('called-screen').waitFor();
    await shot(phone, 'phone-called');
    await phone.getByRole('button', { name: 'On my way' }).tap();
    // The TA cannot find the student: the phone alerts (title flash, sound, vibration) and
    // counts the kept place down, as the laptop's screen does.
    const called = ((await ta.call('queue.get')) as { entries: { entryId: string }[] }).entries[0]!;
    await ta.call('staff.cantFind', { entryId: called.entryId });
    const grace = phone.getByTestId('phone-grace');
    await grace.waitFor();
    const left = async () => /(\d+):(\d\d)/.exec((await grace.textContent()) ?? '');
    const first = await left();
    assert.ok(
      first && Number(first[1]) * 60 + Number(first[2]) <= 300,
      `a countdown: ${first?.[0]}`,
    );
    // The tab title flashes the alert (it alternates with the page's own title).
    type Doc = { document: { title: string } };
    await phone.waitForFunction(() =>
      (globalThis as unknown as Doc).document.title.includes("couldn't find you"),
    );
    await phone.waitForTimeout(1_200);
    assert.notEqual((await left())?.[0], first![0], 'the countdown runs');
    await shot(phone, 'phone-cant-find');
    await phone.getByRole('button', { name: "I'm here" }).tap();
    await phone.getByTestId('phone-position').filter({ hasText: '#1' }).waitFor();
    await ta.call('staff.requeue', {
      entryId: ((await ta.call('queue.get')) as { entries: { entryId: string }[] }).entries[0]!
        .entryId,
      position: 'front',
    });
    await phone.getByTestId('phone-position').filter({ hasText: '#1' }).waitFor();
    // The host leaves gracefully: the phone hears "leaving" (or silence) and goes to Ana.
    await ta.stop('SIGTERM');
    await phone.getByTestId('via').filter({ hasText: "Ana's laptop" }).waitFor({ timeout: 10_000 });
    // Withdraw asks first: "Keep my place" keeps it, the second Withdraw withdraws.
    await phone.getByRole('button', { name: 'Withdraw' }).tap();
    const confirm = phone.getByTestId('withdraw-confirm');
    await confirm.waitFor();
    await shot(phone, 'phone-withdraw-confirm');
    await confirm.getByRole('button', { name: 'Keep my place' }).tap();
    await phone.getByTestId('phone-position').filter({ hasText: '#1' }).waitFor();
    assert.equal((await entries(ana)).length, 1, 'one tap withdrew nothing');
    await phone.getByRole('button', { name: 'Withdraw' }).tap();
    await confirm.getByRole('button', { name: 'Withdraw' }).tap();
    await phone.getByRole('heading', { name: 'Get in line' }).waitFor({ timeout: 10_000 });
    assert.deepEqual(
      (await entries(ana)).map((e) => e.name),
      [],
      'withdrawn, acknowledged by the new host',
    );
  });

  it('after a visit the phone is asked how it went; staff see the answer, the name only when given', async () => {
    await ana.call('profile.setName', { name: 'Ana' });
    await ana.call('staff.login', { passcode: 'lab-42-please' });
    await phone.getByLabel('Name').fill('Pat Phone');
    await phone.getByLabel('What do you need help with?').fill('Lab 3 again');
    await phone.getByLabel('Where are you sitting?').fill('Front row');
    await phone.getByRole('button', { name: 'Get in line' }).tap();
    await phone.getByTestId('phone-position').filter({ hasText: '#1' }).waitFor();
    await ana.call('staff.helpNext');
    await phone.getByTestId('called-screen').waitFor();
    const called = ((await ana.call('queue.get')) as { entries: { entryId: string }[] })
      .entries[0]!;
    await ana.call('staff.done', { entryId: called.entryId });
    // Done: the page asks, between visits, who helped — signed by the phone's key like its
    // other commands, so the laptop carrying it cannot change the answer.
    const ask = phone.getByTestId('feedback-ask');
    await ask.getByRole('heading', { name: 'How did it go with Ana?' }).waitFor();
    await ask.locator('.chip', { hasText: 'Partly' }).tap();
    await ask.getByLabel('Anything to add? (optional)').fill('ran out of time  ');
    await ask.getByLabel('Show my name to staff with it').check();
    await shot(phone, 'phone-feedback');
    await phone.emulateMedia({ colorScheme: 'dark' });
    await shot(phone, 'phone-feedback-dark');
    await phone.emulateMedia({ colorScheme: 'light' });
    await ask.getByRole('button', { name: 'Send' }).tap();
    await phone.getByText('Thanks — your feedback went to the staff.').waitFor();
    await ask.waitFor({ state: 'detached' });
    const summary = async () =>
      (
        (await ana.call('queue.get')) as {
          feedback: {
            partly: number;
            comments: { outcome: string; text: string; name: string | null }[];
          } | null;
        }
      ).feedback;
    for (let i = 0; i < 50 && !(await summary())?.partly; i++)
      await new Promise((r) => setTimeout(r, 100));
    const f = await summary();
    assert.equal(f?.partly, 1);
    assert.deepEqual(
      f?.comments.map(({ outcome, text, name }) => ({ outcome, text, name })),
      [{ outcome: 'partly', text: 'ran out of time', name: 'Pat Phone' }],
      'trimmed as signed; the name because Pat chose to give it',
    );
    // Asked once: the pushes after it (every change, and each heartbeat) do not ask again.
    await ana.call('staff.setAnnouncement', { text: 'Back in 5' });
    await phone.getByText('Back in 5').waitFor();
    assert.equal(await ask.count(), 0, 'not asked again');
  });

  it('staff turn phone joining off: the page says so', async () => {
    await ana.call('staff.login', { passcode: 'lab-42-please' });
    await ana.call('staff.setPhones', { enabled: false });
    await phone.getByTestId('phones-off').waitFor({ timeout: 5_000 });
    await shot(phone, 'phone-off');
    const r = await fetch(`http://127.0.0.1:${ana.port}/`);
    assert.equal(r.status, 403);
    assert.match(await r.text(), /Phone joining is turned off/);
  });
});
