import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertSafe, classroom } from './queue-room';

/**
 * Staff laptops come first in the successorship order (#24): a student's laptop hosts only
 * while no staff laptop is live. Laptop 0 creates the session (the TA), laptops 1 and 2 are
 * students who joined early, laptop 3 is a second TA who arrived last. Before the rule, the
 * earliest member id was next — a student's laptop, which then ordered every change.
 */
describe('staff first in the successorship order', () => {
  it('the host TA leaves: the other TA hosts, not the student who joined before them', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const room = await classroom(4, seed);
      await room.ok(3, 'staff.login', { passcode: 'letmein-please' });
      room.run(1_000);
      const before = await room.ok(1, 'status');
      assert.equal(
        before.successors[1],
        before.members[3]!.memberId,
        `seed ${seed}: the TA is next`,
      );
      room.crash(0);
      room.runUntil(() => room.agreedHost() !== null && room.agreedHost() !== 0, 10_000);
      assert.equal(room.agreedHost(), 3, `seed ${seed}: the staff laptop took over`);
      await room.ok(1, 'queue.join', { name: 'Ann', topic: 'recursion', location: 'table 4' });
      assertSafe(room);
    }
  });

  it('a student hosts while no staff laptop is live, and hands hosting to a TA who logs in', async () => {
    const room = await classroom(3, 11);
    // The TA's laptop (0) goes; the earliest student (1) hosts: nobody better is live.
    room.crash(0);
    room.runUntil(() => room.agreedHost() === 1, 10_000);
    assert.equal(room.agreedHost(), 1);
    // A TA logs in on laptop 2: once stable for the window, hosting moves to it.
    await room.ok(2, 'staff.login', { passcode: 'letmein-please' });
    room.runUntil(() => room.agreedHost() === 2, 60_000);
    assert.equal(room.agreedHost(), 2, 'hosting moved to the staff laptop');
    await room.ok(1, 'queue.join', { name: 'Ann', topic: 'recursion', location: 'table 4' });
    assertSafe(room);
  });
});
