import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as Automerge from '@automerge/automerge';
import { SimCluster } from './cluster';
import { bytesSentTo, replicaBytes } from '../../core/engine/peer-internals';
import { assertHealthy } from './assert-cluster';

describe('catching up', () => {
  it('a member that missed many changes receives only what it lacks', async () => {
    const c = new SimCluster(3, { seed: 31 }).start();
    c.run(2_000);
    for (let i = 0; i < 300; i++) {
      void c.submit(i % 3, `before-${i}-${'x'.repeat(40)}`);
      c.run(5);
    }
    c.run(2_000);
    c.crash(2);
    c.run(1_000);
    for (let i = 0; i < 30; i++) {
      void c.submit(i % 2, `during-${i}`);
      c.run(5);
    }
    c.run(1_000);
    const host = c.peer(0);
    const n2 = c.peer(2).memberId!;
    const before = bytesSentTo(host, n2);
    c.restart(2);
    c.run(3_000);
    await assertHealthy(c);
    const sent = bytesSentTo(host, n2) - before;
    // A from-scratch sync ships every change; the compacted file is shown for scale.
    const fullSync = Automerge.getAllChanges(host.doc!).reduce((n, ch) => n + ch.byteLength, 0);
    console.log(
      `catch-up: ${sent} bytes sent; full sync ${fullSync} bytes; compacted document ${replicaBytes(host)} bytes`,
    );
    assert.ok(sent < fullSync / 4, `sent ${sent} bytes, a full sync is ${fullSync}`);
  });
});

describe('lossy links', () => {
  it('10 % drop, duplicates and reordering: no false failover over 10 simulated minutes; commands keep being acked', async () => {
    const c = new SimCluster(5, {
      seed: 41,
      faults: { latencyMs: [1, 40], drop: 0.1, duplicate: 0.05 },
    }).start();
    c.run(5_000);
    assert.equal(c.agreedHost()?.index, 0, c.report());
    const mark = c.hostChanges.length;
    const acks: Promise<boolean>[] = [];
    for (let t = 0; t < 600_000; t += 1_000) {
      acks.push(c.submit(c.random.int(5)));
      c.run(1_000);
    }
    c.run(5_000);
    const results = await Promise.all(acks);
    assert.equal(c.hostChanges.length, mark, `false failover\n${c.report()}`);
    assert.equal(results.filter(Boolean).length, results.length, 'every command acked');
    await assertHealthy(c);
  });
});

describe('write load', () => {
  it('the host and its holder write every change at once; the other members batch theirs (fewer fsyncs), and all converge', async () => {
    const c = new SimCluster(5, { seed: 5 }).start();
    c.run(3_000);
    const host = c.agreedHost();
    assert.ok(host, c.report());
    const holderId = host.peer.successors()[1]!;
    const holder = c.nodes[c.indexOf(holderId)]!;
    const other = c.nodes.find((n) => n !== host && n !== holder)!;
    const sender = c.nodes.find((n) => n !== host && n !== holder && n !== other)!;
    const before = c.nodes.map((n) => n.store.writes);
    const acks: Promise<boolean>[] = [];
    for (let i = 0; i < 20; i++) {
      acks.push(c.submit(sender.index));
      c.run(20);
    }
    await c.settleAll(acks, 1_000);
    assert.notEqual(
      c.runUntil(() => c.converged(), 5_000),
      null,
      c.report(),
    );
    assert.deepEqual(await Promise.all(acks), Array(20).fill(true));
    const wrote = c.nodes.map((n, i) => n.store.writes - before[i]!);
    assert.ok(wrote[holder.index]! >= 15, `holder wrote ${wrote[holder.index]} times`);
    assert.ok(
      wrote[other.index]! <= wrote[holder.index]! / 2,
      `a non-holder wrote ${wrote[other.index]} times, the holder ${wrote[holder.index]}`,
    );
    await assertHealthy(c);
  });
});
