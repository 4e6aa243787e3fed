import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ViewerFacts, queueView } from '../../core/api/views';
import { TA, code, makeQueue } from './queue-fixture';

/** A note on a ticket for staff only (#26): the next TA sees it; the student never does. */
const facts = (me: string, own: string[] = []): ViewerFacts => ({
  me,
  ownEntries: new Set(own),
  isLive: () => true,
  memberName: (id) => (id === TA ? 'Prof. Kim' : id),
  pending: [],
});

describe('staff notes on an entry', () => {
  it('staff write it, staff read it, the student and the rest of the room do not; empty clears it', () => {
    const q = makeQueue();
    q.login(TA);
    const ann = q.join('ann');
    assert.equal(
      code(q.run('ann', { op: 'staffNote', entryId: ann, text: 'I am great' })),
      'not-staff',
    );
    assert.equal(
      code(q.run(TA, { op: 'staffNote', entryId: ann, text: 'tried gdb; line 40' })),
      'ok',
    );
    assert.equal(code(q.run(TA, { op: 'staffNote', entryId: 'nope', text: 'x' })), 'unknown-entry');
    const staff = queueView(q.state, facts(TA)).entries.find((e) => e.entryId === ann)!;
    assert.deepEqual(
      { text: staff.staffNote?.text, from: staff.staffNote?.from },
      { text: 'tried gdb; line 40', from: 'Prof. Kim' },
    );
    const own = queueView(q.state, facts('ann', [ann])).entries.find((e) => e.entryId === ann)!;
    assert.equal(own.staffNote, null, 'the student never sees it');
    assert.equal(own.message, null, 'and it is not a message to them');
    assert.equal(code(q.run(TA, { op: 'staffNote', entryId: ann, text: '' })), 'ok');
    assert.equal(
      queueView(q.state, facts(TA)).entries.find((e) => e.entryId === ann)!.staffNote,
      null,
    );
  });
});
