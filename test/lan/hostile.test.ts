import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import * as Automerge from '@automerge/automerge';
import type { WebSocket } from 'ws';
import { certText } from '../../core/session/certs';
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

  it('one member: a burst of its whole allowance (60 commands) moves no host; a flood past it waits at its own laptop and drains at its rate while the room keeps serving', async () => {
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
        // Past the allowance: not refused, not lost — taken at 20/s while the laptop's own
        // copy keeps the rest (its pending list says why).
        const t1 = Date.now();
        const flooding = Promise.all(Array.from({ length: 200 }, (_, k) => edit(100 + k)));
        await sleep(1_500);
        const q = await c.peer(2).call<{ pending: { reason?: string | null }[] }>('queue.get');
        const waiting = q.pending.length;
        assert.ok(waiting > 100, `${waiting} waiting at the laptop after 1.5 s`);
        assert.ok(
          q.pending.some((p) => /allowed rate/.test(p.reason ?? '')),
          JSON.stringify(q.pending.slice(0, 2)),
        );
        // The others are served meanwhile, at once, by the same host at the same epoch.
        const t2 = Date.now();
        await c.studentJoins(1, 5_000);
        const otherMs = Date.now() - t2;
        const flood = await flooding;
        const floodS = (Date.now() - t1) / 1000;
        assert.ok(
          flood.every((r) => !r.error),
          JSON.stringify(flood.find((r) => r.error)),
        );
        assert.ok(floodS >= 200 / 20 - 2, `200 commands past the burst took ${floodS} s`);
        assert.ok(otherMs < 2_000, `another laptop's join took ${otherMs} ms`);
        const after = await c.agreedHost();
        assert.equal(after.hostIndex, before.hostIndex, 'no host change');
        assert.equal(after.epoch, before.epoch, 'no new epoch');
        console.log(
          `# a 60-command burst acked in ${burstMs} ms; 200 past it taken in ${floodS.toFixed(1)} s ` +
            `(${waiting} waiting at the laptop after 1.5 s); another laptop's join meanwhile ${otherMs} ms`,
        );
        await c.assertHealthy();
      },
      () => c.close(),
    );
  });
});

describe('LAN: a student with a modified copy', () => {
  it("pushes the host Automerge changes of its own making through sync (the queue emptied, signed by itself): refused; every laptop keeps every entry, and its laptop rebases on the host's document", async () => {
    const c = new Classroom(3);
    await scenario(
      c.room,
      async () => {
        await c.setUp();
        await c.studentJoins(1);
        await c.studentJoins(2);
        const { hostIndex, epoch } = await c.agreedHost();
        const m = [1, 2].find((i) => i !== hostIndex)!;
        const mallory = c.peer(m);
        const me = c.memberIds[m]!;
        // Her client: her laptop's key, her laptop's document from its disk.
        const key = DeviceKey.loadOrCreate(mallory.dataDir);
        const file = path.join(mallory.dataDir, 'sessions', c.sessionId, 'doc.automerge');
        const doc = Automerge.load<{ app: { entries: Record<string, unknown> } }>(
          new Uint8Array(fs.readFileSync(file)),
        );
        const forged = Automerge.change(Automerge.clone(doc, { actor: 'e'.repeat(32) }), (d) => {
          for (const id of Object.keys(d.app.entries)) delete d.app.entries[id];
        });
        const heads = Automerge.getHeads(forged);
        const sync = Automerge.encodeSyncMessage({
          heads,
          need: [],
          have: [],
          changes: Automerge.getChanges(doc, forged),
        });
        // "I hosted this term alone": a certificate signed with her own key.
        const signed = key.signer().sign(certText(c.sessionId, epoch, me, heads));
        const frame = JSON.stringify({
          type: 'sync',
          from: me,
          epoch,
          data: Buffer.from(sync).toString('base64'),
          certs: [{ epoch, by: me, heads, ...signed }],
        });
        const host = c.peer(hostIndex);
        const { frames } = await rawLink(host.address, host.port, (ws) => ws.send(frame), {
          key,
          timeoutMs: 2_000,
        });
        assert.ok(frames.length > 0, 'the host linked with her client');
        await sleep(1_500);
        for (const p of c.running()) {
          const q = await p.call<{ entries: unknown[] }>('queue.get');
          assert.equal(q.entries.length, 2, `laptop ${p.index} lost entries`);
        }
        assert.ok(/uncertified: 1 changes/.test(host.stderr), 'the host says why it dropped them');
        await c.studentJoins(0);
        await c.assertHealthy();
      },
      () => c.close(),
    );
  });
});
