import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WebSocket } from 'ws';
import { DeviceKey } from '../../core/transport/device-key';
import { Classroom, sleep } from './classroom';
import { scenario } from './harness';
import { rawLink } from './raw-link';

/**
 * A stranger on the room's Wi-Fi, with a client written from PROTOCOL.md: it links to
 * every laptop with a key of its own (the handshake is honest; it is who it says) and then
 * says what no member said. Every laptop runs in its own namespace on the test's bridge.
 */

const FAKE = '00000000-0000-7000-8000-000000000000'; // sorts before every real member id

function hb(epoch: number): string {
  return JSON.stringify({
    type: 'hb',
    from: FAKE,
    epoch,
    role: 'host',
    hostId: FAKE,
    seq: 1,
    echo: -1,
    hostAgoMs: 0,
    eligible: true,
    heads: [],
  });
}

describe('LAN: a stranger with a raw client', () => {
  it('fake host heartbeats (epoch 1e9, an id that sorts first, 2^53) stall no one: joins are acked, the host stays, no split', async () => {
    const c = new Classroom(3);
    await scenario(
      c.room,
      async () => {
        await c.setUp();
        const before = await c.agreedHost();
        const key = DeviceKey.generate();
        const sockets: WebSocket[] = [];
        const links = c.room.peers.map((p) =>
          rawLink(p.address, p.port, (ws) => sockets.push(ws), { key, timeoutMs: 8_000 }),
        );
        await sleep(300);
        assert.equal(sockets.length, 3, 'the stranger linked to every laptop');
        let stop = false;
        const barrage = (async () => {
          while (!stop) {
            for (const ws of sockets)
              for (const e of [1e9, before.epoch, 9007199254740500]) ws.send(hb(e));
            await sleep(250);
          }
        })();
        // While it lasts, students on two laptops join: each is acked.
        const t0 = Date.now();
        let joins: string[];
        let during: Awaited<ReturnType<Classroom['agreedHost']>>;
        let ms: number;
        try {
          joins = await Promise.all([c.studentJoins(1, 5_000), c.studentJoins(2, 5_000)]);
          ms = Date.now() - t0;
          await sleep(2_000);
          during = await c.agreedHost(1_000);
        } finally {
          stop = true;
          await barrage;
        }
        assert.equal(joins.length, 2);
        assert.equal(during.hostIndex, before.hostIndex, 'the host did not change');
        assert.equal(during.epoch, before.epoch, 'nobody moved to a made-up epoch');
        console.log(`# joins during the barrage acked in ${ms} ms`);
        for (const ws of sockets) ws.close();
        await Promise.all(links);
        await c.assertHealthy();
      },
      () => c.close(),
    );
  });

  it('one member: a burst of its whole allowance (60 commands) moves no host; a flood past it gets rate-limited and the room keeps serving', async () => {
    const c = new Classroom(3);
    await scenario(
      c.room,
      async () => {
        await c.setUp();
        const before = await c.agreedHost();
        const entryId = await c.studentJoins(2);
        const edit = (k: number) =>
          c.peer(2).request('queue.edit', { entryId, topic: `burst ${k}` }, 20_000);
        const t0 = Date.now();
        const burst = await Promise.all(Array.from({ length: 59 }, (_, k) => edit(k)));
        const burstMs = Date.now() - t0;
        assert.ok(
          burst.every((r) => !r.error),
          JSON.stringify(burst.find((r) => r.error)),
        );
        // Past the allowance: refused with a clear code, not queued.
        const flood = await Promise.all(Array.from({ length: 300 }, (_, k) => edit(100 + k)));
        const limited = flood.filter((r) => r.error?.code === 'rate-limited').length;
        assert.ok(limited > 200, `rate-limited ${limited} of 300`);
        // The others are served meanwhile, by the same host at the same epoch.
        await c.studentJoins(1, 5_000);
        const after = await c.agreedHost();
        assert.equal(after.hostIndex, before.hostIndex, 'no host change');
        assert.equal(after.epoch, before.epoch, 'no new epoch');
        console.log(
          `# a 60-command burst acked in ${burstMs} ms; ${limited} of 300 past it rate-limited`,
        );
        await c.assertHealthy();
      },
      () => c.close(),
    );
  });
});
