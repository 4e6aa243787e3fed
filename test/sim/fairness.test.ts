import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertSafe, classroom } from './queue-room';

/**
 * Fairness across a failover (#26): the queue's rules and who it helped are in the
 * replicated state, so the new host keeps the cooldown and the "not yet helped first"
 * order after the one that helped the student is gone.
 */
describe('fairness across a failover', () => {
  it('the cooldown and the order survive the host: the new host refuses the early rejoin and calls the student not yet helped first', async () => {
    for (const seed of [81, 82, 83]) {
      const room = await classroom(4, seed);
      await room.ok(3, 'staff.login', { passcode: 'letmein-please' });
      const queueId = (await room.ok(0, 'queue.get')).queues[0]!.queueId;
      await room.ok(0, 'staff.setQueueRules', { queueId, cooldownMin: 5, order: 'fresh' });
      const join = (i: number, name: string) =>
        room.call(i, 'queue.join', { name, topic: 'pointers', location: 'row 2' });
      const ann = await join(1, 'Ann');
      assert.ok(ann.ok);
      await room.ok(0, 'staff.help', { entryId: ann.value.entryId });
      await room.ok(0, 'staff.done', { entryId: ann.value.entryId });
      room.run(1_000);
      room.crash(0);
      room.runUntil(() => room.agreedHost() === 3, 10_000);
      assert.equal(room.agreedHost(), 3, `seed ${seed}: the other TA hosts`);
      const early = await join(1, 'Ann');
      assert.equal(early.ok ? 'ok' : early.error.code, 'cooldown', `seed ${seed}: the new host`);
      room.run(5 * 60_000);
      assert.ok((await join(1, 'Ann')).ok, `seed ${seed}: after 5 minutes`);
      assert.ok((await join(2, 'Ben')).ok);
      const q = await room.ok(3, 'queue.get');
      assert.equal(q.queues[0]!.order, 'fresh');
      const line = q.entries.filter((e) => e.status === 'waiting').map((e) => e.name);
      assert.deepEqual(line, ['Ben', 'Ann'], `seed ${seed}: Ben, not yet helped, first`);
      const next = await room.ok(3, 'staff.helpNext', {});
      assert.equal(
        q.entries.find((e) => e.entryId === next.entryId)?.name,
        'Ben',
        `seed ${seed}: Help next calls Ben`,
      );
      assertSafe(room);
    }
  });
});
