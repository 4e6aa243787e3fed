import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Events } from '../../core/api/contract';
import { DEFAULT_SETTINGS } from '../../core/queue/selectors';
import { QueueRoom, assertSafe, classroom } from './queue-room';

/** The queue workflows through the App API on a simulated room, with the host failing. */

describe('workflows across a failover', () => {
  it('the host dies between "can\'t find" and the grace expiry: the next host expires it on time', async () => {
    for (let seed = 1; seed <= 5; seed++) {
      const room = await classroom(4, 300 + seed);
      const alerts: Events['cantFind'][] = [];
      room.laptops[2]!.service.events.on('cantFind', (c) => alerts.push(c));
      const { entryId } = await room.ok(2, 'queue.join', { name: 'Ann', topic: '', location: '' });
      await room.ok(3, 'queue.join', { name: 'Ben', topic: '', location: '' });
      await room.ok(0, 'staff.helpNext');
      await room.ok(0, 'staff.cantFind', { entryId });
      const marked = room.clock.now();
      room.run(300); // within a fan-out batch (fanout.ts)
      assert.equal(alerts.length, 1, `seed ${seed}: the student's copy is alerted`);
      assert.ok(Math.abs(alerts[0]!.graceEndsAt - (marked + DEFAULT_SETTINGS.graceMs)) < 100);
      // The host crashes a random while into the grace period.
      room.run(room.random.int(DEFAULT_SETTINGS.graceMs - 10_000));
      room.crash(0);
      assert.ok(room.runUntil(() => room.agreedHost() !== null, 5_000) !== null, 'a new host');
      const before = await room.ok(3, 'queue.get');
      assert.equal(before.entries.find((e) => e.entryId === entryId)?.status, 'missing');
      const endsAt = marked + DEFAULT_SETTINGS.graceMs;
      room.runUntil(() => room.clock.now() >= endsAt - 200, DEFAULT_SETTINGS.graceMs);
      const still = await room.ok(2, 'queue.get');
      assert.equal(
        still.entries.find((e) => e.entryId === entryId)?.status,
        'missing',
        'not early',
      );
      room.run(2_000);
      for (const i of room.running()) {
        const h = await room.ok(i, 'queue.history');
        const ann = h.find((e) => e.entryId === entryId);
        assert.equal(ann?.status, 'notfound', `seed ${seed}, laptop ${i}: expired by the new host`);
        assert.ok(
          ann!.finishedAt! - endsAt < 1_500,
          `seed ${seed}: on time (${ann!.finishedAt! - endsAt} ms late)`,
        );
      }
      assertSafe(room);
    }
  });

  it('"I\'m here" after a failover puts the student back at the front', async () => {
    const room = await classroom(4, 41);
    const { entryId } = await room.ok(2, 'queue.join', { name: 'Ann', topic: '', location: '' });
    await room.ok(3, 'queue.join', { name: 'Ben', topic: '', location: '' });
    await room.ok(0, 'staff.helpNext');
    await room.ok(0, 'staff.cantFind', { entryId });
    room.crash(0);
    assert.ok(room.runUntil(() => room.agreedHost() !== null, 5_000) !== null);
    const wrong = await room.call(3, 'queue.here', { entryId });
    assert.equal(!wrong.ok && wrong.error.code, 'not-owner', 'only the owner');
    await room.ok(2, 'queue.here', { entryId });
    const q = await room.ok(2, 'queue.get');
    assert.equal(q.myPosition, 1);
    assert.equal(q.entries.find((e) => e.entryId === entryId)?.flag, 'Back after "not found"');
    room.run(DEFAULT_SETTINGS.graceMs + 5_000);
    const later = await room.ok(2, 'queue.get');
    assert.equal(later.myPosition, 1, 'no expiry once back');
    assertSafe(room);
  });

  it('two TAs undo the same Remove at once, with the host failing around it: one wins, nothing doubles (10 seeds)', async () => {
    for (let seed = 1; seed <= 10; seed++) {
      const room = await classroom(6, 500 + seed);
      await room.ok(1, 'staff.login', { passcode: 'letmein-please' });
      await room.ok(2, 'staff.login', { passcode: 'letmein-please' });
      const ids: string[] = [];
      for (let s = 3; s < 6; s++)
        ids.push(
          (await room.ok(s, 'queue.join', { name: `s${s}`, topic: '', location: '' })).entryId,
        );
      await room.ok(1, 'staff.remove', { entryId: ids[1] });
      const a = room.laptops[1]!.service.call('staff.undo', { entryId: ids[1] });
      const b = room.laptops[2]!.service.call('staff.undo', { entryId: ids[1] });
      room.run(room.random.int(30));
      if (seed % 2 === 0) room.crash(0);
      const [ra, rb] = await Promise.all([room.drive(a, 30_000), room.drive(b, 30_000)]);
      const oks = [ra, rb].filter((r) => r.ok).length;
      const codes = [ra, rb].map((r) => (r.ok ? 'ok' : r.error.code)).sort();
      assert.equal(oks, 1, `seed ${seed}: exactly one undo wins (${codes})`);
      assert.deepEqual(codes, ['nothing-to-undo', 'ok']);
      room.runUntil(() => room.agreedHost() !== null && room.converged(), 10_000);
      const q = await room.ok(3, 'queue.get');
      assert.deepEqual(
        q.entries.filter((e) => e.status === 'waiting').map((e) => e.entryId),
        ids,
        `seed ${seed}: back at the old place, once`,
      );
      assertSafe(room);
    }
  });

  it('staff on duty follows live laptops: a TA whose laptop is gone stops counting', async () => {
    const room = await classroom(4, 61);
    await room.ok(1, 'staff.login', { passcode: 'letmein-please' });
    const s = await room.ok(3, 'status');
    assert.equal(s.staffOnDuty.count, 2, 'the creating TA and laptop 1');
    await room.ok(3, 'queue.join', { name: 'Cat', topic: '', location: '' });
    const before = (await room.ok(3, 'queue.get')).myEstimate!;
    room.crash(1);
    room.run(5_000);
    const after = await room.ok(3, 'status');
    assert.equal(after.staffOnDuty.count, 1);
    assert.equal((await room.ok(3, 'queue.get')).staffOnDuty.count, 1);
    const est = (await room.ok(3, 'queue.get')).myEstimate!;
    assert.equal(est.highMs, before.highMs * 2, 'the estimate divides by staff on duty');
    assertSafe(room);
  });

  it('one name per person: the members list, the host change and staff on duty use the name the queue shows', async () => {
    // Each laptop starts as "laptop i" (the app's "Kim's laptop"); its person says who they are.
    const room = new QueueRoom(3, 71);
    await room.ok(0, 'profile.setName', { name: 'Prof. Kim' });
    await room.ok(1, 'profile.setName', { name: 'Ana' });
    const { sessionId } = await room.ok(0, 'session.create', {
      name: 'CPSC 416 office hours',
      staffPasscode: 'letmein-please',
    });
    await room.ok(1, 'session.join', { sessionId });
    await room.ok(2, 'session.join', { sessionId });
    room.run(2_000);
    // Laptop 2 gives a name only at its staff login: from then on it is that name everywhere.
    await room.ok(2, 'profile.setName', { name: 'Ben (TA)' });
    await room.ok(2, 'staff.login', { passcode: 'letmein-please' });
    room.run(1_000);
    for (const i of [0, 1, 2]) {
      const s = await room.ok(i, 'status');
      assert.deepEqual(
        s.members.map((m) => m.name),
        ['Prof. Kim', 'Ana', 'Ben (TA)'],
        `laptop ${i}`,
      );
      assert.deepEqual(s.staffOnDuty.names.sort(), ['Ben (TA)', 'Prof. Kim']);
    }
    const moved: Events['hostChanged'][] = [];
    room.laptops[2]!.service.events.on('hostChanged', (c) => moved.push(c));
    room.crash(0);
    assert.ok(room.runUntil(() => room.agreedHost() !== null, 5_000) !== null, 'a new host');
    assert.equal(room.agreedHost(), 2, 'staff host first');
    assert.equal(moved.at(-1)?.fromName, 'Prof. Kim');
    assert.equal(moved.at(-1)?.toName, 'Ben (TA)');
    assertSafe(room);
  });
});
