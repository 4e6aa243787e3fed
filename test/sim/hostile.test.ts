import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SimCluster } from './cluster';
import { assertHealthy } from './assert-cluster';

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
    await c.settleAll([...flood, ...honest], 5_000);
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
    await c.settleAll([later], 2_000);
    assert.equal(await later, true);
    await assertHealthy(c);
  });
});

describe('a member that speaks for others', () => {
  it("forged heartbeats, handovers, leaves and heads in other members' names are dropped; the room keeps its host", async () => {
    const c = new SimCluster(4, { seed: 33 }).start();
    c.run(3_000);
    const host = c.agreedHost();
    assert.ok(host, c.report());
    const epoch = host.peer.epoch;
    const hostId = host.peer.memberId!;
    const mallory = c.nodes[3]!;
    const victim = c.peer(1).memberId!;
    const dropped: string[] = [];
    for (const n of c.nodes)
      n.peer.events.on('dropped', (d) => {
        if (d.code === 'impostor') dropped.push(`n${n.index}`);
      });
    // Mallory is a member in good standing, but writes frames in other members' names.
    const wire = c.net.endpoint(mallory.device);
    const forged = [
      // "The host hands over to Mallory and leaves."
      { type: 'handover', from: hostId, epoch, to: mallory.peer.memberId, leaving: true },
      // "The host, at a later epoch, says Mallory hosts."
      {
        type: 'hb',
        from: hostId,
        epoch: epoch + 10,
        role: 'host',
        hostId: mallory.peer.memberId,
        seq: 1,
        echo: -1,
        hostAgoMs: 0,
        eligible: true,
        heads: [],
      },
      // "Laptop 1 leaves."
      { type: 'leave', from: victim, epoch },
      // "Laptop 1 holds everything" (would release acks early).
      { type: 'have', from: victim, epoch, heads: ['f'.repeat(64)] },
    ];
    for (let round = 0; round < 5; round++) {
      for (const n of c.nodes)
        if (n !== mallory) for (const f of forged) wire.send(n.device, JSON.stringify(f));
      c.run(200);
    }
    c.run(2_000);
    assert.equal(c.agreedHost()?.peer.memberId, hostId, c.report());
    assert.equal(c.agreedHost()?.peer.epoch, epoch);
    assert.ok(c.peer(0).isLive(victim), 'laptop 1 is still counted live');
    assert.ok(dropped.length >= 3 * 4, `dropped: ${dropped.join()}`);
    // And the room works: commands from everyone are acked.
    const done = [c.submit(0), c.submit(1), c.submit(2), c.submit(3)];
    await c.settleAll(done, 3_000);
    assert.deepEqual(await Promise.all(done), [true, true, true, true]);
    await assertHealthy(c);
  });
});
