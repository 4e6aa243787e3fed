import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DOC_KEY } from '../../core/replication/replica';
import { IDENTITY_KEY } from '../../core/session/identity';
import { assertHealthy } from './assert-cluster';
import { SimCluster } from './cluster';

// A disk that fills up, or a file a power cut truncated, on the simulated room: nothing
// acknowledged is lost, nothing unsaved is claimed, and the copy goes on by itself.

const storageEvents = (c: SimCluster, i: number): boolean[] => {
  const seen: boolean[] = [];
  c.peer(i).events.on('storage', (e) => seen.push(e.ok));
  return seen;
};

describe('disk faults (simulated room)', () => {
  it("a holder's disk fills up: acks go on without it (0 lost); when space returns it holds again", async () => {
    const c = new SimCluster(5, { seed: 41 }).start();
    c.run(3_000);
    const host = c.agreedHost()!;
    const holderId = host.peer.successors()[1]!;
    const holder = c.nodes[c.indexOf(holderId)]!;
    const events = storageEvents(c, holder.index);
    const acks: Promise<boolean>[] = [];
    for (let i = 0; i < 5; i++) acks.push(c.submit(i % 5));
    c.run(300);
    holder.store.failWrites = 'ENOSPC';
    for (let i = 0; i < 15; i++) {
      acks.push(c.submit(i % 5));
      c.run(100);
    }
    await c.settleAll(acks, 10_000);
    assert.deepEqual(await Promise.all(acks), Array(20).fill(true), 'every command acked');
    assert.deepEqual(events, [false]);
    assert.ok(!host.peer.successors().includes(holderId), 'the full laptop is no successor');
    assert.ok(holder.peer.isRunning, 'the full laptop keeps running');
    holder.store.failWrites = null;
    c.run(3_000);
    assert.deepEqual(events, [false, true], 'it says when space is back');
    assert.ok(host.peer.successors().includes(holderId), 'and offers to hold again');
    c.runUntil(() => c.converged(), 5_000);
    await assertHealthy(c, 'holder disk full');
    // What it could not write then is on its disk now: it resumes with everything.
    c.restart(holder.index);
    c.runUntil(() => c.converged() && c.agreedHost() !== null, 5_000);
    await assertHealthy(c, 'holder restarted');
  });

  it("the host's disk fills up: it hands hosting to its successor, commands are kept and acked there", async () => {
    const c = new SimCluster(5, { seed: 42 }).start();
    c.run(3_000);
    const host = c.agreedHost()!;
    const events = storageEvents(c, host.index);
    const acks: Promise<boolean>[] = [];
    host.store.failWrites = 'ENOSPC';
    for (let i = 0; i < 20; i++) {
      acks.push(c.submit(i % 5));
      c.run(50);
    }
    await c.settleAll(acks, 10_000);
    assert.deepEqual(await Promise.all(acks), Array(20).fill(true), 'every command acked');
    const next = c.agreedHost();
    assert.ok(next && next !== host, `a successor hosts (${c.report()})`);
    assert.ok(host.peer.isRunning && events[0] === false);
    host.store.failWrites = null;
    c.run(3_000);
    assert.deepEqual(events, [false, true]);
    c.runUntil(() => c.converged(), 5_000);
    await assertHealthy(c, 'host disk full');
  });

  it('a lone host with a full disk refuses with storage-full, keeps the command, and acks it once space returns', async () => {
    const c = new SimCluster(1, { seed: 43 }).start();
    c.run(1_000);
    c.nodes[0]!.store.failWrites = 'ENOSPC';
    const delayed: string[] = [];
    c.peer(0).events.on('delayed', (d) => delayed.push(d.code));
    const ack = c.submit(0);
    let settled = false;
    void ack.then(() => (settled = true));
    await c.settleAll([ack], 3_000);
    assert.equal(settled, false, 'not acknowledged while nothing can be saved');
    assert.ok(delayed.includes('storage-full'), `told why: ${delayed.join()}`);
    assert.equal(c.peer(0).pendingCommands().length, 1, 'kept in the outbox');
    c.nodes[0]!.store.failWrites = null;
    await c.settleAll([ack], 5_000);
    assert.equal(await ack, true);
    assert.equal(c.peer(0).pendingCommands().length, 0);
    await assertHealthy(c, 'lone host');
  });

  it('a document truncated by a power cut is moved aside and the session comes back from the room', async () => {
    const c = new SimCluster(4, { seed: 44 }).start();
    c.run(3_000);
    const acks = [1, 2, 3, 1, 2, 3].map((i) => c.submit(i));
    await c.settleAll(acks, 3_000);
    c.crash(3);
    const node = c.nodes[3]!;
    const doc = node.store.load(DOC_KEY)!;
    node.store.save(DOC_KEY, doc.slice(0, Math.floor(doc.byteLength / 2)));
    c.restart(3);
    assert.equal(node.peer.unreadable[0]?.key, DOC_KEY, 'moved aside, with why');
    assert.ok([...node.store.aside.keys()][0]?.startsWith(`${DOC_KEY}.unreadable-`));
    assert.notEqual(
      c.runUntil(() => c.converged(), 10_000),
      null,
      c.report(),
    );
    assert.equal(c.app.values(node.peer.doc?.app).length, 6, 'everything is back');
    await assertHealthy(c, 'truncated document');
  });

  it('an identity file that is junk is moved aside: the laptop joins again instead of crash-looping', async () => {
    const c = new SimCluster(3, { seed: 45 }).start();
    c.run(3_000);
    const acks = [1, 2].map((i) => c.submit(i));
    await c.settleAll(acks, 3_000);
    c.crash(2);
    c.nodes[2]!.store.save(IDENTITY_KEY, new TextEncoder().encode('{"sessi'));
    c.restart(2);
    assert.equal(c.nodes[2]!.peer.unreadable[0]?.key, IDENTITY_KEY);
    assert.notEqual(
      c.runUntil(() => c.converged() && c.agreedHost() !== null, 10_000),
      null,
      c.report(),
    );
    assert.equal(c.app.values(c.peer(2).doc?.app).length, 2);
    await assertHealthy(c, 'junk identity');
  });
});
