import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineConfig } from '../../core/session/config';
import { assertHealthy } from './assert-cluster';
import { SimCluster } from './cluster';

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
    // 40 commands, 19 members: the sync protocol sends ≈ one message per member per change.
    assert.ok(s.sync >= 40 * 15, `sync mode: ${s.sync} sync messages`);
    assert.ok(b.changes >= 40 * 15, `broadcast mode: ${b.changes} broadcasts`);
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
    assert.ok((c.net.byType.get(`${host.device} changes`) ?? 0) >= 4 * 4, 'broadcasts again');
    c.net.byType = null;
    c.runUntil(() => c.converged(), 5_000);
    await assertHealthy(c, 'straggler');
  });

  it('heartbeats: host and electorate to all, the rest to them only; every laptop still shows everyone live', async () => {
    const c = new SimCluster(20, { seed: 63 }).start();
    c.run(6_000);
    const sent0 = c.net.framesSent;
    c.run(10_000);
    const perSecond = (c.net.framesSent - sent0) / 10;
    const mesh = 20 * 19 * 4;
    assert.ok(
      perSecond < mesh / 2,
      `${perSecond.toFixed(0)} frames/s idle (the full mesh is ${mesh})`,
    );
    const host = c.agreedHost()!;
    const order = host.peer.successors();
    assert.equal(order.length, 20);
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
});
