import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SimCluster } from './cluster';
import { assertHealthy } from './assert-cluster';
import { runRandomFaults } from './random-faults';
import { CLEAN } from './sim-network';

describe('churn', () => {
  it('7 members, 20 rounds of random crash / restart / partition: invariants hold, one host after quiescence', async () => {
    const c = new SimCluster(7, { seed: 21 }).start();
    c.run(3_000);
    runRandomFaults(c, { rounds: 20, roundMs: [1_000, 5_000], commandsPerRound: 3, minRunning: 2 });
    // Quiescence: long enough for failover, merges and one failback.
    assert.notEqual(
      c.runUntil(() => c.agreedHost() !== null && c.converged(), 40_000),
      null,
      c.report(),
    );
    c.run(20_000);
    await assertHealthy(c, 'churn');
  });
});

describe('randomized faults, Jepsen set-full style', () => {
  const seeds = Number(process.env.SIM_SEEDS ?? 200);
  it(`${seeds} seeds of random commands and faults: lost 0, unexpected 0, duplicates 0`, async () => {
    const totals = { acked: 0, submitted: 0 };
    for (let seed = 1; seed <= seeds; seed++) {
      const c = new SimCluster(5, {
        seed: 1000 + seed,
        faults: { ...CLEAN, latencyMs: [1, 15], drop: 0.02, duplicate: 0.02 },
      }).start();
      c.run(2_000);
      runRandomFaults(c, { rounds: 6, roundMs: [500, 3_000], commandsPerRound: 2, minRunning: 1 });
      c.runUntil(() => c.agreedHost() !== null && c.converged(), 40_000);
      c.run(3_000);
      await assertHealthy(c, `seed ${1000 + seed}`);
      totals.acked += c.acked.size;
      totals.submitted += c.submitted.size;
    }
    // The run must exercise acknowledgements, or the check is empty.
    assert.ok(totals.acked > totals.submitted / 3, `acked ${totals.acked} of ${totals.submitted}`);
    console.log(
      `randomized: ${seeds} seeds, ${totals.submitted} commands submitted, ${totals.acked} acked, lost 0`,
    );
  });
});
