import type { Clock, TimerHandle } from '../clock';
import type { Peer } from '../engine/peer';
import type { QueueCommand } from '../queue/commands';
import { closingOf } from '../queue/closing';
import { graceEndsAt, liveEntries } from '../queue/selectors';
import type { QueueState } from '../queue/types';

/**
 * The host finishes "not found" students whose grace period is over, and closes the queues
 * at the closing time staff set (closing.ts): it submits an `expire` command when the
 * earliest of those comes (host time decides in the command, so a late
 * or repeated one changes nothing). A new host picks the deadline up from the document.
 */
export class GraceExpiry {
  private timer: { at: number; handle: TimerHandle } | null = null;

  constructor(private readonly clock: Clock) {}

  /** Look at the queue again (after every change and role change). */
  schedule(peer: Peer<QueueState> | null, expired: () => void): void {
    const state = peer?.doc?.app;
    const due =
      peer?.role === 'host' && state?.entries
        ? Math.min(
            closingOf(state)?.closeAt ?? Infinity,
            ...liveEntries(state).map((e) => graceEndsAt(state, e) ?? Infinity),
          )
        : Infinity;
    if (this.timer?.at === due) return;
    this.clear();
    if (!Number.isFinite(due)) return;
    const handle = this.clock.setTimer(Math.max(0, due - this.clock.now()), () => {
      this.timer = null;
      if (peer?.isRunning && peer.role === 'host')
        void peer.submit({ op: 'expire' } satisfies QueueCommand).done.then(expired);
    });
    this.timer = { at: due, handle };
  }

  clear(): void {
    if (this.timer) this.clock.clearTimer(this.timer.handle);
    this.timer = null;
  }
}
