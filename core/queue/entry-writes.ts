import type { ApplyContext } from '../replication/engine-app';
import { entryBrief, entryOf } from './selectors';
import {
  type Entry,
  type EntryStatus,
  type QueueState,
  type Transition,
  ACTIVE_STATUSES,
  imm,
} from './types';
import { archiveForm, readArchived, storeEntry, storeTransition } from './entry-store';

/** The writes every queue command shares: status changes, archiving, restoring. */

/** Finished entries kept in the live list (for staff to see) before the oldest are archived. */
export const KEEP_FINISHED = 50;

export const isActive = (s: EntryStatus): boolean =>
  (ACTIVE_STATUSES as readonly string[]).includes(s);

export interface MoveOptions {
  /** Staff member calling or helping; undefined keeps the current one. */
  helper?: string | null;
  /** New place in line. */
  order?: number;
  /** "Help group": the command that called this student with others. */
  group?: string;
  /** The change undoes a finishing one or restores the entry from history. */
  undo?: boolean;
}

/** Change an entry's status (read from `view`, written to `state`) and record the transition. */
export function move(
  state: QueueState,
  view: QueueState,
  id: string,
  status: EntryStatus,
  ctx: ApplyContext,
  o: MoveOptions = {},
): void {
  // Write only what changes: every write is an Automerge op the document keeps forever.
  const before = entryOf(view, id) ?? entryOf(state, id)!;
  const e = state.entries[id]!;
  e.status = imm(status);
  const helper = status === 'waiting' ? null : o.helper === undefined ? before.helper : o.helper;
  if (helper !== before.helper) e.helper = helper === null ? null : imm(helper);
  if (o.order !== undefined && o.order !== before.order) e.order = o.order;
  if (before.conflict !== null) e.conflict = null;
  if (status !== 'waiting' && before.awaySince !== null) e.awaySince = null;
  if (status !== 'missing' && before.missingSince !== null) e.missingSince = null;
  if (status === 'missing') e.missingSince = ctx.now;
  const group = status === 'waiting' ? null : (o.group ?? before.group);
  if (group !== before.group) e.group = group === null ? null : imm(group);
  const t: Transition = { status, at: ctx.now, by: ctx.sender as string };
  const sameMs = Object.values(before.history).filter((x) => x.at === ctx.now).length;
  if (sameMs > 0) t.tie = sameMs;
  if (o.order !== undefined) t.order = o.order;
  if (o.undo) t.undo = true;
  e.history[ctx.commandId] = storeTransition(t);
}

/** An entry's transitions, oldest first (host time, then `tie`, then command id). */
export function steps(e: Entry): (Transition & { key: string })[] {
  return Object.entries(e.history)
    .map(([key, t]) => ({ key, ...t }))
    .sort((a, b) => a.at - b.at || (a.tie ?? 0) - (b.tie ?? 0) || (a.key < b.key ? -1 : 1));
}

/** A live or archived entry, and the archive shards that hold it. */
export interface Found {
  entry: Entry;
  live: boolean;
  shards: string[];
}

/** Look an entry up in the live list, then in the archive. */
export function findAnywhere(view: QueueState, id: string): Found | null {
  const live = entryOf(view, id);
  const shards = Object.keys(view.archive).filter((k) => view.archive[k]![id] !== undefined);
  if (live) return { entry: live, live: true, shards };
  if (shards.length === 0) return null;
  return { entry: readArchived(view.archive[shards[0]!]![id]!), live: false, shards };
}

/** Bring an archived entry back into the live list (before changing it there). */
export function unarchive(state: QueueState, found: Found): void {
  for (const k of found.shards) delete state.archive[k]![found.entry.id];
  if (!found.live) state.entries[found.entry.id] = storeEntry(found.entry);
}

/** The member's entry in line or being helped, in any queue (other than `except`). */
export function activeEntryOf(
  view: QueueState,
  member: string,
  except?: string,
): Entry | undefined {
  // Read only the two fields it needs from each stored entry: converting all of them
  // (readEntry) made a join cost 20 ms with 5,000 waiting, on the host, per command.
  for (const [id, e] of Object.entries(view.entries)) {
    const b = entryBrief(id, e);
    if (id !== except && b.active && b.member === member) return entryOf(view, id) ?? undefined;
  }
  return undefined;
}

/** Active phone entries that laptop member `by` joined for the phones it carries. */
export function carriedEntries(view: QueueState, by: string): number {
  let n = 0;
  for (const [id, e] of Object.entries(view.entries)) {
    const b = entryBrief(id, e);
    if (b.phone && b.active && b.by === by) n++;
  }
  return n;
}

/**
 * Keep at most KEEP_FINISHED finished entries in the live list; archive the oldest.
 * Judged on `view` (the state before this command), so it may lag by one entry; the
 * entry the command itself changed (`touched`) stays live.
 */
export function trimFinished(
  state: QueueState,
  view: QueueState,
  ctx: ApplyContext,
  touched?: string,
): void {
  // Statuses only, read straight from the stored entries: converting every entry made
  // each command cost the host time in proportion to the line (5,000 waiting: ≈ 5 ms).
  const ids: string[] = [];
  for (const [id, e] of Object.entries(view.entries))
    if (id !== touched && !entryBrief(id, e).active) ids.push(id);
  if (ids.length <= KEEP_FINISHED) return;
  const finished = ids.map((id) => entryOf(view, id)!);
  finished.sort((a, b) => finishedAt(a) - finishedAt(b));
  for (const e of finished.slice(0, finished.length - KEEP_FINISHED)) archiveEntry(state, e, ctx);
}

function finishedAt(e: Entry): number {
  let at = e.createdAt;
  for (const t of Object.values(e.history)) if (t.at > at) at = t.at;
  return at;
}

/** Move a finished entry (as read from the view) into this minute's archive shard. */
export function archiveEntry(state: QueueState, e: Entry, ctx: ApplyContext): void {
  if (!state.entries[e.id]) return;
  const shard = `${ctx.epoch}.${Math.floor(ctx.now / 60_000)}`;
  state.archive[shard] ??= {};
  state.archive[shard][e.id] = archiveForm(e);
  delete state.entries[e.id];
}

/** The order that puts an entry first in `line` (its queue's waiting students). */
export function frontOrder(state: QueueState, view: QueueState, line: Entry[]): number {
  return line.length ? line[0]!.order - 1 : (state.seq = view.seq + 1);
}
