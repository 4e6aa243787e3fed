import type { ApplyContext } from '../replication/engine-app';
import { settingsOf, waitingEntries } from './selectors';
import type { Entry, QueueState } from './types';

/**
 * Away students past the session's limit whom this turn skipped move down one place in
 * their queue's line (never out of it), the furthest back first.
 */
export function demoteAway(
  state: QueueState,
  view: QueueState,
  skipped: Entry[],
  called: string,
  ctx: ApplyContext,
): void {
  const { awayLimitMs } = settingsOf(view);
  const over = skipped.filter((e) => e.awaySince !== null && ctx.now - e.awaySince >= awayLimitMs);
  const order = new Map<string, number>();
  for (const e of over.reverse()) {
    const line = waitingEntries(view, [e.queue])
      .filter((w) => w.id !== called)
      .map((w) => ({ ...w, order: order.get(w.id) ?? w.order }))
      .sort((a, b) => a.order - b.order || (a.id < b.id ? -1 : 1));
    const i = line.findIndex((w) => w.id === e.id);
    const behind = line[i + 1];
    if (!behind) continue;
    const after = line[i + 2];
    const next = after ? (behind.order + after.order) / 2 : behind.order + 0.5;
    order.set(e.id, next);
    state.entries[e.id]!.order = next;
  }
}
