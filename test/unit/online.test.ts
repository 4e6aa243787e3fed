import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ViewerFacts, queueView } from '../../core/api/views';
import { sha256Hex } from '../../core/queue/passcode';
import { TA, code, makeQueue } from './queue-fixture';

/**
 * In person and online in one line (#26): each queue is in person, online or both, each
 * entry says which it is, an online entry carries a meeting link instead of a seat, and a
 * TA's own meeting link reaches the online student they call — and nobody else.
 */
const facts = (me: string, own: string[] = []): ViewerFacts => ({
  me,
  ownEntries: new Set(own),
  isLive: () => true,
  memberName: (id) => (id === TA ? 'Prof. Kim' : id),
  pending: [],
});

const join = (q: ReturnType<typeof makeQueue>, who: string, extra: object) =>
  q.run(who, {
    op: 'join',
    name: who,
    topic: 'pointers',
    location: '',
    ownerHash: sha256Hex(`secret-${who}`),
    ...extra,
  });

describe('online queues', () => {
  it('the queue decides what a join may be: in person, online, or the student’s choice', () => {
    const q = makeQueue();
    q.login(TA);
    const online = q.run(TA, { op: 'createQueue', name: 'Online', mode: 'online' });
    const both = q.run(TA, { op: 'createQueue', name: 'Lab', mode: 'both' });
    const onlineId = (online as { value: { queueId: string } }).value.queueId;
    const bothId = (both as { value: { queueId: string } }).value.queueId;
    const inPerson = q.state.queues
      ? Object.keys(q.state.queues).find((id) => id !== onlineId && id !== bothId)!
      : '';
    // In person: joining online is refused, and so is a meeting link.
    assert.match(
      JSON.stringify(join(q, 'ann', { queueId: inPerson, online: true })),
      /is in person/,
    );
    assert.match(
      JSON.stringify(join(q, 'ann', { queueId: inPerson, meeting: 'https://zoom.example/j/1' })),
      /meeting link is for joining online/,
    );
    // Online: online whether said or not; refused when the student says in person.
    assert.match(JSON.stringify(join(q, 'ann', { queueId: onlineId, online: false })), /is online/);
    assert.equal(
      code(join(q, 'ann', { queueId: onlineId, meeting: 'https://zoom.example/j/ann' })),
      'ok',
    );
    // Both: the student picks.
    assert.equal(
      code(join(q, 'ben', { queueId: bothId, online: false, location: 'table 2' })),
      'ok',
    );
    assert.equal(code(join(q, 'cy', { queueId: bothId, online: true })), 'ok');
    const v = queueView(q.state, facts(TA));
    const by = (n: string) => v.entries.find((e) => e.name === n)!;
    assert.deepEqual([by('ann').online, by('ben').online, by('cy').online], [true, false, true]);
    assert.equal(by('ann').meeting, 'https://zoom.example/j/ann');
    assert.deepEqual(
      v.queues.map((x) => x.mode),
      ['in-person', 'online', 'both'],
    );
  });

  it('junk for a meeting link is refused: only http(s) addresses', () => {
    const q = makeQueue();
    q.login(TA);
    q.run(TA, {
      op: 'setQueueMode',
      queueId: q.state.queues ? Object.keys(q.state.queues)[0]! : 'main',
      mode: 'online',
    });
    for (const bad of ['javascript:alert(1)', 'not a link', `https://x/${'a'.repeat(600)}`])
      assert.equal(code(join(q, 'ann', { meeting: bad })), 'validation', bad);
    assert.equal(code(q.run(TA, { op: 'setMeeting', link: 'javascript:alert(1)' })), 'validation');
  });

  it('a TA’s own link reaches the online student they call — not the other students — and only staff set one', () => {
    const q = makeQueue();
    q.login(TA);
    const main = Object.keys(q.state.queues ?? { main: 1 })[0]!;
    assert.equal(code(q.run(TA, { op: 'setQueueMode', queueId: main, mode: 'both' })), 'ok');
    assert.equal(
      code(q.run('ann', { op: 'setMeeting', link: 'https://evil.example/' })),
      'not-staff',
    );
    assert.equal(code(q.run(TA, { op: 'setMeeting', link: 'https://meet.example.edu/kim' })), 'ok');
    const a = join(q, 'ann', { online: true, meeting: 'https://zoom.example/j/ann' });
    const annId = (a as { value: { entryId: string } }).value.entryId;
    assert.equal(code(join(q, 'ben', { online: false, location: 'table 2' })), 'ok');
    assert.equal(code(q.run(TA, { op: 'help', entryId: annId })), 'ok');
    const ann = queueView(q.state, facts('ann', [annId])).entries.find((e) => e.entryId === annId)!;
    assert.equal(ann.helperMeeting, 'https://meet.example.edu/kim');
    assert.equal(ann.meeting, 'https://zoom.example/j/ann');
    const ben = queueView(q.state, facts('ben')).entries.find((e) => e.entryId === annId)!;
    assert.deepEqual(
      [ben.meeting, ben.helperMeeting],
      [null, null],
      'another student sees no link',
    );
    const staff = queueView(q.state, facts(TA));
    assert.equal(staff.myMeeting, 'https://meet.example.edu/kim');
    assert.equal(
      staff.entries.find((e) => e.entryId === annId)!.meeting,
      'https://zoom.example/j/ann',
    );
    // The student changes the link; an in-person entry cannot take one.
    assert.equal(
      code(
        q.run('ann', {
          op: 'edit',
          entryId: annId,
          secret: 'secret-ann',
          meeting: 'https://zoom.example/j/new',
        }),
      ),
      'ok',
    );
    assert.equal(
      queueView(q.state, facts(TA)).entries.find((e) => e.entryId === annId)!.meeting,
      'https://zoom.example/j/new',
    );
    // Changing the queue's mode leaves those in line as they joined.
    assert.equal(code(q.run(TA, { op: 'setQueueMode', queueId: main, mode: 'in-person' })), 'ok');
    assert.equal(
      queueView(q.state, facts(TA)).entries.find((e) => e.entryId === annId)!.online,
      true,
    );
    assert.equal(code(q.run(TA, { op: 'setMeeting', link: '' })), 'ok');
    assert.equal(queueView(q.state, facts(TA)).myMeeting, null);
  });
});
