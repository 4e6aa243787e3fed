import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QueueRoom, assertSafe, classroom } from './queue-room';

describe('the queue through the App API on a simulated room', () => {
  it('status, sessions, join and queue.get work end to end', async () => {
    const room = await classroom(3);
    const sessions = await room.ok(2, 'sessions.list');
    assert.equal(sessions.length, 1);
    assert.equal(sessions[0]!.name, 'CPSC 416 office hours');
    assert.equal(sessions[0]!.memberCount, 3);
    const st = await room.ok(1, 'status');
    assert.equal(st.role, 'member');
    assert.equal(st.members.length, 3);
    assert.deepEqual(st.successors[0], st.hostId);
    assert.equal(st.successors.length, 3);
    const { entryId } = await room.ok(1, 'queue.join', {
      name: 'Ann',
      topic: 'recursion',
      location: 'table 4',
    });
    const q = await room.ok(2, 'queue.get');
    assert.equal(q.entries.length, 1);
    assert.equal(q.entries[0]!.entryId, entryId);
    assert.equal(q.entries[0]!.mine, false);
    const mine = await room.ok(1, 'queue.get');
    assert.equal(mine.myEntryId, entryId);
    assert.equal(mine.myPosition, 1);
    assert.ok(mine.myEstimate && mine.myEstimate.samples === 0);
    const wrong = await room.call(2, 'staff.login', { passcode: 'nope' });
    assert.equal(!wrong.ok && wrong.error.code, 'wrong-passcode');
    const bad = await room.call(2, 'queue.join', { name: '' });
    assert.equal(!bad.ok && bad.error.code, 'validation');
    const staffOnly = await room.call(2, 'staff.helpNext');
    assert.equal(!staffOnly.ok && staffOnly.error.code, 'not-staff');
    const helped = await room.ok(0, 'staff.helpNext');
    assert.equal(helped.entryId, entryId);
    const empty = await room.call(0, 'staff.helpNext');
    assert.equal(!empty.ok && empty.error.code, 'queue-empty');
    await room.ok(0, 'staff.done', { entryId });
    const csv = await room.ok(1, 'queue.exportCsv');
    assert.ok(csv.csv.includes('Ann'));
    assertSafe(room);
  });

  it('a whole room replays from its seed: same session id, same document, byte for byte', async () => {
    const run = async (seed: number) => {
      const room = await classroom(3, seed);
      await room.ok(1, 'queue.join', { name: 'Ann', topic: 'recursion', location: 'table 4' });
      await room.ok(0, 'staff.helpNext');
      room.crash(0);
      room.runUntil(() => room.agreedHost() !== null, 5_000);
      await room.ok(2, 'queue.join', { name: 'Ben', topic: '', location: '' });
      room.run(2_000);
      const p = room.peer(1)!;
      return { sessionId: p.sessionId, heads: p.heads().join() };
    };
    const a = await run(7);
    const b = await run(7);
    assert.equal(a.sessionId, b.sessionId);
    assert.equal(a.heads, b.heads, 'the same seed gives the same document');
    assert.notEqual((await run(8)).heads, a.heads, 'another seed, another run');
  });

  it('an acked queue.join survives the host crash', async () => {
    const room = await classroom(4, 2);
    const { entryId } = await room.ok(2, 'queue.join', { name: 'Ben', topic: '', location: '' });
    room.crash(0);
    assert.ok(room.runUntil(() => room.agreedHost() !== null, 5_000) !== null, 'a new host');
    await room.ok(1, 'staff.login', { passcode: 'letmein-please' });
    const next = await room.ok(1, 'staff.helpNext');
    assert.equal(next.entryId, entryId);
    room.run(300); // bystanders get it with the next fan-out batch
    for (const i of room.running()) {
      const q = await room.ok(i, 'queue.get');
      assert.equal(q.entries.find((e) => e.entryId === entryId)?.status, 'called');
    }
    assertSafe(room);
  });

  it('staff.helpNext never hands one student to two staff across a failover (20 seeds)', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const room = await classroom(7, 100 + seed);
      await room.ok(1, 'staff.login', { passcode: 'letmein-please' });
      await room.ok(2, 'staff.login', { passcode: 'letmein-please' });
      for (let s = 3; s < 7; s++)
        await room.ok(s, 'queue.join', { name: `s${s}`, topic: '', location: '' });
      // Both staff ask at once; the host dies at a random moment around it.
      const a = room.laptops[1]!.service.call('staff.helpNext');
      const b = room.laptops[2]!.service.call('staff.helpNext');
      room.run(room.random.int(30));
      room.crash(0);
      const [ra, rb] = await Promise.all([room.drive(a, 30_000), room.drive(b, 30_000)]);
      assert.ok(ra.ok && rb.ok, `seed ${room.seed}: ${JSON.stringify([ra, rb])}`);
      assert.notEqual(ra.value.entryId, rb.value.entryId, `seed ${room.seed}: same student twice`);
      room.runUntil(() => room.agreedHost() !== null && room.converged(), 10_000);
      const q = await room.ok(3, 'queue.get');
      const called = q.entries.filter((e) => e.status === 'called');
      assert.deepEqual(
        called.map((e) => e.entryId).sort(),
        [ra.value.entryId, rb.value.entryId].sort(),
        `seed ${room.seed}: exactly the two handed out are called`,
      );
      assertSafe(room);
    }
  });

  it('a healed partition where two staff called the same student resolves it deterministically and shows it', async () => {
    const room = await classroom(5, 7);
    await room.ok(0, 'staff.login', { passcode: 'letmein-please' });
    await room.ok(4, 'staff.login', { passcode: 'letmein-please' });
    const { entryId } = await room.ok(2, 'queue.join', { name: 'Cat', topic: '', location: '' });
    await room.ok(3, 'queue.join', { name: 'Dan', topic: '', location: '' });
    room.partition([0, 1, 2], [3, 4]);
    assert.ok(
      room.runUntil(() => room.peer(3)!.role === 'host' || room.peer(4)!.role === 'host', 5_000) !==
        null,
      'the minority side elects its own host',
    );
    const a = await room.ok(0, 'staff.helpNext');
    room.run(500);
    const b = await room.ok(4, 'staff.helpNext');
    assert.equal(a.entryId, entryId);
    assert.equal(b.entryId, entryId, 'both sides called the same first student');
    room.heal();
    assert.ok(room.runUntil(() => room.agreedHost() !== null && room.converged(), 15_000) !== null);
    const views = await Promise.all(room.running().map((i) => room.ok(i, 'queue.get')));
    const cats = views.map((v) => v.entries.find((e) => e.entryId === entryId));
    for (const c of cats) {
      assert.equal(c?.status, 'called');
      assert.equal(c?.helper, 'laptop 0', 'the earlier call (laptop 0) keeps the student');
      assert.match(c?.conflict ?? '', /while the network was split/);
    }
    assertSafe(room);
  });

  it('a join refused for a session nobody hosts gives a clear error', async () => {
    const room = await classroom(2);
    const r = await room.call(1, 'session.join', { sessionId: 'no-such-session' });
    assert.equal(!r.ok && r.error.code, 'in-session');
    const fresh = new QueueRoom(1);
    const r2 = await fresh.call(0, 'session.join', { sessionId: 'no-such-session' });
    assert.equal(!r2.ok && r2.error.code, 'unknown-session');
  });
});
