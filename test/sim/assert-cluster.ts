import assert from 'node:assert/strict';
import type { SimCluster } from './cluster';

/** The end-of-scenario checks: one host, identical heads, nothing acked lost, nothing extra, no duplicates. */
export async function assertHealthy<S>(c: SimCluster<S>, what = 'cluster'): Promise<void> {
  await c.settle();
  // Members no ack waits on may get the last changes one batch later (fanout.ts).
  c.runUntil(() => c.converged(), 1_000);
  await c.settle();
  const fail = (msg: string): never => assert.fail(`${what}: ${msg}\n${c.report()}`);
  if (c.violations.length) fail('safety violated');
  if (!c.agreedHost())
    fail(
      `no single agreed host (hosts: ${c
        .hosts()
        .map((n) => n.index)
        .join(',')})`,
    );
  if (!c.converged()) fail('replicas did not converge');
  const r = c.setCheck();
  if (r.lost.length || r.unexpected.length || r.duplicates.length) {
    fail(
      `set-full: lost ${r.lost.length}, unexpected ${r.unexpected.length}, duplicates ${r.duplicates.length}`,
    );
  }
}

export function assertSafe<S>(c: SimCluster<S>): void {
  if (c.violations.length) assert.fail(`safety violated\n${c.report()}`);
}
