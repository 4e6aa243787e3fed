import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, type Page, chromium } from 'playwright';
import { CHROMIUM, UiPeer, e2eSkip, tempDir } from './peers';

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

  before(async () => {
    ta = new UiPeer("Prof. Kim's laptop", path.join(dir, 'ta'), ['--stability-ms', '600000']);
    ana = new UiPeer("Ana's laptop", path.join(dir, 'ana'), ['--stability-ms', '600000']);
    await ta.start();
    await ana.start();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      chromiumSandbox: false,
    });
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
    console.log(`  axe: ${found.length} serious or critical`);
    assert.deepEqual(found, [], found.join('\n'));
  });
});
