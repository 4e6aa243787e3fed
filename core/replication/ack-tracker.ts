import type { MemberId } from '../ids';

/**
 * Host-side bookkeeping for "ack only when the next K members hold it". The host's
 * own changes in one term form a chain (each depends on the previous heads), so a
 * member that reports any of them as a head holds every earlier one: a counter
 * per change hash is enough, no ancestry queries.
 */
export class AckTracker<P> {
  private readonly counterOf = new Map<string, number>();
  private latest = 0;
  private readonly held = new Map<MemberId, number>();
  private pending: { counter: number; payload: P }[] = [];

  /** Start a new term: forget old counters and holdings. */
  reset(): void {
    this.counterOf.clear();
    this.latest = 0;
    this.held.clear();
    this.pending = [];
  }

  /** The host made a change whose hash is `head`; returns its counter. */
  recordChange(head: string): number {
    this.latest += 1;
    this.counterOf.set(head, this.latest);
    return this.latest;
  }

  get latestCounter(): number {
    return this.latest;
  }

  isOwnHead(head: string): boolean {
    return this.counterOf.get(head) === this.latest;
  }

  /** A member reported its (persisted) heads. */
  reportHeads(member: MemberId, heads: readonly string[]): void {
    let best = this.held.get(member) ?? 0;
    for (const h of heads) best = Math.max(best, this.counterOf.get(h) ?? 0);
    this.held.set(member, best);
  }

  heldBy(member: MemberId): number {
    return this.held.get(member) ?? 0;
  }

  /** Whether an ack still waits on the holders. */
  get waiting(): boolean {
    return this.pending.length > 0;
  }

  /** The change the oldest waiting ack needs, or null when none waits. */
  get lowestPending(): number | null {
    return this.pending.length === 0 ? null : Math.min(...this.pending.map((p) => p.counter));
  }

  /** Wait for the change `counter` to reach the holders before releasing `payload`. */
  add(counter: number, payload: P): void {
    this.pending.push({ counter, payload });
  }

  /** Payloads whose change every one of `holders` now holds. */
  release(holders: readonly MemberId[]): P[] {
    const need = holders.length === 0 ? Infinity : Math.min(...holders.map((m) => this.heldBy(m)));
    const ready: P[] = [];
    this.pending = this.pending.filter((p) => {
      if (p.counter <= need) {
        ready.push(p.payload);
        return false;
      }
      return true;
    });
    return ready;
  }

  /** What waits for an ack, oldest first. */
  payloads(): P[] {
    return this.pending.map((p) => p.payload);
  }

  /** Drop everything pending (this copy stopped hosting); senders resend from their outboxes. */
  dropPending(): P[] {
    const dropped = this.pending.map((p) => p.payload);
    this.pending = [];
    return dropped;
  }
}
