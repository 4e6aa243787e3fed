import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineConfig } from '../../core/session/config';
import { assertHealthy } from './assert-cluster';
import { SimCluster } from './cluster';

/** This test drives one laptop past a person's rate to load the fan-out: the host lets it. */
const LOAD_ALLOWANCE = {
  commandBurst: 10_000,
  commandsPerSecond: 10_000,
  roomCommandBurst: 10_000,
  roomCommandsPerSecond: 10_000,
};

// The host's fan-out: in a steady room each new change leaves once per turn, as one
// broadcast frame to every member in step, instead of one sync-protocol exchange per member.

async function load(fanout: EngineConfig['fanout']) {
  const c = new SimCluster(20, { seed: 61, config: { fanout } }).start();
  c.run(4_000);
  const host = c.agreedHost()!;
  c.net.byType = new Map();
  const acks: Promise<boolean>[] = [];
  for (let i = 0; i < 40; i++) {
    acks.push(c.submit(1 + (i % 19)));
    c.run(50);
  }
  await c.settleAll(acks, 5_000);
  assert.deepEqual(await Promise.all(acks), Array(40).fill(true));
  const sent = (type: string) => c.net.byType!.get(`${host.device} ${type}`) ?? 0;
  const out = { sync: sent('sync'), changes: sent('changes'), c };
  c.net.byType = null;
  return out;
}

describe('the host fan-out', () => {
  it('sends each turn of changes as one broadcast to the members in step; sync only for stragglers', async () => {
    const b = await load('broadcast');
    const s = await load('sync');
    // 40 commands 50 ms apart, 19 members: the sync protocol sends ≈ one message per member
    // per change; broadcasts go at once to the holder and the sender, to the rest at most
    // every 250 ms (five commands a frame here).
    assert.ok(s.sync >= 40 * 15, `sync mode: ${s.sync} sync messages`);
    assert.ok(
      b.changes >= 40 * 3 && b.changes <= 40 * 7,
      `broadcast mode: ${b.changes} broadcasts`,
    );
    assert.ok(
      b.sync < s.sync / 10,
      `broadcast mode still sent ${b.sync} sync messages (sync mode ${s.sync})`,
    );
    b.c.runUntil(() => b.c.converged(), 5_000);
    await assertHealthy(b.c, 'broadcast room');
  });

  it('a member that missed broadcasts (cut off for a while) catches up through sync and is in step again', async () => {
    const c = new SimCluster(6, { seed: 62 }).start();
    c.run(3_000);
    const acks: Promise<boolean>[] = [];
    c.partition([0, 1, 2, 3, 4], [5]);
    for (let i = 0; i < 10; i++) {
      acks.push(c.submit(1 + (i % 4)));
      c.run(50);
    }
    c.heal();
    for (let i = 0; i < 10; i++) {
      acks.push(c.submit(1 + (i % 4)));
      c.run(50);
    }
    await c.settleAll(acks, 5_000);
    assert.notEqual(
      c.runUntil(() => c.converged(), 5_000),
      null,
      c.report(),
    );
    c.net.byType = new Map();
    const more = [1, 2, 3, 4].map((i) => c.submit(i));
    await c.settleAll(more, 3_000);
    const host = c.agreedHost()!;
    assert.ok((c.net.byType.get(`${host.device} changes`) ?? 0) >= 4, 'broadcasts again');
    c.net.byType = null;
    c.runUntil(() => c.converged(), 5_000);
    await assertHealthy(c, 'straggler');
  });

  it('heartbeats: host and electorate to all, the rest to them only; every laptop still shows everyone live', async () => {
    const c = new SimCluster(20, { seed: 63 }).start();
    c.run(6_000);
    const sent0 = c.net.framesSent;
    const hb = new Map<string, number>();
    const untap = c.net.tap((from, to, type) => {
      if (type === 'hb') hb.set(`${from} ${to}`, (hb.get(`${from} ${to}`) ?? 0) + 1);
    });
    c.run(10_000);
    untap();
    const perSecond = (c.net.framesSent - sent0) / 10;
    const mesh = 20 * 19 * 4;
    assert.ok(
      perSecond < mesh / 2,
      `${perSecond.toFixed(0)} frames/s idle (the full mesh is ${mesh})`,
    );
    const host = c.agreedHost()!;
    const order = host.peer.successors();
    assert.equal(order.length, 20);
    // 250 ms rounds: the host heartbeats a member far down the order every round, the
    // electorate every other round; that member heartbeats the host alone.
    const [first, far] = [c.nodes[c.indexOf(order[1]!)]!, c.nodes[c.indexOf(order[15]!)]!];
    const count = (a: typeof host, b: typeof host) => hb.get(`${a.device} ${b.device}`) ?? 0;
    const within = (n: number, lo: number, hi: number) => n >= lo && n <= hi;
    assert.ok(within(count(host, far), 38, 42), `host → member: ${count(host, far)} in 10 s`);
    assert.ok(within(count(first, far), 18, 22), `electorate → member: ${count(first, far)}`);
    assert.ok(within(count(first, host), 38, 42), `electorate → host: ${count(first, host)}`);
    assert.equal(count(far, first), 0, 'member → electorate: none while the host is heard');
    for (const n of c.nodes) {
      const ids = c.nodes.map((x) => x.peer.memberId!);
      assert.ok(
        ids.every((id) => n.peer.isLive(id)),
        `laptop ${n.index} shows everyone live`,
      );
      assert.deepEqual(
        n.peer.successors(),
        order,
        `laptop ${n.index} shows the host's successor list`,
      );
    }
    // A member far down the order that leaves is shown gone everywhere within seconds.
    const last = c.nodes[c.indexOf(order[19]!)]!;
    c.crash(last.index);
    c.run(4_000);
    for (const n of c.running())
      assert.ok(!n.peer.isLive(last.peer.memberId!), `laptop ${n.index}`);
    await assertHealthy(c, 'heartbeat fan-in');
  });

  it('after a host change, the new host brings the room up to date with one frame, not a sync exchange per member', async () => {
    const cost = async (fanout: EngineConfig['fanout'], how: 'crash' | 'leave') => {
      const c = new SimCluster(20, { seed: 64, config: { fanout } }).start();
      c.run(4_000);
      const acks = [1, 2, 3].map((i) => c.submit(i));
      await c.settleAll(acks, 3_000);
      c.run(1_000);
      const old = c.agreedHost()!;
      c.net.byType = new Map();
      if (how === 'crash') c.crash(old.index);
      else void c.leave(old.index);
      const t0 = c.clock.now();
      assert.notEqual(
        c.runUntil(() => c.agreedHost() !== null && c.converged(), 5_000),
        null,
        c.report(),
      );
      const ms = c.clock.now() - t0;
      const host = c.agreedHost()!;
      const sent = (type: string) => c.net.byType!.get(`${host.device} ${type}`) ?? 0;
      const all = (type: string) =>
        [...c.net.byType!].filter(([k]) => k.endsWith(` ${type}`)).reduce((a, [, n]) => a + n, 0);
      const out = { sync: all('sync'), hostSync: sent('sync'), changes: sent('changes'), ms };
      c.net.byType = null;
      const after = c.submit(5);
      await c.settleAll([after], 3_000);
      assert.equal(await after, true, 'a command right after the change is acked');
      await assertHealthy(c, `${fanout} ${how}`);
      return out;
    };
    for (const how of ['crash', 'leave'] as const) {
      const b = await cost('broadcast', how);
      const s = await cost('sync', how);
      // 18 members to bring up to date (the new host's and the old host's places aside).
      // Broadcast: one frame to each (the same bytes), no sync exchange. Sync mode: an
      // exchange of at least two messages per member.
      assert.ok(b.sync <= 2, `${how}, broadcast: ${b.sync} sync messages (sync mode ${s.sync})`);
      assert.ok(b.changes >= 18 && b.changes <= 24, `${how}, broadcast: ${b.changes} frames`);
      assert.ok(s.sync >= 2 * 18, `${how}, sync mode: ${s.sync} sync messages`);
      assert.ok(b.ms <= s.ms + 50, `${how}: settled in ${b.ms} ms (sync mode ${s.ms} ms)`);
    }
  });

  it("changes of the old host's that the new host lacks (never acked) still reach it from the members that have them", async () => {
    const c = new SimCluster(8, { seed: 65 }).start();
    c.run(4_000);
    const host = c.agreedHost()!;
    const successor = c.indexOf(host.peer.successors()[1]!);
    // The host's frames to its successor are lost: a command reaches every member but
    // the holder, so it is not acknowledged. Then the host dies.
    c.blockOneWay(host.index, successor);
    const submitter = [...Array(8).keys()].find((i) => i !== host.index && i !== successor)!;
    const stray = c.submit(submitter, 'stray');
    c.run(300);
    const holds = (i: number) => c.app.values(c.peer(i).doc?.app).includes('stray');
    assert.ok(holds(submitter) && !holds(successor), 'the change is on members, not on the holder');
    c.crash(host.index);
    c.heal();
    await c.settleAll([stray], 10_000);
    assert.equal(await stray, true, 'the command is acknowledged after the failover');
    assert.notEqual(
      c.runUntil(() => c.converged(), 5_000),
      null,
      c.report(),
    );
    assert.equal(c.agreedHost()?.index, successor);
    await assertHealthy(c, 'stray changes');
  });

  it('batches for members no ack waits on: under load about four frames a second each; a quiet room sees a change at once', async () => {
    const c = new SimCluster(20, { seed: 66, config: LOAD_ALLOWANCE }).start();
    c.run(4_000);
    const host = c.agreedHost()!;
    const holder = c.indexOf(host.peer.successors()[1]!);
    const bystander = c.running().find((n) => n !== host && n.index !== holder && n.index !== 7)!;
    // Quiet: one command, and every member holds it a few latencies later, the room's
    // frames leaving after the ack (which never queues behind them).
    const order: string[] = [];
    const untap = c.net.tap((from, to, type) => {
      if (from !== host.device) return;
      if (type === 'ack') order.push('ack');
      else if (type === 'changes' && to === bystander.device) order.push('bystander');
    });
    const one = c.submit(7, 'quiet');
    c.run(15);
    untap();
    assert.deepEqual(order, ['ack', 'bystander']);
    for (const n of c.running())
      assert.ok(c.app.values(n.peer.doc?.app).includes('quiet'), `laptop ${n.index} has it`);
    await c.settleAll([one], 1_000);
    c.run(500);
    // Load: 100 commands 10 ms apart from laptop 7.
    let frames = 0;
    const unsubscribe = c.net.tap((from, to, type) => {
      if (from === host.device && to === bystander.device && type === 'changes') frames++;
    });
    const acks: Promise<boolean>[] = [];
    for (let i = 0; i < 100; i++) {
      acks.push(c.submit(7));
      c.run(10);
    }
    await c.settleAll(acks, 3_000);
    unsubscribe();
    assert.deepEqual(await Promise.all(acks), Array(100).fill(true));
    assert.ok(frames >= 3 && frames <= 7, `${frames} frames to a bystander for 100 changes in 1 s`);
    await assertHealthy(c, 'batched room');
  });

  it('a member that is only slow (its reports late by more than the repair window) gets no sync restart, one that lost a frame does', async () => {
    const c = new SimCluster(5, { seed: 71 }).start();
    c.run(3_000);
    const host = c.agreedHost()!;
    const slow = c.running().find((n) => n !== host && n.index === 4)!;
    // Its reports reach the host 600 ms late: past the 500 ms after which a link whose
    // heads differ counts as stalled, but by the next round they are in.
    c.net.slow.set(`${slow.device}>${host.device}`, 600);
    let syncs = 0;
    const untap = c.net.tap((from, to, type) => {
      if (type === 'sync' && ((from === host.device && to === slow.device) || from === slow.device))
        syncs++;
    });
    const acks = [c.submit(1, 'one')];
    c.run(3_000);
    acks.push(c.submit(2, 'two'));
    c.run(3_000);
    untap();
    assert.deepEqual(await Promise.all(acks), [true, true]);
    assert.equal(syncs, 0, 'no sync exchange with a copy that was only slow');
    assert.ok(c.app.values(slow.peer.doc?.app).includes('two'));
    // A frame really lost: the copy is stalled at two rounds in a row, and repaired.
    c.net.slow.clear();
    c.partition(
      [slow.index],
      c
        .running()
        .filter((n) => n !== slow)
        .map((n) => n.index),
    );
    const three = c.submit(1, 'three');
    c.run(100);
    c.heal();
    c.run(2_000);
    assert.ok(await three);
    assert.ok(c.app.values(slow.peer.doc?.app).includes('three'), 'caught up after the loss');
    await assertHealthy(c, 'slow member');
  });

  it('the electorate is the first live members after the host: with the first in line gone, a host crash still elects the next one, once', async () => {
    const c = new SimCluster(20, { seed: 67 }).start();
    c.run(4_000);
    const host = c.agreedHost()!;
    const order = host.peer.successors();
    // The three after the host leave for good, one after the other.
    for (const m of order.slice(1, 4)) {
      await c.leave(c.indexOf(m));
      c.run(1_000);
    }
    assert.equal(c.agreedHost(), host);
    const next = c.indexOf(order[4]!);
    const changes = c.hostChanges.length;
    // Everyone hears the next in line itself: it is in the electorate now.
    for (const n of c.running())
      if (n.index !== next) {
        const ago = n.peer.heardAgoMs(order[4]!);
        assert.ok(ago !== null && ago < 1_000, `laptop ${n.index} heard it ${ago} ms ago`);
      }
    c.crash(host.index); // silent: the detector's path
    assert.notEqual(
      c.runUntil(() => c.agreedHost()?.index === next, 3_000),
      null,
      c.report(),
    );
    c.run(2_000);
    assert.equal(c.agreedHost()?.index, next);
    const moved = c.hostChanges.slice(changes);
    assert.equal(moved.length, 16, `one host change per remaining member: ${moved.length}`);
    await assertHealthy(c, 'electorate after departures');
  });
});
