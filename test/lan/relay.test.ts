import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Classroom, sleep } from './classroom';
import * as net from 'node:net';
import { connect as natsConnect } from '@nats-io/transport-node';
import { CampusCluster, CampusServer, block, isolate } from './relay-net';

/**
 * The relay on real processes and a real nats-server: laptops on a Wi-Fi that isolates
 * them (bridge ports `isolated on`) form one session through NATS, fail over through it,
 * and find their way back to direct links where those work.
 */

interface Diag {
  links: { name: string; path: 'direct' | 'relay'; rttMs: number | null }[];
  relay: {
    state: string;
    server: string | null;
    error: { code: string; message: string } | null;
  } | null;
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

  it('mixed: two laptops link directly, the third only through the relay; the relay dies and comes back: lost 0', async () => {
    await withCampus(
      3,
      (_i, s) => ['--relay', s.url],
      async (c, server) => {
        block(c.room, 2, 0);
        block(c.room, 2, 1);
        await c.setUp((i) => i === 2);
        const name = (d: Diag, n: string) => d.links.find((l) => l.name === n)?.path;
        const d0 = await linksSettle(c, 0, (d) => !!name(d, 'Laptop 1') && !!name(d, 'Laptop 2'));
        assert.equal(name(d0, 'Laptop 1'), 'direct', JSON.stringify(d0.links));
        assert.equal(name(d0, 'Laptop 2'), 'relay', JSON.stringify(d0.links));
        const d2 = await linksSettle(c, 2, (d) => !!name(d, 'Laptop 0'));
        assert.equal(name(d2, 'Laptop 0'), 'relay', JSON.stringify(d2.links));
        assert.ok(
          d2.links.every((l) => l.path === 'relay' && typeof l.rttMs !== 'undefined'),
          JSON.stringify(d2.links),
        );
        await c.studentJoins(2);
        await c.assertHealthy();

        // The relay dies: laptops 0 and 1 go on over their direct link; laptop 2 says why.
        await server.stop('SIGKILL');
        const down = await linksSettle(c, 2, (d) => d.relay?.state === 'reconnecting', 5_000);
        assert.match(down.relay!.error!.message, /relay unreachable/);
        // Cut off, it hosts its own side (a room of one).
        await c.peer(2).waitEvent('role', (e) => (e as { role: string }).role === 'host', 5_000);
        await c.studentJoins(1);
        // It comes back: laptop 2 is in the room again and nothing acknowledged is lost.
        await server.start();
        await linksSettle(c, 2, (d) => d.relay?.state === 'connected', 15_000);
        await c.studentJoins(0);
        await c.assertHealthy(20_000);
      },
    );
  });

  it('bad relays get clear errors and the LAN session runs on: a junk URL, wrong credentials, a server that is not NATS, one that never answers', async () => {
    // Something on the campus that is not NATS: it answers every connection with HTTP.
    const http = net.createServer((s) => {
      s.on('error', () => {});
      s.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    const silent = net.createServer((s) => s.on('error', () => {}));
    await withCampus(
      2,
      () => [],
      async (c, server) => {
        await server.stop();
        await server.start(['--auth', 'right-token']);
        await c.setUp();
        await new Promise<void>((r) => http.listen(4300, `${c.room.subnet}.254`, r));
        await new Promise<void>((r) => silent.listen(4301, `${c.room.subnet}.254`, r));
        const setRelay = (relay: unknown) => c.peer(1).request('net.setRelay', { relay });
        const cases: [unknown, string, RegExp][] = [
          [{ url: 'http://example' }, 'bad-relay', /nats:\/\//],
          [{ url: 'not a url' }, 'bad-relay', /not a relay address/],
          [{ url: server.url }, 'relay-auth', /refused the credentials/],
          [{ url: server.url, token: 'wrong' }, 'relay-auth', /refused the credentials/],
          [{ url: `nats://${c.room.subnet}.254:4300` }, 'relay-not-nats', /failed/],
          [{ url: `nats://${c.room.subnet}.254:4301` }, 'relay-unreachable', /did not answer/],
          [{ url: `nats://${c.room.subnet}.254:4302` }, 'relay-unreachable', /cannot reach/],
        ];
        for (const [relay, code, message] of cases) {
          const r = await setRelay(relay);
          assert.equal(r.error?.code, code, `${JSON.stringify(relay)}: ${JSON.stringify(r)}`);
          assert.match(r.error!.message, message);
        }
        await c.studentJoins(1); // the LAN session ran on through all of that
        const ok = await setRelay({ url: server.url, token: 'right-token' });
        assert.equal((ok.result as { state: string }).state, 'connected', JSON.stringify(ok));
        const diag = await c.peer(1).call<Diag & { relay: { url: string } }>('diag.network');
        assert.equal(diag.relay!.url, server.url, 'the token is never shown');
        await c.assertHealthy();
      },
    );
    http.close();
    silent.close();
  });

  it('a 3-node NATS cluster: the node the host uses is killed; everyone moves to another node by itself, lost 0', async () => {
    let cluster: CampusCluster | null = null;
    const c = new Classroom(3, () => ['--stability-ms', '3000', '--relay', cluster!.url]);
    cluster = new CampusCluster(c.room);
    const servers = cluster.nodes;
    try {
      await cluster.startAll();
      for (let i = 0; i < 3; i++) isolate(c.room, i);
      await c.setUp((i) => i > 0);
      const [, next, other] = await c.order();
      await c.studentJoins(next!);
      const d = await linksSettle(
        c,
        0,
        (x) => x.links.length >= 2 && x.relay?.state === 'connected',
      );
      const used = servers.find((s) => d.relay!.server?.startsWith(s.address))!;
      assert.ok(used, `laptop 0 is on one of the nodes: ${d.relay!.server}`);
      const t0 = performance.now();
      await used.stop('SIGKILL');
      await c.studentJoins(other!, 20_000);
      const stall = performance.now() - t0;
      console.log(
        `relay cluster: node ${used.address} killed; the next join acked ${stall.toFixed(0)} ms later`,
      );
      const after = await linksSettle(
        c,
        0,
        (x) => x.relay?.state === 'connected' && !x.relay.server?.startsWith(used.address),
      );
      assert.ok(after.relay!.server, 'laptop 0 moved to another node');
      await c.studentJoins(0);
      await c.assertHealthy();
    } catch (e) {
      console.error(
        c.room.logs(),
        ...servers.map((s) => `--- ${s.address} ---\n${s.log.slice(-2000)}`),
      );
      throw e;
    } finally {
      await c.close();
      await cluster.close();
    }
  });

  it('the relay travels with the session: the TA sets it, every laptop uses it, and when the Wi-Fi starts isolating them the room goes on through it', async () => {
    await withCampus(
      3,
      () => [],
      async (c, server) => {
        await c.setUp();
        await c.studentJoins(1);
        const ta = c.peer(0);
        await ta.call('net.setRelay', { relay: { url: server.url } });
        // Signed with the staff key of this run's login (session.create logged the TA in).
        await ta.call('staff.setRelay', { relay: { url: server.url } });
        for (const i of [1, 2])
          await linksSettle(c, i, (d) => d.relay?.state === 'connected' && d.relay.server !== null);
        // A student cannot set it.
        const refused = await c
          .peer(1)
          .request('staff.setRelay', { relay: { url: 'nats://evil:4222' }, passphrase: 'guess' });
        assert.equal(refused.error?.code, 'wrong-passcode', JSON.stringify(refused));
        // Now the Wi-Fi isolates every laptop: links die, and come back through the relay.
        for (let i = 0; i < 3; i++) isolate(c.room, i);
        const t0 = performance.now();
        await c.studentJoins(2, 30_000);
        console.log(
          `relay: first join after isolation acked in ${(performance.now() - t0).toFixed(0)} ms`,
        );
        // Both other laptops through the relay (a device may have two links for a moment,
        // when both ends dialled at once: linkInfo lists both).
        const laptops = (x: Diag) => new Set(x.links.map((l) => l.name));
        const d = await linksSettle(
          c,
          0,
          (x) => laptops(x).size >= 2 && x.links.every((l) => l.path === 'relay'),
          20_000,
        );
        assert.deepEqual([...laptops(d)].sort(), ['Laptop 1', 'Laptop 2']);
        await c.assertHealthy(20_000);
      },
    );
  });

  it('someone else on the NATS server reads nothing; when the Wi-Fi stops isolating, pairs go back to direct links', async () => {
    await withCampus(
      3,
      (_i, s) => ['--relay', s.url],
      async (c, server) => {
        for (let i = 0; i < 3; i++) isolate(c.room, i);
        // An eavesdropper with the relay's credentials, subscribed to everything.
        const spy = await natsConnect({ servers: server.url });
        const heard: Buffer[] = [];
        spy.subscribe('>', {
          callback: (_e, m) => {
            heard.push(Buffer.from(m.data));
          },
        });
        await c.setUp((i) => i > 0);
        const secret = 'Sally Secretname';
        const { entryId } = await c.peer(1).call<{ entryId: string }>('queue.join', {
          name: secret,
          topic: 'my confidential topic',
          location: 'seat 13',
        });
        c.acked.add(entryId);
        await c.peer(0).call('staff.message', { entryId, text: 'private note for Sally' });
        await c.assertHealthy();
        const all = Buffer.concat(heard);
        assert.ok(all.length > 10_000, `the spy heard the room's traffic (${all.length} bytes)`);
        for (const s of [secret, 'confidential', 'private note', 'letmein-please', entryId])
          assert.equal(all.includes(Buffer.from(s)), false, `"${s}" crossed the relay in clear`);
        await spy.close();

        // The Wi-Fi stops isolating: within the retry period the pairs are direct again.
        for (let i = 0; i < 3; i++) isolate(c.room, i, false);
        const direct = await linksSettle(
          c,
          0,
          (d) =>
            d.links.length >= 2 &&
            d.links.some((l) => l.path === 'direct') &&
            new Set(d.links.filter((l) => l.path === 'direct').map((l) => l.name)).size >= 2,
          60_000,
        );
        assert.ok(
          direct.links.filter((l) => l.path === 'direct').length >= 2,
          JSON.stringify(direct.links),
        );
        await c.studentJoins(2);
        await c.assertHealthy();
      },
    );
  });
});
