import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SimCluster } from '../../../test/sim/cluster';
import { assertHealthy } from '../../../test/sim/assert-cluster';
import { runRandomFaults } from '../../../test/sim/random-faults';
import { CLEAN } from '../../../test/sim/sim-network';
import { type DiaryState, diaryEntries } from '../diary-app';
import { DIARY_SIM } from '../sim-app';

// The engine's fault scenarios, run against the diary through the same simulated-room
// harness as the queue's set app: any app on the engine gets the same guarantees.

const room = (size: number, seed: number, faults = CLEAN): SimCluster<DiaryState> =>
  new SimCluster<DiaryState>(size, { seed, app: DIARY_SIM, faults }).start();

/** Every running copy shows the same entries in the same order. */
function assertOneOrder(c: SimCluster<DiaryState>): void {
  const orders = c.running().map((n) =>
    diaryEntries(n.peer.doc?.app)
      .map((e) => e.id)
      .join(),
  );
  assert.ok(orders.length > 0);
  for (const o of orders) assert.equal(o, orders[0], 'two copies show different orders');
}

describe('diary on the engine (simulated room)', () => {
  it('writes from every copy get one order on all of them', async () => {
    const c = room(5, 1);
    c.run(3_000);
    const acks = [0, 1, 2, 3, 4, 0, 1, 2, 3, 4].map((i) => c.submit(i));
    await c.settleAll(acks, 3_000);
    assert.deepEqual(await Promise.all(acks), Array(10).fill(true));
    c.runUntil(() => c.converged(), 5_000);
    assertOneOrder(c);
    const numbers = diaryEntries(c.peer(0).doc?.app).map((e) => e.n);
    assert.deepEqual(numbers, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'the host numbers entries 1..n');
    await assertHealthy(c, 'diary');
  });

  it('the host crashes while three copies write: a successor takes over, nothing acked is lost', async () => {
    const c = room(5, 2);
    c.run(3_000);
    const host = c.agreedHost()!;
    const writers = c.nodes.filter((n) => n !== host).slice(0, 3);
    const acks: Promise<boolean>[] = [];
    for (let round = 0; round < 10; round++) {
      for (const w of writers) acks.push(c.submit(w.index));
      if (round === 4) c.crash(host.index);
      c.run(100);
    }
    await c.settleAll(acks, 10_000);
    assert.ok(c.agreedHost() && c.agreedHost() !== host, c.report());
    assert.deepEqual(await Promise.all(acks), Array(30).fill(true), 'every write acknowledged');
    c.runUntil(() => c.converged(), 5_000);
    assertOneOrder(c);
    await assertHealthy(c, 'diary after a host crash');
  });

  it('a copy that was offline catches up when it comes back', async () => {
    const c = room(4, 3);
    c.run(3_000);
    c.crash(3);
    const acks = [0, 1, 2, 0, 1, 2].map((i) => c.submit(i));
    await c.settleAll(acks, 3_000);
    c.restart(3);
    assert.notEqual(
      c.runUntil(() => c.converged(), 10_000),
      null,
      c.report(),
    );
    assert.equal(diaryEntries(c.peer(3).doc?.app).length, 6);
    assertOneOrder(c);
    await assertHealthy(c, 'diary after a rejoin');
  });

  it('a partition heals into one diary, numbering continued after the highest number', async () => {
    const c = room(5, 4);
    c.run(3_000);
    c.partition([0, 1, 2], [3, 4]);
    const acks = [0, 1, 3, 4, 2, 3].map((i) => c.submit(i));
    c.run(5_000);
    c.heal();
    await c.settleAll(acks, 20_000);
    assert.notEqual(
      c.runUntil(() => c.agreedHost() !== null && c.converged(), 40_000),
      null,
      c.report(),
    );
    assertOneOrder(c);
    const state = c.peer(c.agreedHost()!.index).doc?.app;
    const top = Math.max(...diaryEntries(state).map((e) => e.n));
    assert.ok(state!.count >= top, `count ${state!.count} is below the highest number ${top}`);
    await assertHealthy(c, 'diary after a partition');
  });

  it('lossy links (10 % drop, duplicates, reordering): every write is acknowledged once', async () => {
    const c = room(5, 5, { latencyMs: [1, 40], drop: 0.1, duplicate: 0.05 });
    c.run(4_000);
    const acks = Array.from({ length: 20 }, (_, k) => c.submit(k % 5));
    await c.settleAll(acks, 20_000);
    assert.deepEqual(await Promise.all(acks), Array(20).fill(true));
    c.runUntil(() => c.converged(), 10_000);
    assertOneOrder(c);
    await assertHealthy(c, 'diary on lossy links');
  });

  it('an invalid write is refused with a clear error and changes nothing', async () => {
    const c = room(3, 6);
    c.run(3_000);
    const before = c.peer(1).heads().join();
    const r = await (async () => {
      const { done } = c.peer(1).submit({ op: 'write', author: '', text: 'x'.repeat(3_000) });
      let out: Awaited<typeof done> | null = null;
      void done.then((v) => (out = v));
      for (let t = 0; t < 2_000 && !out; t += 10) {
        c.run(10);
        await c.settle();
      }
      return out as Awaited<typeof done> | null;
    })();
    assert.ok(r && !r.ok);
    assert.equal(r.error.code, 'invalid');
    c.run(500);
    assert.equal(diaryEntries(c.peer(1).doc?.app).length, 0);
    assert.equal(c.peer(1).heads().join(), before, 'the refused write changed nothing');
    assert.ok(c.peer(1).isRunning);
  });

  const seeds = Number(process.env.SIM_SEEDS ?? 200) >= 200 ? 40 : 10;
  it(`${seeds} seeds of random writes and faults, Jepsen set-full style: lost 0, unexpected 0, duplicates 0`, async () => {
    let acked = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const c = room(5, 5000 + seed, { ...CLEAN, latencyMs: [1, 15], drop: 0.02, duplicate: 0.02 });
      c.run(2_000);
      runRandomFaults(c, { rounds: 6, roundMs: [500, 3_000], commandsPerRound: 2, minRunning: 1 });
      c.runUntil(() => c.agreedHost() !== null && c.converged(), 40_000);
      c.run(3_000);
      await assertHealthy(c, `diary seed ${5000 + seed}`);
      assertOneOrder(c);
      acked += c.acked.size;
    }
    assert.ok(acked > seeds, `only ${acked} writes acknowledged over ${seeds} seeds`);
  });
});
