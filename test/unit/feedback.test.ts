import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { queueView } from '../../core/api/views';
import { FEEDBACK_WINDOW_MS } from '../../core/queue/feedback';
import { text } from '../../core/queue/types';
import { sha256Hex } from '../../core/queue/passcode';
import { phoneKey, signedCmd } from '../lan/phone-client';
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

  it("a phone's feedback counts only as its key signed it: the laptop carrying it cannot change it, resend it or speak for another phone", () => {
    const q = makeQueue();
    q.login(TA);
    const pat = 'a1'.repeat(32);
    const eve = 'b2'.repeat(32);
    const id = q.join('laptop', 'Pat', 'unused', { ownerHash: sha256Hex(phoneKey(pat).pub) });
    q.run(TA, { op: 'help', entryId: id });
    q.run(TA, { op: 'done', entryId: id });
    const answer = {
      m: 'feedback',
      entryId: id,
      outcome: 'partly',
      text: 'ran out of time',
      named: true,
    };
    /** What the laptop carrying the phone submits for it (core/phone/gateway.ts). */
    const carried = (seed: string, cid: string, signed: object, sent = signed) => {
      const frame = signedCmd(seed, cid, signed) as { sig: string };
      const { m: _m, ...fields } = sent as typeof answer;
      return {
        op: 'feedback',
        ...fields,
        phoneProof: { key: phoneKey(seed).pub, sig: frame.sig },
        forPhone: true,
      };
    };
    // Another phone's key, or the right one with the answer changed on the way: refused.
    assert.equal(code(q.run('laptop', carried(eve, 'f-1', answer), 'f-1')), 'not-owner');
    const changed = carried(pat, 'f-2', answer, { ...answer, outcome: 'resolved' });
    assert.equal(code(q.run('laptop', changed, 'f-2')), 'not-owner', 'outcome changed');
    const renamed = carried(pat, 'f-3', answer, { ...answer, named: false, text: 'great' });
    assert.equal(code(q.run('laptop', renamed, 'f-3')), 'not-owner', 'text changed');
    // As signed: taken. Its proof under another command id: refused.
    const good = carried(pat, 'f-4', answer);
    assert.equal(code(q.run('laptop', good, 'f-4')), 'ok');
    assert.equal(code(q.run('laptop', good, 'f-5')), 'not-owner', 'replayed under a new id');
    const f = queueView(q.state, facts(TA)).feedback!;
    assert.equal(f.partly, 1);
    assert.deepEqual(
      f.comments.map((c) => [c.text, c.name]),
      [['ran out of time', 'Pat']],
    );
  });
});
