import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertSafe, classroom } from './queue-room';

/**
 * Closing on time across a failover (#26): the schedule is in the document, and the host
 * closes the queues when it is due — so a new host does, after the one that took the
 * setting crashed.
 */
describe('closing on time across a failover', () => {
  it('the new host stops sign-ups and closes the queue at the times the old one took; those waiting are taken off', async () => {
    for (const seed of [91, 92, 93]) {
      const room = await classroom(4, seed);
      await room.ok(3, 'staff.login', { passcode: 'letmein-please' });
      const now = room.clock.now();
      await room.ok(0, 'staff.setClosing', {
        signupsEnd: now + 60_000,
        closeAt: now + 120_000,
        atClose: 'remove',
      });
      const ann = await room.ok(1, 'queue.join', { name: 'Ann', topic: 'x', location: 'r1' });
      room.run(1_000);
      room.crash(0);
      room.runUntil(() => room.agreedHost() === 3, 10_000);
      assert.equal(room.agreedHost(), 3, `seed ${seed}: the other TA hosts`);
      room.run(60_000);
      const late = await room.call(2, 'queue.join', { name: 'Ben', topic: 'x', location: 'r2' });
      assert.equal(late.ok ? 'ok' : late.error.code, 'closed', `seed ${seed}: sign-ups ended`);
      room.run(61_000);
      const q = await room.ok(3, 'queue.get');
      assert.equal(q.open, false, `seed ${seed}: closed by the new host`);
      assert.equal(q.closing, null);
      assert.equal(
        q.finished.find((e) => e.entryId === ann.entryId)?.status,
        'removed',
        `seed ${seed}: Ann, still waiting, taken off as chosen`,
      );
      assertSafe(room);
    }
  });
});
