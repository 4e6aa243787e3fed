import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Classroom, sleep } from './classroom';
import { CampusServer, isolate } from './relay-net';

/**
 * The relay on real processes and a real nats-server: laptops on a Wi-Fi that isolates
 * them (bridge ports `isolated on`) form one session through NATS, fail over through it,
 * and find their way back to direct links where those work.
 */

interface Diag {
  links: { name: string; path: 'direct' | 'relay'; rttMs: number | null }[];
  relay: { state: string; error: { code: string; message: string } | null } | null;
}

async function withCampus(
  n: number,
  relayArgs: (i: number, server: CampusServer) => string[],
  fn: (c: Classroom, server: CampusServer) => Promise<void>,
): Promise<void> {
  let server: CampusServer | null = null;
  const c = new Classroom(n, (i) => ['--stability-ms', '3000', ...relayArgs(i, server!)]);
  server = new CampusServer(c.room, 0);
  try {
    await server.start();
    await fn(c, server);
  } catch (e) {
    console.error(c.room.logs(), `--- nats-server ---\n${server.log.slice(-3000)}`);
    throw e;
  } finally {
    await c.close();
    await server.close();
  }
}

/** Wait until laptop i's links satisfy `ok`. */
async function linksSettle(
  c: Classroom,
  i: number,
  ok: (d: Diag) => boolean,
  ms = 10_000,
): Promise<Diag> {
  const t0 = Date.now();
  let d: Diag | null = null;
  while (Date.now() - t0 < ms) {
    d = await c.peer(i).call<Diag>('diag.network');
    if (ok(d)) return d;
    await sleep(200);
  }
  assert.fail(`laptop ${i}'s links never settled: ${JSON.stringify(d)}`);
}

describe('LAN: the relay (NATS)', () => {
  it('client isolation: three laptops form one session through the relay; kill -9 of the host fails over, lost 0', async () => {
    await withCampus(
      3,
      (_i, s) => ['--relay', s.url],
      async (c) => {
        for (let i = 0; i < 3; i++) isolate(c.room, i);
        await c.setUp((i) => i > 0);
        const [, next, other] = await c.order();
        await c.studentJoins(0);
        await c.studentJoins(next!);
        const d = await linksSettle(c, 0, (x) => x.links.length >= 2);
        assert.ok(
          d.links.every((l) => l.path === 'relay'),
          `every link of laptop 0 goes through the relay: ${JSON.stringify(d.links)}`,
        );
        assert.equal(d.relay?.state, 'connected');
        await c.assertHealthy();
        const t0 = performance.now();
        c.peer(0).kill('SIGKILL');
        await c
          .peer(next!)
          .waitEvent('role', (e) => (e as { role: string }).role === 'host', 5_000);
        console.log(
          `relay: successor hosting ${(performance.now() - t0).toFixed(0)} ms after kill -9`,
        );
        await c.studentJoins(other!);
        await c.assertHealthy();
      },
    );
  });
});
