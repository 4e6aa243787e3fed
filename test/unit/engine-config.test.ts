import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { engineConfig } from '../../core/session/config';

// One place for the engine's timing (#27): every interval and threshold of the session
// core is an EngineConfig field with its default beside it, and nonsense is refused.

describe('EngineConfig', () => {
  it('the defaults are the intervals the session core ran on before', () => {
    const c = engineConfig();
    assert.deepEqual(
      [c.batchMs, c.lazyMs, c.storageRetryMs, c.snapshotEveryMs, c.ackParkMs, c.hostViewFreshMs],
      [250, 100, 2_000, 2_000, 2_000, 2_000],
    );
    assert.equal(c.maxFruitlessSync, 8);
    assert.equal(c.k, 1);
    assert.equal(c.minHolders, 0);
    assert.equal(c.resendMs, 4 * c.detector.heartbeatMs);
  });

  it('a value out of range is refused, naming the setting', () => {
    for (const [bad, name] of [
      [{ k: -1 }, 'k'],
      [{ minHolders: 1.5 }, 'minHolders'],
      [{ batchMs: Number.NaN }, 'batchMs'],
      [{ resendMs: 0 }, 'resendMs'],
      [{ fanout: 'gossip' }, 'fanout'],
    ] as const)
      assert.throws(
        () => engineConfig(bad as never),
        (e: Error) => e instanceof RangeError && e.message.startsWith(`engine setting ${name}:`),
        name,
      );
    assert.equal(engineConfig({ batchMs: 50 }).batchMs, 50);
  });
});
