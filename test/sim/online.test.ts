import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertSafe, classroom } from './queue-room';

/**
 * Online queues across a failover (#26): the queue's mode, an online entry with its link,
 * and a TA's own meeting link are in the replicated state, so a new host keeps them and the
 * online student called after the failover gets the calling TA's link.
 */
describe('online queues across a failover', () => {
  it('the mode, the online entry and each TA’s link survive the host; the next call carries the link', async () => {
    for (const seed of [71, 72, 73]) {
      const room = await classroom(4, seed);
      await room.ok(3, 'staff.login', { passcode: 'letmein-please' });
      const q0 = await room.ok(0, 'queue.get');
      await room.ok(0, 'staff.setQueueMode', { queueId: q0.queues[0]!.queueId, mode: 'both' });
      await room.ok(3, 'staff.setMeeting', { link: 'https://meet.example.edu/bo' });
      const { entryId } = await room.ok(1, 'queue.join', {
        name: 'Ann',
        topic: 'pointers',
        location: '',
        online: true,
      });
      room.crash(0);
      room.runUntil(() => room.agreedHost() === 3, 10_000);
      assert.equal(room.agreedHost(), 3, `seed ${seed}: the other TA hosts`);
      const after = await room.ok(3, 'queue.get');
      assert.equal(after.queues[0]!.mode, 'both', `seed ${seed}: the mode survived`);
      assert.equal(after.myMeeting, 'https://meet.example.edu/bo');
      await room.ok(3, 'staff.help', { entryId });
      room.run(1_000);
      const ann = (await room.ok(1, 'queue.get')).entries.find((e) => e.entryId === entryId)!;
      assert.equal(ann.online, true);
      assert.equal(ann.status, 'called');
      assert.equal(ann.helperMeeting, 'https://meet.example.edu/bo', `seed ${seed}: the link`);
      const ben = (await room.ok(2, 'queue.get')).entries.find((e) => e.entryId === entryId)!;
      assert.equal(ben.helperMeeting, null, 'another student never gets it');
      assertSafe(room);
    }
  });
});
