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
