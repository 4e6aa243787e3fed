import type { ApplyContext } from '../replication/engine-app';
import { type Result, err, ok } from '../result';
import { move } from './entry-writes';
import { activeQueues, liveEntries } from './selectors';
import type { QueueState } from './types';

/**
 * Closing on time (staff, session-wide): sign-ups stop at one time, the queues close at
 * another, and what happens to the students still waiting then is the TA's choice, made
 * in advance: help them all ('keep') or take them off the line ('remove'). Host time
 * decides; the host submits `expire` when the close is due (grace-expiry.ts), as it does
 * for "not found" students, so a new host picks the deadline up from the document.
 */

/** When sign-ups end and the queues close (host times, or null), and what then. */
export type Closing = NonNullable<QueueState['closing']>;

/** How far ahead a closing time may be set. */
export const CLOSING_HORIZON_MS = 24 * 60 * 60_000;

export function closingOf(state: QueueState): Closing | null {
  const c = state.closing;
  if (!c || (c.signupsEnd === null && c.closeAt === null)) return null;
  return { signupsEnd: c.signupsEnd, closeAt: c.closeAt, atClose: c.atClose };
}

/** Set (or clear, with both null) the closing times: in the future, within a day, in order. */
export function setClosing(state: QueueState, c: Closing, now: number): Result<unknown> {
  for (const [what, at] of [
    ['sign-ups end', c.signupsEnd],
    ['closing time', c.closeAt],
  ] as const) {
    if (at === null) continue;
    if (at <= now) return err('validation', `the ${what} has already passed`);
    if (at > now + CLOSING_HORIZON_MS)
      return err('validation', `the ${what} is more than a day ahead`);
  }
  if (c.signupsEnd !== null && c.closeAt !== null && c.signupsEnd > c.closeAt)
    return err('validation', 'sign-ups must end before the queue closes');
  if (c.signupsEnd === null && c.closeAt === null) delete state.closing;
  else state.closing = { signupsEnd: c.signupsEnd, closeAt: c.closeAt, atClose: c.atClose };
  return ok({});
}

/** A join now: refused once sign-ups have ended. */
export function checkSignups(view: QueueState, now: number): Result<true> {
  const c = closingOf(view);
  if (c?.signupsEnd != null && now >= c.signupsEnd)
    return err('closed', 'sign-ups for these office hours have ended');
  return ok(true);
}

/**
 * When the closing time has come (the host's `expire`): every queue closes, the students
 * still waiting are helped or taken off as staff chose, and the schedule is done (a TA
 * who opens again is not closed again). Returns how many were taken off.
 */
export function closeIfDue(state: QueueState, view: QueueState, ctx: ApplyContext): number {
  const c = closingOf(view);
  if (c?.closeAt == null || ctx.now < c.closeAt) return 0;
  for (const q of activeQueues(view))
    if (q.open && state.queues?.[q.id]) state.queues[q.id]!.open = false;
  if (view.open) state.open = false;
  let removed = 0;
  if (c.atClose === 'remove')
    for (const e of liveEntries(view))
      if (e.status === 'waiting') {
        move(state, view, e.id, 'removed', ctx);
        removed++;
      }
  delete state.closing;
  return removed;
}
