import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Room, openRoomOn } from '@baton/engine';
import { type DeviceId, asDeviceId } from '../../../core/ids';
import { SeededRandom } from '../../../core/random';
import { MemoryStore } from '../../../core/store/store';
import { ManualClock } from '../../../test/sim/manual-clock';
import { SimDirectory } from '../../../test/sim/sim-directory';
import { SimNetwork } from '../../../test/sim/sim-network';
import { simSigner } from '../../../test/sim/sim-signer';
import { appFaultScenarios } from '../../../test/sim/app-scenarios';
import { type ChatState, chatApp, chatLog } from '../chat';

// The engine's fault scenarios, as for the diary (test/sim/app-scenarios.ts): each value
// is one message's text.
appFaultScenarios<ChatState>('chat', {
  app: chatApp,
  command: (value) => ({ op: 'say', from: 'sim', text: value }),
  values: (s) => chatLog(s ?? null).map((m) => m.text),
  order: (s) => chatLog(s ?? null).map((m) => m.id),
  numbers: (s) => chatLog(s ?? null).map((m) => m.n),
  count: (s) => s?.count ?? 0,
  invalid: { op: 'say', from: '', text: 'x'.repeat(3_000) },
});

// openRoom's promise, on the simulator: copies that race to create the same room end in
// one room, and what each sent while racing is delivered there once.

type ChatRoom = Room<ChatState, { op: 'say'; from: string; text: string }, { n: number }>;

/** A simulated network, discovery and `n` copies' ports; `open(i)` opens copy i's room. */
function world(n: number, seed: number) {
  const clock = new ManualClock();
  const random = new SeededRandom(seed);
  const net = new SimNetwork(clock, random);
  const dir = new SimDirectory(clock, random);
  const devices: DeviceId[] = Array.from({ length: n }, (_, i) =>
    asDeviceId(`d${i}`.padEnd(16, '0')),
  );
  const stores = devices.map(() => new Map<string, MemoryStore>());
  const open = (i: number, extra: { minHolders?: number } = {}) =>
    openRoomOn(
      chatApp,
      { room: 'lab', name: `copy ${i}`, ...extra },
      {
        deviceId: devices[i]!,
        signer: simSigner(devices[i]!),
        clock,
        random: new SeededRandom(seed * 100 + i),
        transport: net.endpoint(devices[i]!),
        directory: dir.port(devices[i]!),
        storeFor: (k) => {
          let s = stores[i]!.get(k);
          if (!s) stores[i]!.set(k, (s = new MemoryStore()));
          return s;
        },
      },
    );
  /** Advance simulated time in 10 ms steps, letting promises run between. */
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 10) {
      await new Promise((r) => setImmediate(r));
      clock.advance(10);
    }
    await new Promise((r) => setImmediate(r));
  };
  return { clock, dir, devices, open, run };
}

describe('openRoom: join or create, and racing copies merge (simulated room)', () => {
  it('5 copies started within 50 ms, 20 runs: always one room, every message sent while racing delivered once', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const w = world(5, seed);
      const rooms: ChatRoom[] = [];
      const sent: Promise<{ n: number }>[] = [];
      const r = new SeededRandom(seed);
      for (let i = 0; i < 5; i++)
        w.clock.setTimer(r.int(50), () => {
          void w.open(i).then((room) => {
            rooms[i] = room as ChatRoom;
            sent.push(room.send({ op: 'say', from: `copy ${i}`, text: `hello from ${i}` }));
          });
        });
      await w.run(12_000);
      assert.equal(rooms.filter(Boolean).length, 5, `seed ${seed}: every copy is in a room`);
      const ids = new Set(rooms.map((x) => x.sessionId));
      assert.equal(ids.size, 1, `seed ${seed}: one room (${[...ids].join(', ')})`);
      const hosts = new Set(rooms.map((x) => x.members.length));
      assert.deepEqual([...hosts], [5], `seed ${seed}: every copy sees 5 members`);
      assert.equal(rooms.filter((x) => x.role === 'host').length, 1, `seed ${seed}: one host`);
      const results = await Promise.all(sent);
      assert.deepEqual(
        results.map((x) => x.n).sort(),
        [1, 2, 3, 4, 5],
        `seed ${seed}: numbered once each`,
      );
      for (const room of rooms)
        assert.deepEqual(
          chatLog(room.state)
            .map((m) => m.text)
            .sort(),
          [0, 1, 2, 3, 4].map((i) => `hello from ${i}`),
          `seed ${seed}: every copy holds every message once`,
        );
    }
  });

  it('a room that is found is joined; two rooms that both acknowledged messages stay apart and say so', async () => {
    const w = world(3, 7);
    const conflicts: string[] = [];
    // Copy 1 cannot see copy 0 yet (another network): each makes its room and sends in it.
    w.dir.hide(w.devices[1]!);
    let a: ChatRoom | null = null;
    let b: ChatRoom | null = null;
    void w.open(0).then((r) => (a = r as ChatRoom));
    await w.run(300);
    void w.open(1).then((r) => (b = r as ChatRoom));
    await w.run(4_000);
    const [ra, rb] = [a as ChatRoom | null, b as ChatRoom | null];
    assert.ok(ra && rb && ra.sessionId !== rb.sessionId, 'two rooms');
    ra.on('conflict', (c) => conflicts.push(`a saw ${c.sessionId}`));
    rb.on('conflict', (c) => conflicts.push(`b saw ${c.sessionId}`));
    const inA = ra.send({ op: 'say', from: 'a', text: 'in a' });
    const inB = rb.send({ op: 'say', from: 'b', text: 'in b' });
    await w.run(500);
    assert.equal((await inA).n, 1);
    assert.equal((await inB).n, 1);
    // They see each other: neither moves (each acknowledged a message), both say so.
    w.dir.show(w.devices[1]!);
    await w.run(3_000);
    assert.notEqual(ra.sessionId, rb.sessionId);
    assert.deepEqual(conflicts, [`b saw ${ra.sessionId}`], 'the later room reports the earlier');
    assert.deepEqual(
      chatLog(ra.state).map((m) => m.text),
      ['in a'],
    );
    assert.deepEqual(
      chatLog(rb.state).map((m) => m.text),
      ['in b'],
    );
    // A third copy finds the earlier room and joins it: it gets its messages.
    let c: ChatRoom | null = null;
    void w.open(2).then((r) => (c = r as ChatRoom));
    await w.run(5_000);
    const rc = c as ChatRoom | null;
    assert.equal(rc?.sessionId, ra.sessionId);
    assert.deepEqual(
      chatLog(rc.state).map((m) => m.text),
      ['in a'],
    );
    assert.equal(ra.members.length, 2);
  });

  it('minHolders: alone, a send waits for another copy to hold it (or fails with alone when asked); every ack says how many hold it', async () => {
    const w = world(3, 11);
    let a: ChatRoom | null = null;
    void w.open(0, { minHolders: 1 }).then((r) => (a = r as ChatRoom));
    await w.run(4_000);
    const ra = a as ChatRoom | null;
    assert.ok(ra?.isOpen, 'a room of one, open');
    const codeOf = (p: Promise<unknown>) =>
      p.then(
        () => 'sent',
        (e: { code?: string }) => e.code,
      );
    const refused = codeOf(
      ra.send({ op: 'say', from: 'a', text: 'now or never' }, { ifAlone: 'fail' }),
    );
    const waiting = ra.sendForReceipt({ op: 'say', from: 'a', text: 'when someone is here' });
    let settled = false;
    void waiting.then(() => (settled = true));
    await w.run(3_000);
    assert.equal(await refused, 'alone');
    assert.equal(settled, false, 'not acknowledged while no other copy holds it');
    void w.open(1, { minHolders: 1 });
    await w.run(5_000);
    const r = await waiting;
    assert.equal(r.value.n, 1);
    assert.equal(r.holders, 2, 'acknowledged once the joiner held it: two copies');
    const next = ra.sendForReceipt({ op: 'say', from: 'a', text: 'again' });
    await w.run(1_000);
    assert.equal((await next).holders, 2);
    // Without minHolders a room of one acknowledges from its own disk — and says one copy.
    const w2 = world(1, 12);
    let solo: ChatRoom | null = null;
    void w2.open(0).then((r) => (solo = r as ChatRoom));
    await w2.run(4_000);
    const s1 = (solo as ChatRoom | null)!.sendForReceipt({ op: 'say', from: 's', text: 'alone' });
    await w2.run(500);
    assert.equal((await s1).holders, 1);
  });
});
