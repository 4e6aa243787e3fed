import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { queueView } from '../../core/api/views';
import { FEEDBACK_WINDOW_MS } from '../../core/queue/feedback';
import { text } from '../../core/queue/types';
import { TA, code, makeQueue, viewerFacts } from './queue-fixture';

/**
 * Feedback after a visit (#26): optional, three answers and a line, no stars. Only the
 * helped student gives it, once, within two hours; staff see counts and comments, and a
 * name only where the student chose to give it; the document keeps no field from a
 * comment to its entry.
 */
const facts = viewerFacts;
type Q = ReturnType<typeof makeQueue>;
const visit = (q: Q, who: string) => {
  const id = q.join(who, who, `secret-${who}`);
  q.run(TA, { op: 'help', entryId: id });
  q.run(TA, { op: 'done', entryId: id });
  return id;
};
const say = (
  q: Q,
  who: string,
  entryId: string,
  outcome: string,
  words = '',
  named = false,
  secret: string | undefined = `secret-${who}`,
) => q.run(who, { op: 'feedback', entryId, secret, outcome, text: words, named });

describe('feedback after a visit', () => {
  it('the helped student says how it went, once; staff see counts and comments, a name only where given', () => {
    const q = makeQueue();
    q.login(TA);
    const ann = visit(q, 'ann');
    const ben = visit(q, 'ben');
    const cy = visit(q, 'cy');
    assert.equal(code(say(q, 'ann', ann, 'resolved', 'the gdb tip was great')), 'ok');
    assert.equal(code(say(q, 'ann', ann, 'not')), 'bad-state', 'once');
    assert.equal(code(say(q, 'ben', ben, 'partly', 'ran out of time', true)), 'ok');
    assert.equal(code(say(q, 'cy', cy, 'not')), 'ok');
    const staff = queueView(q.state, facts(TA)).feedback!;
    assert.deepEqual([staff.resolved, staff.partly, staff.not], [1, 1, 1]);
    const byText = new Map(staff.comments.map((c) => [c.text, c.name]));
    assert.equal(byText.get('the gdb tip was great'), null, 'anonymous unless chosen');
    assert.equal(byText.get('ran out of time'), 'ben', 'named when Ben chose to');
    // A student sees no summary; their own done entry says whether it still takes feedback.
    const annView = queueView(q.state, facts('ann', [ann]));
    assert.equal(annView.feedback, null);
    assert.equal(annView.finished.find((e) => e.entryId === ann)?.feedbackOpen, false);
    // Nothing stored with a comment names its entry.
    for (const [key, v] of Object.entries(q.state.feedback!)) {
      const fields = Object.values(JSON.parse(text(v)) as Record<string, unknown>);
      for (const id of [ann, ben, cy]) {
        assert.notEqual(key, id, 'not kept under the entry id');
        assert.ok(!fields.includes(id), 'no entry id beside a comment');
      }
    }
  });

  it('nobody speaks for the student: staff, another student and a wrong secret are refused; so are unfinished visits and late feedback', () => {
    const q = makeQueue();
    q.login(TA);
    const ann = visit(q, 'ann');
    assert.equal(code(say(q, TA, ann, 'resolved', '', false, undefined)), 'not-owner');
    assert.equal(code(say(q, 'eve', ann, 'resolved', '', false, 'guess')), 'not-owner');
    const ben = q.join('ben', 'ben', 'secret-ben');
    assert.equal(code(say(q, 'ben', ben, 'resolved')), 'bad-state', 'still waiting');
    q.advance(FEEDBACK_WINDOW_MS + 1);
    assert.match(JSON.stringify(say(q, 'ann', ann, 'resolved')), /two hours/);
    assert.equal(code(say(q, 'ann', ann, 'stars: 5' as never)), 'validation');
  });
});
