import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SimCluster } from './cluster';
import { assertHealthy } from './assert-cluster';
import { runRandomFaults } from './random-faults';
import { CLEAN } from './sim-network';
import type { SimApp } from './set-app';

/**
 * An app whose host numbers what it adds (the diary, the chat): what the fault scenarios
 * need to read of its state.
 */
export interface NumberedSimApp<S> extends SimApp<S> {
  /** The app's one order: the ids of its items as a copy shows them. */
  order(state: S | undefined): string[];
  /** The items' numbers in that order (the host numbers them 1..n). */
  numbers(state: S | undefined): number[];
  /** The state's counter (after a healed partition, at least the highest number). */
  count(state: S | undefined): number;
  /** A command the app's schema refuses. */
  invalid: unknown;
}

/**
 * The engine's fault scenarios, run against an app through the simulated-room harness of
 * the queue's set app: any app on the engine gets the same guarantees. Used by the diary's
 * and the chat's sim tests (examples/…/test/sim.test.ts).
 */
export function appFaultScenarios<S>(label: string, simApp: NumberedSimApp<S>): void {
  const room = (size: number, seed: number, faults = CLEAN): SimCluster<S> =>
    new SimCluster<S>(size, { seed, app: simApp, faults }).start();

  /** Every running copy shows the same items in the same order. */
  const assertOneOrder = (c: SimCluster<S>): void => {
    const orders = c.running().map((n) => simApp.order(n.peer.doc?.app).join());
    assert.ok(orders.length > 0);
    for (const o of orders) assert.equal(o, orders[0], 'two copies show different orders');
  };

  describe(`${label} on the engine: fault scenarios (simulated room)`, () => {
    it('sends from every copy get one order on all of them', async () => {
      const c = room(5, 1);
      c.run(3_000);
      const acks = [0, 1, 2, 3, 4, 0, 1, 2, 3, 4].map((i) => c.submit(i));
      await c.settleAll(acks, 3_000);
      assert.deepEqual(await Promise.all(acks), Array(10).fill(true));
      c.runUntil(() => c.converged(), 5_000);
      assertOneOrder(c);
      const numbers = simApp.numbers(c.peer(0).doc?.app);
      assert.deepEqual(numbers, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'the host numbers them 1..n');
      await assertHealthy(c, label);
    });

    it('the host crashes while three copies send: a successor takes over, nothing acked is lost', async () => {
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
      assert.deepEqual(await Promise.all(acks), Array(30).fill(true), 'every send acknowledged');
      c.runUntil(() => c.converged(), 5_000);
      assertOneOrder(c);
      await assertHealthy(c, `${label} after a host crash`);
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
      assert.equal(simApp.values(c.peer(3).doc?.app).length, 6);
      assertOneOrder(c);
      await assertHealthy(c, `${label} after a rejoin`);
    });

    it('a partition heals into one order, numbering continued after the highest number', async () => {
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
      const top = Math.max(...simApp.numbers(state));
      const count = simApp.count(state);
      assert.ok(count >= top, `count ${count} is below the highest number ${top}`);
      await assertHealthy(c, `${label} after a partition`);
    });

    it('lossy links (10 % drop, duplicates, reordering): every send is acknowledged once', async () => {
      const c = room(5, 5, { latencyMs: [1, 40], drop: 0.1, duplicate: 0.05 });
      c.run(4_000);
      const acks = Array.from({ length: 20 }, (_, k) => c.submit(k % 5));
      await c.settleAll(acks, 20_000);
      assert.deepEqual(await Promise.all(acks), Array(20).fill(true));
      c.runUntil(() => c.converged(), 10_000);
      assertOneOrder(c);
      await assertHealthy(c, `${label} on lossy links`);
    });

    it('an invalid command is refused with a clear error and changes nothing', async () => {
      const c = room(3, 6);
      c.run(3_000);
      const before = c.peer(1).heads().join();
      const { done } = c.peer(1).submit(simApp.invalid);
      let r: Awaited<typeof done> | null = null;
      void done.then((v) => (r = v));
      for (let t = 0; t < 2_000 && !r; t += 10) {
        c.run(10);
        await c.settle();
      }
      const refused = r as Awaited<typeof done> | null;
      assert.ok(refused && !refused.ok);
      assert.equal(refused.error.code, 'invalid');
      c.run(500);
      assert.equal(simApp.values(c.peer(1).doc?.app).length, 0);
      assert.equal(c.peer(1).heads().join(), before, 'the refused command changed nothing');
      assert.ok(c.peer(1).isRunning);
    });

    const seeds = Number(process.env.SIM_SEEDS ?? 200) >= 200 ? 40 : 10;
    it(`${seeds} seeds of random sends and faults, Jepsen set-full style: lost 0, unexpected 0, duplicates 0`, async () => {
      let acked = 0;
      for (let seed = 1; seed <= seeds; seed++) {
        const faults = {
          ...CLEAN,
          latencyMs: [1, 15] as [number, number],
          drop: 0.02,
          duplicate: 0.02,
        };
        const c = room(5, 5000 + seed, faults);
        c.run(2_000);
        runRandomFaults(c, {
          rounds: 6,
          roundMs: [500, 3_000],
          commandsPerRound: 2,
          minRunning: 1,
        });
        c.runUntil(() => c.agreedHost() !== null && c.converged(), 40_000);
        c.run(3_000);
        await assertHealthy(c, `${label} seed ${5000 + seed}`);
        assertOneOrder(c);
        acked += c.acked.size;
      }
      assert.ok(acked > seeds, `only ${acked} commands acknowledged over ${seeds} seeds`);
    });
  });
}
