import type { MemberId } from '../ids';

/**
 * Successorship order: member ids sort in issue order, and the earliest live, eligible
 * member after the host takes over. Pure functions over one view of the room.
 */
export interface RoomView {
  /** Every member, in successorship order. */
  order: readonly MemberId[];
  self: MemberId;
  /** Live from here and allowed to host (self counts as live). */
  canHost(id: MemberId): boolean;
}

/** Live, eligible members in successorship order, the current host first. */
export function successorsOf(v: RoomView, host: MemberId | null): MemberId[] {
  const rest = v.order.filter((id) => id !== host && v.canHost(id));
  return host ? [host, ...rest] : rest;
}

/** The first `k` members after `host` that would take over, in order. */
export function holdersAfter(v: RoomView, host: MemberId | null, k: number): MemberId[] {
  return v.order.filter((id) => id !== host && v.canHost(id)).slice(0, k);
}

/** The first member other than self that could take over (for a graceful leave). */
export function successorForLeave(v: RoomView): MemberId | null {
  return v.order.find((id) => id !== v.self && v.canHost(id)) ?? null;
}

/**
 * Does `host` (live: the host a copy follows, or the copy itself hosting) outrank a host
 * claim by `from`? A preferred host (the queue: a proven TA's laptop) does, against any
 * member that is not preferred: a student's copy cannot take hosting from a live TA's
 * laptop by claiming a newer epoch — a modified copy could, every heartbeat. The preferred
 * host yields only when another member follows the newer host (the room moved while it was
 * away), and gets hosting back by failback once stable (Election.onHeartbeat). A newer
 * claim that nobody follows (a student's laptop that was cut off alone and hosted its own
 * side) it answers, while its own members still follow it, by reasserting under a newer
 * epoch still, which that laptop follows (Election.onHostClaim); a TA's laptop back from
 * away, whose members moved, does not — it waits to hear that the room moved, follows, and
 * gets hosting back by failback once stable.
 */
export function outranks(
  seats: Seats,
  host: MemberId | null,
  from: MemberId,
  hostLive: boolean,
): boolean {
  if (host === null || host === from || !hostLive) return false;
  return seats.isPreferred(host) && !seats.isPreferred(from);
}

/**
 * The members and the successorship order over them. `order` is every member by id (what
 * epoch slots and the host's bitmaps index); `rank` puts the members the app would rather
 * see host first (the queue's logged-in staff), each group by id — so a student's laptop
 * hosts only while no staff laptop is live. Views may differ for a moment (one copy saw a
 * login, another not yet): then two copies may both promote, in different epoch slots, and
 * the newer epoch wins.
 */
export class Seats {
  order: MemberId[] = [];
  rank: MemberId[] = [];
  private preferred = new Set<MemberId>();

  setMembers(ids: Iterable<MemberId>): void {
    this.order = [...new Set(ids)].sort();
    this.rankMembers();
  }

  setPreferred(ids: Iterable<MemberId>): void {
    const next = new Set(ids);
    if (next.size === this.preferred.size && [...next].every((id) => this.preferred.has(id)))
      return;
    this.preferred = next;
    this.rankMembers();
  }

  /** Is `id` among the members the app would rather see host (the queue: its proven staff)? */
  isPreferred(id: MemberId): boolean {
    return this.preferred.has(id);
  }

  private rankMembers(): void {
    const first = this.order.filter((id) => this.preferred.has(id));
    this.rank = first.length
      ? [...first, ...this.order.filter((id) => !this.preferred.has(id))]
      : this.order;
  }
}
