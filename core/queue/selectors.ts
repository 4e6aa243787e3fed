import { type Fairness, fairnessOf, isRepeat } from './fairness';
import {
  type Entry,
  type EntryStatus,
  type QueueMode,
  type QueueSettings,
  type QueueState,
  ACTIVE_STATUSES,
  MAIN_QUEUE,
  text,
} from './types';
import {
  type StoredEntry,
  readArchived,
  readEntry,
  storedMember,
  transitionBy,
} from './entry-store';

/** Pure reads of the queue state, shared by every copy (host or not). */

const byOrder = (a: Entry, b: Entry): number => a.order - b.order || (a.id < b.id ? -1 : 1);

/** Entries in the live list (active and recently finished), as plain objects. */
export function liveEntries(state: QueueState): Entry[] {
  return Object.values(state.entries).map(readOnce);
}

/**
 * Each stored entry of a document view read once: Automerge never changes a view's objects
 * in place and keeps the objects of unchanged entries from one version to the next, so a
 * view of a long line (5,000 waiting) converts only what changed since the last read, not
 * every entry on every read. A draft being changed, or a plain object (tests), is read
 * afresh. The result is frozen: it is shared.
 */
const readCache = new WeakMap<StoredEntry, Entry>();
const isDocView = (o: object): boolean =>
  Object.getOwnPropertySymbols(o).some((s) => s.description === '_am_objectId');
/** An entry's member and whether it is active, read once per document-view object. */
const brief = new WeakMap<
  StoredEntry,
  { member: string; active: boolean; phone: boolean; by: string }
>();
export function entryBrief(
  id: string,
  e: StoredEntry,
): { member: string; active: boolean; phone: boolean; by: string } {
  const cached = brief.get(e);
  if (cached) return cached;
  const member = storedMember(e);
  const first = e.history?.[id];
  const b = {
    member,
    active: (ACTIVE_STATUSES as readonly string[]).includes(text(e.status)),
    phone: member.startsWith('phone:'),
    by: first ? transitionBy(first) : '',
  };
  if (isDocView(e)) brief.set(e, b);
  return b;
}

function readOnce(e: StoredEntry): Entry {
  if (!isDocView(e)) return readEntry(e);
  let r = readCache.get(e);
  if (!r) {
    r = readEntry(e);
    Object.freeze(r.history);
    readCache.set(e, Object.freeze(r));
  }
  return r;
}

/** One live entry as a plain object, or null. */
export function entryOf(state: QueueState, id: string): Entry | null {
  const e = state.entries[id];
  return e ? readOnce(e) : null;
}

/** One queue of the session, as plain values. */
export interface QueueInfo {
  id: string;
  name: string;
  open: boolean;
  tags: string[];
  archived: boolean;
  createdAt: number;
  rank: number;
  mode: QueueMode;
  fairness: Fairness;
}

/** The name of the queue a session has before anyone makes a second one. */
export const MAIN_QUEUE_NAME = 'General';

/** Every queue of the session (archived ones too), in display order. */
export function queuesOf(state: QueueState): QueueInfo[] {
  if (!state.queues)
    return [
      {
        id: MAIN_QUEUE,
        name: MAIN_QUEUE_NAME,
        open: state.open,
        tags: [],
        archived: false,
        createdAt: 0,
        rank: 0,
        mode: 'in-person',
        fairness: fairnessOf(undefined),
      },
    ];
  return Object.entries(state.queues)
    .map(([id, q]) => ({
      id,
      name: text(q.name),
      open: q.open,
      tags: JSON.parse(text(q.tags) || '[]') as string[],
      archived: q.archived,
      createdAt: q.createdAt,
      rank: q.rank,
      mode: (q.mode ?? 'in-person') as QueueMode,
      fairness: fairnessOf(q),
    }))
    .sort((a, b) => a.rank - b.rank || (a.id < b.id ? -1 : 1));
}

/** The queues students can be in (not archived). */
export function activeQueues(state: QueueState): QueueInfo[] {
  return queuesOf(state).filter((q) => !q.archived);
}

export function queueInfo(state: QueueState, id: string): QueueInfo | null {
  return queuesOf(state).find((q) => q.id === id) ?? null;
}

export const DEFAULT_SETTINGS: QueueSettings = { graceMs: 5 * 60_000, awayLimitMs: 10 * 60_000 };

export function settingsOf(state: QueueState): QueueSettings {
  return {
    graceMs: state.graceMs ?? DEFAULT_SETTINGS.graceMs,
    awayLimitMs: state.awayLimitMs ?? DEFAULT_SETTINGS.awayLimitMs,
  };
}

/**
 * Students waiting (in the given queues, default all), first in line first: in arrival
 * order, except that a queue set to "not yet helped first" puts the students it helped
 * earlier (fairness.ts) after the ones it has not.
 */
export function waitingEntries(state: QueueState, queueIds?: readonly string[]): Entry[] {
  const line = liveEntries(state).filter(
    (e) => e.status === 'waiting' && (!queueIds || queueIds.includes(e.queue)),
  );
  return line.sort(lineOrder(state));
}

/**
 * The line's order: arrival (`order`), except that in a queue set to "not yet helped
 * first" the students it helped earlier come after the rest (fairness.ts).
 */
function lineOrder(state: QueueState): (a: Entry, b: Entry) => number {
  const fresh = new Map<string, Fairness>();
  if (state.queues)
    for (const q of queuesOf(state)) if (q.fairness.order === 'fresh') fresh.set(q.id, q.fairness);
  if (fresh.size === 0) return byOrder;
  const later = (e: Entry): number => {
    const f = fresh.get(e.queue);
    return f && isRepeat(f, e) ? 1 : 0;
  };
  return (a, b) => later(a) - later(b) || byOrder(a, b);
}

/** When a "not found" student's grace period ends (host time), or null. */
export function graceEndsAt(state: QueueState, e: Entry): number | null {
  return e.status === 'missing' && e.missingSince !== null
    ? e.missingSince + settingsOf(state).graceMs
    : null;
}

/** Students being called or helped, then those waiting in line. */
export function activeEntries(state: QueueState): Entry[] {
  const active = liveEntries(state).filter((e) =>
    (ACTIVE_STATUSES as readonly string[]).includes(e.status),
  );
  const rank = (s: EntryStatus): number => (s === 'waiting' ? 1 : 0);
  const inLine = lineOrder(state);
  // Called, helped and "not found" first (the TA's current work), then the line.
  return active.sort((a, b) => rank(a.status) - rank(b.status) || inLine(a, b));
}

/** How far along a status is; the finished ones are all equally final. */
export const PROGRESS: Record<EntryStatus, number> = {
  waiting: 0,
  called: 1,
  helping: 2,
  missing: 1,
  done: 3,
  withdrawn: 3,
  removed: 3,
  notfound: 3,
};
const lastAt = (e: Entry): number =>
  Object.values(e.history).reduce((m, t) => Math.max(m, t.at), e.createdAt);

/**
 * After a healed split, one entry can sit in the live list and in an archive shard, or in
 * two shards (each side archived it). Every copy picks the same one: the furthest along,
 * then the latest change, then the live copy.
 */
function addUnique(into: Map<string, Entry>, e: Entry): void {
  const had = into.get(e.id);
  if (
    !had ||
    PROGRESS[e.status] > PROGRESS[had.status] ||
    (PROGRESS[e.status] === PROGRESS[had.status] && lastAt(e) > lastAt(had))
  )
    into.set(e.id, e);
}

/** Every entry ever, live and archived, each once. */
export function allEntries(state: QueueState): Entry[] {
  const out = new Map<string, Entry>();
  for (const e of liveEntries(state)) out.set(e.id, e);
  for (const shard of Object.values(state.archive))
    for (const e of Object.values(shard)) addUnique(out, readArchived(e));
  return [...out.values()].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
}

/**
 * Live entries plus enough of the newest archive shards to hold `wantDone` helped
 * students: the wait estimate needs the latest help times, not the whole history.
 */
export function recentEntries(state: QueueState, wantDone: number): Entry[] {
  const out = new Map<string, Entry>();
  for (const e of liveEntries(state)) out.set(e.id, e);
  let done = [...out.values()].filter((e) => e.status === 'done').length;
  const minuteOf = (k: string): number => Number(k.split('.')[1] ?? 0);
  const shards = Object.keys(state.archive).sort((a, b) => minuteOf(b) - minuteOf(a));
  for (const k of shards) {
    if (done >= wantDone) break;
    for (const raw of Object.values(state.archive[k]!)) {
      const e = readArchived(raw);
      if (!out.has(e.id) && e.status === 'done') done++;
      addUnique(out, e);
    }
  }
  return [...out.values()];
}

/** Ids of archived entries (to spot a live copy left behind by a healed split). */
export function archivedIds(state: QueueState): Set<string> {
  const ids = new Set<string>();
  for (const shard of Object.values(state.archive))
    for (const id of Object.keys(shard)) ids.add(id);
  return ids;
}

/**
 * 1-based place in its queue's line of a waiting entry; 0 if being called, helped or
 * looked for ("not found"); null otherwise.
 */
export function positionOf(state: QueueState, entryId: string): number | null {
  const e = entryOf(state, entryId);
  if (!e) return null;
  if (e.status === 'called' || e.status === 'helping' || e.status === 'missing') return 0;
  if (e.status !== 'waiting') return null;
  return waitingEntries(state, [e.queue]).findIndex((w) => w.id === entryId) + 1;
}

/** When a status was first reached after the latest (re)join, from the history. */
export function timeOf(e: Entry, status: EntryStatus): number | null {
  let t: number | null = null;
  for (const x of Object.values(e.history))
    if (x.status === status && (t === null || x.at < t)) t = x.at;
  return t;
}

/** Help time of a finished entry: from first called to done. */
export function helpDuration(e: Entry): number | null {
  if (e.status !== 'done') return null;
  const called = timeOf(e, 'called') ?? timeOf(e, 'helping');
  const done = timeOf(e, 'done');
  return called !== null && done !== null && done >= called ? done - called : null;
}

/** Wait of a helped entry: from joining to first called. */
export function waitDuration(e: Entry): number | null {
  const called = timeOf(e, 'called') ?? timeOf(e, 'helping');
  return called === null ? null : Math.max(0, called - e.createdAt);
}

export interface WaitEstimate {
  /** Estimated wait, ms; `lowMs === highMs` when there is enough data for one figure. */
  lowMs: number;
  highMs: number;
  /** How many recent help times the estimate rests on. */
  samples: number;
}

/** Help times used for estimates: the most recent this many. */
export const RECENT_HELPS = 10;
/** Below this many recent help times, the estimate is a range. */
export const ENOUGH_SAMPLES = 5;
/** Assumed help time range before anyone has been helped: 2 to 8 minutes. */
const PRIOR_MS: [number, number] = [2 * 60_000, 8 * 60_000];

/**
 * Wait estimate for the student at `position` (1 = next) of queue `queueId`: the median
 * of that queue's last RECENT_HELPS help times × position, divided by the staff on duty
 * (logged-in staff whose laptops are live; at least 1). With fewer than ENOUGH_SAMPLES
 * help times it is a range: the shortest to the longest help time seen (or 2–8 minutes
 * with none) × position.
 */
export function waitEstimate(
  state: QueueState,
  position: number,
  staffOnDuty: number,
  queueId: string = MAIN_QUEUE,
): WaitEstimate {
  const recent = recentEntries(state, RECENT_HELPS)
    .filter((e) => e.status === 'done' && e.queue === queueId)
    .map((e) => ({ at: timeOf(e, 'done') ?? 0, d: helpDuration(e) }))
    .filter((x): x is { at: number; d: number } => x.d !== null)
    .sort((a, b) => b.at - a.at)
    .slice(0, RECENT_HELPS)
    .map((x) => x.d);
  const staff = Math.max(1, staffOnDuty);
  const ahead = Math.max(0, position);
  if (recent.length < ENOUGH_SAMPLES) {
    const lo = recent.length ? Math.min(...recent) : PRIOR_MS[0];
    const hi = recent.length ? Math.max(...recent) : PRIOR_MS[1];
    return {
      lowMs: Math.round((lo * ahead) / staff),
      highMs: Math.round((hi * ahead) / staff),
      samples: recent.length,
    };
  }
  const m = Math.round((median(recent) * ahead) / staff);
  return { lowMs: m, highMs: m, samples: recent.length };
}

export interface StaffStats {
  helpedToday: number;
  waiting: number;
  /** Median wait (join → called) of students helped today, ms, or null. */
  medianWaitMs: number | null;
  /** Median help time (called → done) today, ms, or null. */
  medianHelpMs: number | null;
}

/** Stats since local midnight of `now` (the copy's own calendar day), of one queue or all. */
export function staffStats(state: QueueState, now: number, queueId?: string): StaffStats {
  const midnight = new Date(now);
  midnight.setHours(0, 0, 0, 0);
  const today = allEntries(state).filter(
    (e) =>
      e.status === 'done' &&
      (!queueId || e.queue === queueId) &&
      (timeOf(e, 'done') ?? 0) >= midnight.getTime(),
  );
  const waits = today.map(waitDuration).filter((x): x is number => x !== null);
  const helps = today.map(helpDuration).filter((x): x is number => x !== null);
  return {
    helpedToday: today.length,
    waiting: waitingEntries(state, queueId ? [queueId] : undefined).length,
    medianWaitMs: waits.length ? median(waits) : null,
    medianHelpMs: helps.length ? median(helps) : null,
  };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
