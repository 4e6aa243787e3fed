import type { Events, QueueView } from './contract';

type AlertEvents = Pick<Events, 'called' | 'cantFind' | 'upNext' | 'message' | 'joinedEmpty'>;
export type Alert = {
  [E in keyof AlertEvents]: { event: E; data: AlertEvents[E] };
}[keyof AlertEvents];

/**
 * What is news to this copy's user between two views of the queue: my student was just
 * called, could not be found, reached the "up next" place, or got a note; or (staff)
 * someone joined an empty queue. Pure: it only remembers the last view's facts.
 */
export class AlertDetector {
  private lastMine: { id: string; status: string; position: number; messageAt: number } | null =
    null;
  private lastWaiting = 0;

  /** Forget the last view (another session). */
  reset(): void {
    this.lastMine = null;
    this.lastWaiting = 0;
  }

  next(view: QueueView, o: { isStaff: boolean; alertAtPosition: number }): Alert[] {
    const out: Alert[] = [];
    const mine = view.entries.find((e) => e.mine) ?? null;
    const was = this.lastMine && mine && this.lastMine.id === mine.entryId ? this.lastMine : null;
    if (mine) {
      const changed = was?.status !== mine.status;
      if (mine.status === 'called' && changed)
        out.push({ event: 'called', data: { entryId: mine.entryId, by: mine.helper ?? '' } });
      if (mine.status === 'missing' && changed && mine.graceEndsAt !== null)
        out.push({
          event: 'cantFind',
          data: { entryId: mine.entryId, graceEndsAt: mine.graceEndsAt },
        });
      const n = o.alertAtPosition;
      const reached =
        mine.status === 'waiting' && n > 0 && mine.position >= 1 && mine.position <= n;
      const before =
        was !== null && was.status === 'waiting' && was.position >= 1 && was.position <= n;
      // Joining already within reach is no news; moving up into it is.
      if (reached && !before && was !== null)
        out.push({ event: 'upNext', data: { entryId: mine.entryId, position: mine.position } });
      // A note is news once; after a restart the latest one is shown again.
      if (mine.message && mine.message.at !== (was?.messageAt ?? 0))
        out.push({
          event: 'message',
          data: { entryId: mine.entryId, text: mine.message.text, from: mine.message.from },
        });
    }
    this.lastMine = mine
      ? {
          id: mine.entryId,
          status: mine.status,
          position: mine.position,
          messageAt: mine.message?.at ?? 0,
        }
      : null;
    const waiting = view.entries.filter((e) => e.status === 'waiting');
    if (o.isStaff && this.lastWaiting === 0 && waiting.length > 0) {
      const first = waiting[0]!;
      out.push({ event: 'joinedEmpty', data: { entryId: first.entryId, name: first.name } });
    }
    this.lastWaiting = waiting.length;
    return out;
  }
}
