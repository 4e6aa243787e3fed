import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { queueView } from '../../core/api/views';
import { sha256Hex } from '../../core/queue/passcode';
import { TA, code, makeQueue, viewerFacts } from './queue-fixture';

/**
 * Closing on time (#26): sign-ups stop at one time, the queues close at another, and the
 * students still waiting are helped or taken off, as the TA chose in advance.
 */
const facts = viewerFacts;
type Q = ReturnType<typeof makeQueue>;
const join = (q: Q, who: string) =>
  q.run(who, {
    op: 'join',
    name: who,
    topic: 'pointers',
    location: 'row 1',
    ownerHash: sha256Hex(`secret-${who}`),
  });
const min = 60_000;

describe('closing on time', () => {
  it('sign-ups end at one time; the queue closes at another and those still waiting are helped (keep)', () => {
    const q = makeQueue();
    q.login(TA);
    const set = q.run(TA, {
      op: 'setClosing',
      signupsEnd: q.now + 10 * min,
      closeAt: q.now + 20 * min,
      atClose: 'keep',
    });
    assert.equal(code(set), 'ok');
    assert.equal(code(join(q, 'ann')), 'ok');
    q.advance(10 * min);
    const late = join(q, 'ben');
    assert.equal(code(late), 'closed');
    assert.match(JSON.stringify(late), /sign-ups for these office hours have ended/);
    // Before the closing time, `expire` changes nothing of the queue.
    q.advance(5 * min);
    q.run(TA, { op: 'expire' });
    assert.equal(queueView(q.state, facts(TA)).open, true);
    q.advance(5 * min);
    assert.deepEqual((q.run(TA, { op: 'expire' }) as { value: unknown }).value, {
      expired: 0,
      closed: 0,
    });
    const v = queueView(q.state, facts(TA));
    assert.equal(v.open, false, 'closed at the time');
    assert.equal(v.closing, null, 'the schedule is done');
    assert.equal(v.entries.find((e) => e.name === 'ann')?.status, 'waiting', 'Ann is still helped');
    // A TA who opens again is not closed again.
    q.run(TA, { op: 'setOpen', open: true });
    q.advance(min);
    q.run(TA, { op: 'expire' });
    assert.equal(queueView(q.state, facts(TA)).open, true);
  });

  it('at close, "remove" takes those still waiting off the line (the ones being helped stay)', () => {
    const q = makeQueue();
    q.login(TA);
    q.run(TA, { op: 'setClosing', signupsEnd: null, closeAt: q.now + min, atClose: 'remove' });
    join(q, 'ann');
    join(q, 'ben');
    q.run(TA, { op: 'helpNext' });
    q.advance(min);
    const r = q.run(TA, { op: 'expire' }) as { value: { closed: number } };
    assert.equal(r.value.closed, 1);
    const v = queueView(q.state, facts(TA));
    assert.equal(v.entries.find((e) => e.name === 'ann')?.status, 'called');
    assert.equal(v.finished.find((e) => e.name === 'ben')?.status, 'removed');
  });

  it('only staff set it; times in the past, more than a day ahead or out of order are refused; both null clears it', () => {
    const q = makeQueue();
    q.login(TA);
    const set = (who: string, signupsEnd: number | null, closeAt: number | null) =>
      q.run(who, { op: 'setClosing', signupsEnd, closeAt, atClose: 'keep' });
    assert.equal(code(set('ann', q.now + min, null)), 'not-staff');
    assert.match(JSON.stringify(set(TA, q.now - 1, null)), /already passed/);
    assert.match(JSON.stringify(set(TA, null, q.now + 25 * 60 * min)), /more than a day/);
    assert.match(JSON.stringify(set(TA, q.now + 2 * min, q.now + min)), /before the queue closes/);
    assert.equal(code(set(TA, q.now + min, q.now + 2 * min)), 'ok');
    assert.notEqual(queueView(q.state, facts(TA)).closing, null);
    assert.equal(code(set(TA, null, null)), 'ok');
    assert.equal(queueView(q.state, facts(TA)).closing, null);
  });
});
