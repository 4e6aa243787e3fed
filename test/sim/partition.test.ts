import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SimCluster } from './cluster';
import { assertHealthy, assertSafe } from './assert-cluster';

describe('partition into halves', () => {
  it('both sides take commands; after heal one host within 5 s, identical heads, nothing lost', async () => {
    const c = new SimCluster(6, { seed: 12 }).start();
    c.run(3_000);
    c.partition([0, 1, 2], [3, 4, 5]);
    c.run(3_000);
    assert.equal(c.hosts().length, 2, 'each half has a host');
    const acks = [c.submit(1), c.submit(2), c.submit(4), c.submit(5), c.submit(0), c.submit(3)];
    c.run(2_000);
    assert.ok((await Promise.all(acks)).every(Boolean), 'both sides ack');
    c.heal();
    const took = c.runUntil(() => c.agreedHost() !== null && c.converged(), 5_000);
    assert.notEqual(took, null, c.report());
    assertSafe(c);
    await assertHealthy(c);
    // Failback then moves hosting to the creator once, after the stability window.
    c.run(20_000);
    assert.equal(c.agreedHost()?.index, 0, c.report());
    await assertHealthy(c);
  });
});

describe('asymmetric partition', () => {
  for (const [hearer, deaf] of [
    [0, 1],
    [1, 0],
  ] as const) {
    it(`n${hearer} hears n${deaf}, n${deaf} does not hear n${hearer}: never two hosts for longer than timeout + 5 s`, async () => {
      const c = new SimCluster(3, { seed: 13 + hearer }).start();
      c.run(3_000);
      c.blockOneWay(hearer, deaf);
      const timeout = c.peer(1).suspectAfterMs(c.peer(0).memberId!);
      let since: number | null = null;
      let longest = 0;
      for (let t = 0; t < 60_000; t += 10) {
        c.run(10);
        if (c.hosts().length > 1) {
          since ??= c.clock.now();
          longest = Math.max(longest, c.clock.now() - since);
        } else since = null;
      }
      assert.ok(longest <= timeout + 5_000, `two hosts for ${longest} ms\n${c.report()}`);
      assertSafe(c);
      c.heal();
      c.run(20_000);
      await assertHealthy(c);
    });
  }
});
