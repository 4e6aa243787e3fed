import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright';
import { UiPeer, e2eSkip, launchChromium, shot, tempDir } from './peers';

/**
 * A student's laptop left alone in a session (the TA's laptop crashed): it hosts, but acks
 * nothing its own copy alone holds (session/acks.ts: no later host would take it). Her
 * request waits, and the page says why instead of spinning without a word.
 */

describe("a student's laptop alone", { skip: e2eSkip }, () => {
  let browser: Browser;
  const dir = tempDir();
  const ta = new UiPeer("Kim's laptop", `${dir}/ta`);
  const ana = new UiPeer("Ana's laptop", `${dir}/ana`);

  before(async () => {
    await ta.start();
    await ana.start();
    await ta.call('profile.setName', { name: 'Prof. Kim' });
    const { sessionId } = await ta.call<{ sessionId: string }>('session.create', {
      name: 'CS 101 office hours',
      staffPasscode: 'lab-42-please',
    });
    for (let i = 0; i < 100; i++) {
      const list = await ana.call<{ sessionId: string }[]>('sessions.list');
      if (list.some((s) => s.sessionId === sessionId)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await ana.call('session.join', { sessionId });
    await ana.call('profile.setName', { name: 'Ana' });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await ana.stop();
    await ta.stop();
  });

  it('her join waits, saying no other laptop of the session is here to keep a copy', async () => {
    await ta.stop('SIGKILL');
    for (let i = 0; i < 100; i++) {
      const st = await ana.call<{ role: string }>('status');
      if (st.role === 'host') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // Not acknowledged while alone: the call stays open (it is answered once a laptop is back).
    void ana
      .request('queue.join', { name: 'Ana Souza', topic: 'recursion', location: 'Row 2' })
      .catch(() => {});
    for (const [name, viewport, colorScheme] of [
      ['alone-pending', { width: 1280, height: 860 }, 'light'],
      ['alone-pending-phone-dark', { width: 390, height: 800 }, 'dark'],
    ] as const) {
      const ctx = await browser.newContext({ viewport, colorScheme });
      const page = await ctx.newPage();
      await page.goto(ana.url);
      await page
        .getByTestId('pending')
        .filter({ hasText: 'no other laptop of this session is here to keep a copy' })
        .waitFor({ timeout: 15_000 });
      await shot(page, name);
      await ctx.close();
    }
  });
});
