import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SimCluster } from './cluster';
import { assertHealthy } from './assert-cluster';

async function settle(c: SimCluster, promises: Promise<unknown>[], maxMs: number): Promise<void> {
  let done = 0;
  for (const p of promises) void p.finally(() => done++);
  for (let t = 0; t < maxMs && done < promises.length; t += 10) {
    c.run(10);
    await new Promise((r) => setImmediate(r));
  }
}

describe('a flooding member', () => {
  it('gets clear rate-limit errors past its burst; the others keep being served, nothing acked is lost', async () => {
    const c = new SimCluster(4, {
      seed: 21,
      config: { commandBurst: 50, commandsPerSecond: 20 },
    }).start();
    c.run(2_000);
    const errors: string[] = [];
    const flood = Array.from({ length: 400 }, (_, i) => {
      const { done } = c.peer(3).submit({ op: 'add', value: `flood-${i}` });
      return done.then((r) => {
        if (r.ok) c.acked.add(`flood-${i}`);
        else errors.push(r.error.code);
      });
    });
    for (let i = 0; i < 400; i++) c.submitted.add(`flood-${i}`);
    const honest = [c.submit(1), c.submit(2), c.submit(1)];
    await settle(c, [...flood, ...honest], 5_000);
    assert.deepEqual(await Promise.all(honest), [true, true, true], c.report());
    const accepted = 400 - errors.length;
    assert.ok(accepted >= 50 && accepted < 400, `accepted ${accepted} of 400`);
    assert.ok(
      errors.every((e) => e === 'rate-limited'),
      errors.join(),
    );
    // After a pause the bucket refills: the same laptop is served again.
    c.run(3_000);
    const later = c.submit(3);
    await settle(c, [later], 2_000);
    assert.equal(await later, true);
    await assertHealthy(c);
  });
});
