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

describe('a student laptop that hosts while a TA logs in', () => {
  it('sees the login and can do nothing with it: replayed in every form, it makes nobody staff', async () => {
    const room = await classroom(3, 21);
    // The TA's laptop goes: the earliest student (laptop 1) hosts, and records every frame.
    room.crash(0);
    room.runUntil(() => room.agreedHost() === 1, 10_000);
    const seen: string[] = [];
    const untap = room.net.tap((_from, to, type, frame) => {
      if (to === room.laptops[1]!.device && type === 'cmd') seen.push(frame);
    });
    await room.ok(2, 'staff.login', { passcode: 'letmein-please' });
    untap();
    const login = seen
      .map((f) => JSON.parse(f) as { id: string; body: { op: string; proof?: string } })
      .find((m) => m.body.op === 'login');
    assert.ok(login, 'the host saw the login command');
    const host = room.peer(1)!;
    const me = host.memberId!;
    const attempts: [string, unknown, string | undefined][] = [
      ['as sent, under a new id', login.body, undefined],
      ['as sent, under its own id', login.body, login.id],
      ['under its own name', { ...login.body, name: 'laptop 1' }, undefined],
    ];
    for (const [what, body, id] of attempts) {
      const { done } = host.submit(body, id as never);
      await room.drive(done);
      room.run(500);
      const st = await room.ok(1, 'status');
      assert.equal(st.isStaff, false, `${what}: the student's laptop became staff`);
      const q = host.doc!.app;
      assert.equal(q.staff[me], undefined, `${what}: a staff record for the student`);
    }
    assert.ok(host.doc!.app.staff[room.peer(2)!.memberId!], 'the TA is staff');
    assertSafe(room);
  });
});
