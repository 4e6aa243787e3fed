import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright';
import { UiPeer, e2eSkip, launchChromium, shot, tempDir } from './peers';

/**
 * Accessibility, checked by axe-core (#26): every screen — the start screen, a student in
 * line, the staff view, the panels, the phone page — in light and dark, at laptop and
 * phone width, with no serious or critical violation of WCAG 2 A/AA.
 */

const skip = e2eSkip;
type Scheme = 'light' | 'dark';
const SIZES = { laptop: { width: 1280, height: 860 }, phone: { width: 390, height: 844 } };

describe('accessibility (axe-core) on every screen', { skip }, () => {
  let browser: Browser;
  const dir = tempDir();
  let ta: UiPeer, ana: UiPeer;
  const found: string[] = [];

  /** axe on what `page` shows now; every serious or critical violation, in words. */
  const check = async (page: Page, screen: string): Promise<void> => {
    const r = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    for (const v of r.violations)
      if (v.impact === 'serious' || v.impact === 'critical')
        found.push(
          `${screen}: ${v.id} (${v.impact}) — ${v.help}; ${v.nodes
            .slice(0, 3)
            .map((n) => n.target.join(' '))
            .join(' | ')}`,
        );
  };
  const open = async (url: string, scheme: Scheme, size: keyof typeof SIZES): Promise<Page> => {
    const ctx = await browser.newContext({ viewport: SIZES[size], colorScheme: scheme });
    const page = await ctx.newPage();
    await page.goto(url);
    return page;
  };

  /** A session with a TA logged in, an announcement, a closing time and Ana in line (once). */
  let ready = false;
  const inSession = async (): Promise<void> => {
    if (ready) return;
    ready = true;
    await ta.call('profile.setName', { name: 'Prof. Kim' });
    const { sessionId } = (await ta.call('session.create', {
      name: 'CS 101 office hours',
      staffPasscode: 'lab-42-please',
    })) as { sessionId: string };
    for (let i = 0; i < 100; i++) {
      const list = (await ana.call('sessions.list')) as { sessionId: string }[];
      if (list.some((s) => s.sessionId === sessionId)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await ana.call('session.join', { sessionId });
    await ana.call('profile.setName', { name: 'Ana' });
    await ana.call('queue.join', { name: 'Ana Souza', topic: 'recursion', location: 'Row 2' });
    await ta.call('staff.login', { passcode: 'lab-42-please' });
    await ta.call('staff.setAnnouncement', { text: 'Lab 3 questions first today' });
    // The closing banner on every screen from here on.
    const now = Date.now();
    await ta.call('staff.setClosing', {
      signupsEnd: now + 30 * 60_000,
      closeAt: now + 60 * 60_000,
      atClose: 'keep',
    });
  };

  before(async () => {
    ta = new UiPeer("Prof. Kim's laptop", path.join(dir, 'ta'), ['--stability-ms', '600000']);
    ana = new UiPeer("Ana's laptop", path.join(dir, 'ana'), ['--stability-ms', '600000']);
    await ta.start();
    await ana.start();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await Promise.all([ta, ana].map((p) => p.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the start screen, a student in line, the staff view, the panels and the phone page: 0 serious or critical', async () => {
    for (const scheme of ['light', 'dark'] as const)
      for (const size of ['laptop', 'phone'] as const) {
        const start = await open(ta.url, scheme, size);
        await start.getByLabel('Your name').waitFor();
        await check(start, `start screen (${scheme}, ${size})`);
        await start.context().close();
      }
    await inSession();
    const { phoneUrl } = (await ta.call('session.shareLinks')) as { phoneUrl: string };

    for (const scheme of ['light', 'dark'] as const)
      for (const size of ['laptop', 'phone'] as const) {
        const tag = `(${scheme}, ${size})`;
        const student = await open(ana.url, scheme, size);
        await student.getByTestId('my-position').waitFor();
        await check(student, `student in line ${tag}`);
        await student.context().close();

        const staff = await open(ta.url, scheme, size);
        await staff.getByRole('tab', { name: 'Staff' }).click();
        await staff.getByTestId('help-next').waitFor();
        await check(staff, `staff view ${tag}`);
        // The undo bar, after a Remove (then undone).
        await staff.getByRole('button', { name: 'Remove Ana Souza' }).click();
        await staff.getByTestId('undo-bar').waitFor();
        await check(staff, `staff view with the undo bar ${tag}`);
        await staff.getByRole('button', { name: 'Undo: Ana Souza removed' }).click();
        await staff.getByTestId('undo-bar').waitFor({ state: 'detached' });
        for (const [button, panel] of [
          ['Members', 'members'],
          ['Settings', 'settings'],
        ] as const) {
          await staff.getByRole('button', { name: button }).first().click();
          await staff.getByTestId(`${panel}-panel`).waitFor();
          await check(staff, `${panel} panel ${tag}`);
          await staff.keyboard.press('Escape');
        }
        await staff.getByRole('button', { name: 'Settings' }).first().click();
        await staff.getByRole('button', { name: 'Network check…' }).click();
        await staff.getByTestId('network-panel').waitFor();
        await check(staff, `network check ${tag}`);
        await staff.keyboard.press('Escape');
        await staff.context().close();

        const phone = await open(phoneUrl, scheme, size);
        await phone.getByLabel('What do you need help with?').waitFor();
        await check(phone, `phone page ${tag}`);
        await phone.context().close();
      }
    // The history across sessions, with something in it: Ana helped.
    const mine = ((await ana.call('queue.get')) as { myEntryId: string }).myEntryId;
    await ta.call('staff.help', { entryId: mine });
    await ta.call('staff.done', { entryId: mine });
    for (const scheme of ['light', 'dark'] as const) {
      const staff = await open(ta.url, scheme, 'laptop');
      await staff.getByRole('tab', { name: 'Staff' }).click();
      await staff.getByRole('button', { name: 'History across sessions…' }).click();
      await staff.getByTestId('wait-chart').waitFor();
      await check(staff, `history panel (${scheme})`);
      await staff.context().close();
    }
    await ana.call('queue.join', { name: 'Ana Souza', topic: 'recursion', location: 'Row 2' });
    console.log(`  axe: ${found.length} serious or critical`);
    assert.deepEqual(found, [], found.join('\n'));
  });

  it('at 360 px (a small phone) nothing is wider than the screen: the top bar, the staff cards, the student view', async () => {
    await inSession();
    const wide: string[] = [];
    const measure = async (page: Page, screen: string): Promise<void> => {
      const over = (await page.evaluate(`(() => {
        const w = document.documentElement.clientWidth;
        const out = [];
        for (const el of document.querySelectorAll('body *')) {
          const r = el.getBoundingClientRect();
          if (r.width === 0 || getComputedStyle(el).visibility === 'hidden') continue;
          if (r.right > w + 1 && !el.closest('.sr-only')) {
            const id = el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '');
            out.push(id + ' ' + Math.round(r.right) + 'px' + (el.tagName === 'BUTTON' ? ' "' + (el.textContent || '').trim().slice(0, 30) + '"' : ''));
          }
        }
        return { scroll: document.documentElement.scrollWidth, w, out: out.slice(0, 8) };
      })()`)) as { scroll: number; w: number; out: string[] };
      if (over.scroll > over.w || over.out.length)
        wide.push(`${screen}: page ${over.scroll} px > ${over.w}; ${over.out.join(', ')}`);
    };
    for (const scheme of ['light'] as const) {
      const ctx = await browser.newContext({
        viewport: { width: 360, height: 740 },
        colorScheme: scheme,
      });
      const staff = await ctx.newPage();
      await staff.goto(ta.url);
      await staff.getByRole('tab', { name: 'Staff' }).click();
      await staff.getByTestId('help-next').waitFor();
      await measure(staff, 'staff view');
      await shot(staff, 'staff-360');
      await staff.getByTestId('queues-card').scrollIntoViewIfNeeded();
      await shot(staff, 'staff-360-cards');
      // Rows: the top bar's items' vertical centres, grouped (as the 420 px test measures).
      const rows = await staff.evaluate(
        `[...document.querySelectorAll('.topbar > .logo, .topbar > .session-name, .topbar > .tabs, .topbar button:not(.tab)')].map((el) => { const r = el.getBoundingClientRect(); return (r.top + r.bottom) / 2; }).sort((a, b) => a - b).filter((c, i, all) => i === 0 || c - all[i - 1] > 14).length`,
      );
      assert.ok((rows as number) <= 2, `the top bar takes ${String(rows)} rows at 360 px`);
      const student = await ctx.newPage();
      await student.goto(ana.url);
      await student.getByTestId('my-position').waitFor();
      await measure(student, 'student view');
      await shot(student, 'student-360');
      await ctx.close();
    }
    assert.deepEqual(wide, [], wide.join('\n'));
  });
});
