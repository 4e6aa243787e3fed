import type { ApplyContext } from '../replication/engine-app';
import { type Result, err, ok } from '../result';
import {
  type Found,
  activeEntryOf,
  findAnywhere,
  isActive,
  move,
  steps,
  unarchive,
} from './entry-writes';
import { liveQueue } from './queues';
import type { EntryStatus, QueueState } from './types';

/** Undo a finishing action, and restore a finished entry from history. */

import { UNDO_WINDOW_MS } from './commands';
export { UNDO_WINDOW_MS };

/** What Undo takes back: Remove, Done, Not found, and the "can't find" mark itself. */
const UNDOABLE: ReadonlySet<EntryStatus> = new Set(['done', 'removed', 'notfound', 'missing']);

const fail = err;

/**
 * Undo an entry's last Remove, Done or Not found within UNDO_WINDOW_MS: it goes back to
 * the state before (a "not found" student back in line at their old place). A second
 * undo finds nothing finishing to undo and changes nothing.
 */
export function undo(
  state: QueueState,
  view: QueueState,
  id: string,
  ctx: ApplyContext,
): Result<unknown> {
  const found = findAnywhere(view, id);
  if (!found) return fail('unknown-entry', `no entry ${id}`);
  const s = steps(found.entry);
  const last = s[s.length - 1];
  if (!last || last.undo || !UNDOABLE.has(last.status) || found.entry.status !== last.status)
    return fail('nothing-to-undo', `nothing to undo for ${found.entry.name}`);
  if (ctx.now - last.at > UNDO_WINDOW_MS)
    return fail(
      'nothing-to-undo',
      `too late to undo (${UNDO_WINDOW_MS / 1000} s): restore ${found.entry.name} from history instead`,
    );
  const before = s[s.length - 2]?.status ?? 'waiting';
  const to: EntryStatus = before === 'missing' || !isActive(before) ? 'waiting' : before;
  return putBack(state, view, found, to, ctx);
}

/** Put a finished entry back (Undo, Restore); a waiting one goes to its old place. */
export function putBack(
  state: QueueState,
  view: QueueState,
  found: Found,
  to: EntryStatus,
  ctx: ApplyContext,
): Result<unknown> {
  const e = found.entry;
  const q = liveQueue(view, e.queue);
  if (!q.ok) return q;
  const other = activeEntryOf(view, e.member, e.id);
  if (other) return fail('already-queued', `${e.name} is already back in the queue`);
  unarchive(state, found);
  move(state, view, e.id, to, ctx, { undo: true, order: to === 'waiting' ? e.order : undefined });
  return ok({ status: to });
}
