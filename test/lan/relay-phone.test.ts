import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { chromium } from 'playwright';
import { CHROMIUM, shot } from '../e2e/peers';
import { Classroom } from './classroom';
import { CampusServer, isolate } from './relay-net';

/**
 * A student with only a browser, not in the room: the phone page comes from a static web
 * server (dist/web/, in a campus namespace of its own) and reaches the room through the
 * relay's WebSocket listener. The three laptops are on an isolating Wi-Fi, so the relay is
 * their only way too. The student gets in line, is called, and when the laptop the page
 * talks to is killed, the page moves to another laptop by itself and goes on.
 */
const skip = !fs.existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : false;

describe('LAN: a remote browser student through the relay', { skip }, () => {
  it('joins from the static page, is called, and follows a kill -9 of its laptop', async () => {
    let nats: CampusServer | null = null;
    const c = new Classroom(3, () => ['--stability-ms', '3000', '--relay', nats!.url]);
    nats = new CampusServer(c.room, 0);
    const web = new CampusServer(c.room, 1);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      chromiumSandbox: false,
      args: ['--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    try {
      await nats.start([], { websocket: 8080 });
      const site = await web.serve(path.resolve('dist/web'));
      for (let i = 0; i < 3; i++) isolate(c.room, i);
      await c.setUp((i) => i > 0);
      const relay = { url: nats.url, web: nats.wsUrl(8080), page: site };
      await c.peer(0).call('net.setRelay', { relay });
      await c.peer(0).call('staff.setRelay', { relay });
      const { phoneLink } = await c.peer(0).call<{ phoneLink: string | null }>('session.joinCode');
      assert.ok(phoneLink?.startsWith(site), `a phone link on the static site: ${phoneLink}`);

      const ctx = await browser.newContext({
        viewport: { width: 390, height: 844 },
        hasTouch: true,
      });
      const page = await ctx.newPage();
      page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
      await page.goto(phoneLink!);
      await page.getByRole('heading', { name: 'Get in line' }).waitFor({ timeout: 20_000 });
      await page.getByLabel('Name').fill('Rita Remote');
      await page.getByLabel('What do you need help with?').fill('pointers');
      await page.getByLabel('Where are you sitting?').fill('at home');
      await page.getByRole('button', { name: 'Get in line' }).tap();
      await page
        .getByTestId('phone-position')
        .filter({ hasText: '#1' })
        .waitFor({ timeout: 15_000 });
      await shot(page, 'phone-remote');
      const q = await c.peer(0).call<{ entries: { name: string; entryId: string }[] }>('queue.get');
      const entry = q.entries.find((e) => e.name === 'Rita Remote');
      assert.ok(entry, 'the TA sees the remote student');
      c.acked.add(entry.entryId);

      await c.peer(0).call('staff.helpNext');
      await page.getByTestId('called-screen').waitFor({ timeout: 10_000 });
      assert.match(
        (await page.getByTestId('called-screen').textContent()) ?? '',
        /is calling you — at home\./,
        'where the student said they are, as they said it',
      );

      // The laptop the page talks to dies: the page moves to another one by itself.
      const via = (await page.getByTestId('via').textContent()) ?? '';
      const victim = c.room.peers.find((p) => via.includes(p.name))!;
      assert.ok(victim, `the page names its laptop: ${via}`);
      victim.kill('SIGKILL');
      await page
        .getByTestId('via')
        .filter({ hasText: /Reconnected via Laptop \d/ })
        .waitFor({ timeout: 15_000 });
      await page.getByTestId('called-screen').waitFor({ timeout: 10_000 });
      await page.emulateMedia({ colorScheme: 'dark' });
      await shot(page, 'phone-remote-moved-dark');
      await page.getByRole('button', { name: 'On my way' }).tap();
      await c.assertHealthy(20_000);
      await ctx.close();
    } catch (e) {
      console.error(
        c.room.logs(),
        `--- nats ---\n${nats.log.slice(-2000)}`,
        `--- web ---\n${web.log.slice(-1000)}`,
      );
      throw e;
    } finally {
      await browser.close();
      await c.close();
      await nats.close();
      await web.close();
    }
  });
});
