import { type Result, err, ok } from '../result';
import type { Entry, QueueState, StoredQueue } from './types';

/**
 * Fairness, per queue (staff settings): a cooldown after being helped, and an order that
 * puts students not yet helped first. Both read one small record the queue keeps — when
 * each student (an entry's owner: a laptop's member id or a phone) was last helped in it —
 * written when staff mark an entry Done, so neither costs a walk of the history.
 */

/** A student helped this long before joining again counts as "helped earlier today". */
export const REPEAT_WINDOW_MS = 12 * 60 * 60_000;
/** The longest cooldown staff can set, minutes. */
export const MAX_COOLDOWN_MIN = 240;

export type LineOrder = 'arrival' | 'fresh';

export interface Fairness {
  /** Minutes a student waits after being helped before joining this queue again. */
  cooldownMin: number;
  order: LineOrder;
  /** Owner → host time they were last helped in this queue. */
  helped: Readonly<Record<string, number>>;
}

export function fairnessOf(q: StoredQueue | undefined): Fairness {
  return {
    cooldownMin: q?.cooldownMin ?? 0,
    order: q?.order === 'fresh' ? 'fresh' : 'arrival',
    helped: q?.helped ?? {},
  };
}

/** The queue's fields for these rules (absent = the defaults: no cooldown, arrival order). */
export function storeRules(w: StoredQueue, cooldownMin: number, order: LineOrder): void {
  if (cooldownMin === 0) delete w.cooldownMin;
  else if (w.cooldownMin !== cooldownMin) w.cooldownMin = cooldownMin;
  if (order === 'arrival') delete w.order;
  else if (w.order !== order) w.order = order;
}

/** Note that `owner` was helped now (Done). One key per student; the latest wins. */
export function noteHelped(w: StoredQueue, owner: string, now: number): void {
  w.helped ??= {};
  w.helped[owner] = now;
}

/** Whether `owner` may join now, or the error saying when they can. */
export function checkCooldown(
  f: Fairness,
  queueName: string,
  owner: string,
  now: number,
): Result<true> {
  const at = f.helped[owner];
  if (f.cooldownMin === 0 || at === undefined) return ok(true);
  const left = at + f.cooldownMin * 60_000 - now;
  if (left <= 0) return ok(true);
  const mins = Math.ceil(left / 60_000);
  const since = Math.floor((now - at) / 60_000);
  const ago = since < 1 ? 'a moment ago' : `${since} minute${since === 1 ? '' : 's'} ago`;
  return err(
    'cooldown',
    `you were helped in "${queueName}" ${ago}: you can join it again in ${mins} minute${mins === 1 ? '' : 's'} (a rule of this queue, so everyone gets a turn)`,
  );
}

/** Was this entry's student helped in its queue earlier (within the window) before joining? */
export function isRepeat(f: Fairness, e: Pick<Entry, 'member' | 'createdAt'>): boolean {
  const at = f.helped[e.member];
  return at !== undefined && at <= e.createdAt && e.createdAt - at < REPEAT_WINDOW_MS;
}

/** `isRepeat` for an entry of `state`, read straight from its stored queue. */
export function repeatIn(
  state: QueueState,
  e: Pick<Entry, 'member' | 'createdAt' | 'queue'>,
): boolean {
  return isRepeat(fairnessOf(state.queues?.[e.queue]), e);
}
