import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { queueView } from '../../core/api/views';
import { REPEAT_WINDOW_MS } from '../../core/queue/fairness';
import { sha256Hex } from '../../core/queue/passcode';
import { TA, code, makeQueue, viewerFacts } from './queue-fixture';

/**
 * Fairness (#26): a cooldown after being helped (per queue, set by staff), and an order
 * that puts students not yet helped first. Both are the queue's rules, applied by the host
 * that orders the command, and replicated with the queue.
 */
const facts = viewerFacts;

type Q = ReturnType<typeof makeQueue>;
const mainId = (q: Q) => Object.keys(q.state.queues!)[0]!;
const join = (q: Q, who: string) =>
  q.run(who, {
    op: 'join',
    name: who,
    topic: 'pointers',
    location: 'row 1',
    ownerHash: sha256Hex(`secret-${who}`),
  });
const entryOf = (q: Q, who: string) =>
  queueView(q.state, facts(TA)).entries.find((e) => e.name === who)!;
/** Call, then Done: `who` was helped. */
const help = (q: Q, who: string) => {
  const id = entryOf(q, who).entryId;
  assert.equal(code(q.run(TA, { op: 'help', entryId: id })), 'ok');
  assert.equal(code(q.run(TA, { op: 'done', entryId: id })), 'ok');
};
const line = (q: Q) =>
  queueView(q.state, facts(TA))
    .entries.filter((e) => e.status === 'waiting')
    .map((e) => `${e.position}:${e.name}`);

describe('fairness: a cooldown after being helped', () => {
  it('a student helped in a queue with a 10-minute cooldown cannot join it again for 10 minutes; other queues and other students are not held', () => {
    const q = makeQueue();
    q.login(TA);
    const rules = q.run(TA, {
      op: 'setQueueRules',
      queueId: mainId(q),
      cooldownMin: 10,
      order: 'arrival',
    });
    assert.equal(code(rules), 'ok');
    const other = (
      q.run(TA, { op: 'createQueue', name: 'Check-offs' }) as { value: { queueId: string } }
    ).value.queueId;
    assert.equal(code(join(q, 'ann')), 'ok');
    help(q, 'ann');
    q.advance(4 * 60_000);
    const refused = join(q, 'ann');
    assert.equal(code(refused), 'cooldown');
    assert.match(JSON.stringify(refused), /join it again in 6 minutes/);
    // Another queue has no cooldown; another student is not held.
    assert.equal(
      code(
        q.run('ann', {
          op: 'join',
          name: 'ann',
          topic: 'check-off',
          location: 'row 1',
          queueId: other,
          ownerHash: sha256Hex('secret-ann'),
        }),
      ),
      'ok',
    );
    assert.equal(
      code(
        q.run('ann', { op: 'withdraw', entryId: entryOf(q, 'ann').entryId, secret: 'secret-ann' }),
      ),
      'ok',
    );
    assert.equal(code(join(q, 'ben')), 'ok');
    q.advance(6 * 60_000);
    assert.equal(code(join(q, 'ann')), 'ok', 'after the cooldown');
  });

  it('only staff set the rules; a cooldown past 4 hours or a made-up order is refused', () => {
    const q = makeQueue();
    q.login(TA);
    const set = (who: string, cooldownMin: number, order: string) =>
      code(q.run(who, { op: 'setQueueRules', queueId: mainId(q), cooldownMin, order }));
    assert.equal(set('ann', 5, 'arrival'), 'not-staff');
    assert.equal(set(TA, 241, 'arrival'), 'validation');
    assert.equal(set(TA, 5, 'vip'), 'validation');
    assert.equal(set(TA, 0, 'fresh'), 'ok');
    const v = queueView(q.state, facts(TA)).queues[0]!;
    assert.deepEqual([v.cooldownMin, v.order], [0, 'fresh']);
  });
});

describe('fairness: students not yet helped first', () => {
  it('a student helped earlier joins again behind everyone not yet helped; Help next calls in that order; the view marks the repeat', () => {
    const q = makeQueue();
    q.login(TA);
    assert.equal(code(join(q, 'ann')), 'ok');
    help(q, 'ann');
    assert.equal(code(join(q, 'ann')), 'ok'); // back with another question
    assert.equal(code(join(q, 'ben')), 'ok');
    assert.equal(code(join(q, 'cy')), 'ok');
    // First come, first served by default: Ann is first.
    assert.deepEqual(line(q), ['1:ann', '2:ben', '3:cy']);
    q.run(TA, { op: 'setQueueRules', queueId: mainId(q), cooldownMin: 0, order: 'fresh' });
    assert.deepEqual(line(q), ['1:ben', '2:cy', '3:ann']);
    assert.equal(entryOf(q, 'ann').repeat, true);
    assert.equal(entryOf(q, 'ben').repeat, false);
    const next = q.run(TA, { op: 'helpNext' }) as { value: { entryId: string } };
    assert.equal(next.value.entryId, entryOf(q, 'ben').entryId, 'Help next calls Ben');
    // Helped more than 12 hours before joining again is a new day: no longer a repeat.
    help(q, 'cy');
    q.advance(REPEAT_WINDOW_MS + 1);
    assert.equal(code(join(q, 'cy')), 'ok');
    assert.equal(entryOf(q, 'cy').repeat, false);
  });
});
