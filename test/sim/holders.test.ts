import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SimCluster } from './cluster';

/**
 * What K means: an ack waits until the host and the next K members in successor order hold
 * the change. K = 1 survives any one failure (the host's included); K = 2 survives the host
 * and its successor failing at once.
 */
/** Loses every race against a promise that has already settled. */
const settledLater = (): Promise<'pending'> => new Promise((r) => setImmediate(() => r('pending')));

describe('holders before an ack (K)', () => {
  for (const k of [1, 2]) {
    it(`K = ${k}: the ack waits for ${k} successor(s), and the change survives the host and ${k - 1} more failing at once`, async () => {
      for (let seed = 1; seed <= 10; seed++) {
        const c = new SimCluster(5, { seed: 700 + seed, config: { k } }).start();
        c.run(3_000);
        // The K-th successor cannot be reached: with it among the holders, no quick ack.
        c.partition([0, 1, 3, 4], [2]);
        const slow = c.submit(3, `k${k}-${seed}-a`);
        c.run(300);
        const early = await Promise.race([slow, settledLater()]);
        assert.equal(early, k === 1 ? true : 'pending', `seed ${seed}: acked in 300 ms iff K = 1`);
        c.heal();
        c.run(3_000);
        assert.equal(await slow, true, `seed ${seed}: acked once the holders have it`);
        const acked = c.submit(3, `k${k}-${seed}-b`);
        c.run(300);
        assert.equal(await Promise.race([acked, settledLater()]), true);
        // The moment it is acked: the host and K - 1 successors go down together.
        for (let i = 0; i < k; i++) c.crash(i);
        assert.notEqual(
          c.runUntil(() => c.agreedHost() !== null && c.converged(), 10_000),
          null,
          c.report(),
        );
        assert.deepEqual(c.setCheck().lost, [], `seed ${seed}: nothing acknowledged is lost`);
      }
    });
  }
});
