import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { asDeviceId } from '../../core/ids';
import { NatsRelay } from '../../core/relay/relay';
import { sleep } from './classroom';

/**
 * Presence on the relay costs what a join link needs, not the room squared: copies in a
 * session answer "who is there?" but never hear each other's presence (a room of 100 all
 * listening got 100 × 100 messages every 5 s, and on every join). nats-server on this
 * sandbox's own loopback (run-sandboxed.sh: a network namespace of the test's own).
 */

const N = 12;
const SID = 'presence-room';
/** Device ids that differ in their first 8 digits (a client's NATS name carries those). */
const dev = (i: number): string => i.toString(16).padStart(8, '0') + 'f'.repeat(24);

let server: ChildProcess | null = null;
let port = 0;
let monitor = 0;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** Messages the server delivered to each client so far, by client name. */
async function delivered(): Promise<Map<string, number>> {
  const r = await fetch(`http://127.0.0.1:${monitor}/connz?limit=1000`);
  const j = (await r.json()) as { connections: { name?: string; out_msgs: number }[] };
  return new Map(j.connections.map((c) => [c.name ?? '', c.out_msgs]));
}

describe(
  'relay presence',
  { skip: !process.env.BATON_LAN_SANDBOX && 'run via run-sandboxed.sh' },
  () => {
    before(async () => {
      port = await freePort();
      monitor = await freePort();
      server = spawn(
        'nats-server',
        ['-a', '127.0.0.1', '-p', String(port), '-m', String(monitor)],
        {
          stdio: 'ignore',
        },
      );
      for (let i = 0; i < 100; i++) {
        const up = await fetch(`http://127.0.0.1:${monitor}/varz`).then(
          (r) => r.ok,
          () => false,
        );
        if (up) return;
        await sleep(50);
      }
      throw new Error('nats-server did not start');
    });
    after(() => server?.kill('SIGKILL'));

    it(`${N} copies in a session: a join link finds them at once; they never hear each other`, async () => {
      const relays = Array.from(
        { length: N },
        (_, i) => new NatsRelay({ deviceId: asDeviceId(dev(i + 1)), onAccept: () => {} }),
      );
      const watcher = new NatsRelay({ deviceId: asDeviceId(dev(99)), onAccept: () => {} });
      try {
        for (const [i, r] of relays.entries()) {
          await r.connect({ url: `nats://127.0.0.1:${port}` });
          r.announce({ did: dev(i + 1), sid: SID, sn: 'CPSC 416', mid: `m${i}`, n: `Laptop ${i}` });
        }
        const before = await delivered();
        // A copy with a join link: "who" is answered at once, not at the next 5 s round.
        await watcher.connect({ url: `nats://127.0.0.1:${port}` });
        const t0 = Date.now();
        watcher.watch(SID);
        while (Date.now() - t0 < 3_000 && (watcher.sessions()[0]?.memberCount ?? 0) < N)
          await sleep(20);
        assert.equal(watcher.sessions()[0]?.memberCount, N, 'the watcher lists every copy');
        assert.ok(Date.now() - t0 < 2_000, `listed in ${Date.now() - t0} ms`);
        // Two rounds of presence (5 s each) later, no copy in the session got any of it.
        await sleep(11_000);
        const after = await delivered();
        for (const [i, r] of relays.entries()) {
          assert.deepEqual(r.sessions(), [], `copy ${i} keeps no presence of its own room`);
          const name = `baton ${dev(i + 1).slice(0, 8)}`;
          const got = (after.get(name) ?? 0) - (before.get(name) ?? 0);
          assert.ok(got <= 2, `copy ${i} was delivered ${got} messages (the room's presence)`);
        }
        // The watcher hears every copy's round (2 × N) and the answers to its "who" (N).
        const w = after.get(`baton ${dev(99).slice(0, 8)}`) ?? 0;
        assert.ok(w >= 2 * N, `the watcher got ${w} presence messages`);
        // A copy that leaves keeps watching its session, so its start screen lists it.
        relays[0]!.announce(null);
        const t1 = Date.now();
        while (Date.now() - t1 < 3_000 && (relays[0]!.sessions()[0]?.memberCount ?? 0) < N - 1)
          await sleep(20);
        assert.equal(relays[0]!.sessions()[0]?.memberCount, N - 1);
      } finally {
        await Promise.all([...relays, watcher].map((r) => r.close()));
      }
    });
  },
);
