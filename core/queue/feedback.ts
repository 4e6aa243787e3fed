import type { ApplyContext } from '../replication/engine-app';
import { type Result, err, ok } from '../result';
import { steps, findAnywhere } from './entry-writes';
import { type OwnerProof, provesOwner } from './owner-proof';
import { FEEDBACK_WINDOW_MS } from './feedback-rules';
export { FEEDBACK_TEXT_MAX, FEEDBACK_WINDOW_MS } from './feedback-rules';
import type { FeedbackSummary } from '../api/views-types';
import { type QueueState, imm, text } from './types';

/**
 * Feedback after being helped (#26: optional, and no star rating): the student who was
 * helped may say whether it was resolved, partly, or not, with a line of text. Staff see
 * the summary and the comments; a comment carries the student's name only when the student
 * chose to give it. The document keeps each feedback apart from the entry — under the
 * command's own id, with the hour it came in — and notes only *that* the entry got one, so
 * there is no field from a comment to its student (timing in a small room remains a hint:
 * SECURITY.md says so).
 */

export type Outcome = 'resolved' | 'partly' | 'not';
export const OUTCOMES: readonly Outcome[] = ['resolved', 'partly', 'not'];

interface Stored {
  o: Outcome;
  t: string;
  q: string;
  /** The hour it came in (host time, rounded down), not the moment. */
  h: number;
  /** The student's name, only when they chose to give it. */
  n: string | null;
}

export interface FeedbackCmd extends OwnerProof {
  entryId: string;
  outcome: Outcome;
  text: string;
  named: boolean;
}

/** A helped student's feedback on their own entry: once, within the window, never by staff for them. */
export function giveFeedback(
  state: QueueState,
  view: QueueState,
  cmd: FeedbackCmd,
  ctx: ApplyContext,
): Result<unknown> {
  const found = findAnywhere(view, cmd.entryId);
  if (!found) return err('unknown-entry', `no entry ${cmd.entryId}`);
  const e = found.entry;
  // The student's own secret or phone only: a TA cannot speak for a student here.
  const signed = {
    m: 'feedback',
    entryId: cmd.entryId,
    outcome: cmd.outcome,
    text: cmd.text,
    named: cmd.named,
  };
  if (!provesOwner(e.ownerHash, cmd, ctx.commandId, signed))
    return err('not-owner', 'only the student who was helped can give feedback on it');
  const done = steps(e)
    .filter((t) => t.status === 'done')
    .at(-1);
  if (e.status !== 'done' || !done) return err('bad-state', 'feedback is for a visit that is done');
  if (ctx.now - done.at > FEEDBACK_WINDOW_MS)
    return err('bad-state', 'feedback is taken for two hours after a visit');
  if (view.feedbackGiven?.[e.id]) return err('bad-state', 'feedback was already given');
  state.feedbackGiven ??= {};
  state.feedbackGiven[e.id] = true;
  state.feedback ??= {};
  const f: Stored = {
    o: cmd.outcome,
    t: cmd.text,
    q: e.queue,
    h: Math.floor(ctx.now / 3_600_000) * 3_600_000,
    n: cmd.named ? e.name : null,
  };
  state.feedback[ctx.commandId as string] = imm(JSON.stringify(f));
  return ok({});
}

/** What staff see: counts and comments (never an entry id). */
export function feedbackSummary(state: QueueState): FeedbackSummary {
  const out: FeedbackSummary = { resolved: 0, partly: 0, not: 0, comments: [] };
  for (const raw of Object.values(state.feedback ?? {})) {
    let f: Stored;
    try {
      f = JSON.parse(text(raw)) as Stored;
    } catch {
      continue;
    }
    if (!OUTCOMES.includes(f.o)) continue;
    out[f.o]++;
    if (f.t) out.comments.push({ outcome: f.o, text: f.t, name: f.n, hour: f.h });
  }
  out.comments.sort((a, b) => b.hour - a.hour);
  return out;
}
