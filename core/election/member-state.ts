import type { MemberId } from '../ids';
import { type DetectorConfig, PhiDetector } from './detector';
import type { HeartbeatView, Role } from './config';

/** What the election knows of one other member. */
export interface MemberState {
  detector: PhiDetector;
  liveSince: number | null;
  eligible: boolean;
  role: Role;
  epoch: number;
  hostId: MemberId | null;
  /** When (our clock) this member last heard its host, as it reported. */
  hostHeardAt: number | null;
  /** Last time this member's echo showed that it hears us. */
  hearsMeAt: number | null;
  /** Since when this member has continuously claimed to host. */
  hostClaimSince: number | null;
  left: boolean;
  /** When it left (said goodbye, or was found gone): evidence of it from before is stale. */
  leftAt: number;
  /** Highest heartbeat seq received from this member (echoed back to it). */
  lastSeq: number;
}

export function newMemberState(detector: DetectorConfig): MemberState {
  return {
    detector: new PhiDetector(detector),
    liveSince: null,
    eligible: false,
    role: 'member',
    epoch: 0,
    hostId: null,
    hostHeardAt: null,
    hearsMeAt: null,
    hostClaimSince: null,
    left: false,
    leftAt: -Infinity,
    lastSeq: -1,
  };
}

/** Does a member's echo (the last seq it got from us) show that it hears us now? */
export function hearsMe(seq: number, d: DetectorConfig, hb: { echo: number }): boolean {
  if (hb.echo < 0) return false;
  return (seq - hb.echo) * d.heartbeatMs <= d.acceptablePauseMs + 2 * d.heartbeatMs;
}

/** A heartbeat from this member: its fields, its liveness, whether it hears us (`hearsUs`). */
export function recordHeartbeat(
  p: MemberState,
  hb: HeartbeatView,
  now: number,
  hearsUs: boolean,
): void {
  const wasAvailable = p.detector.isAvailable(now) && !p.left;
  p.detector.heartbeat(now);
  if (!wasAvailable || p.liveSince === null) p.liveSince = now;
  p.left = false;
  p.lastSeq = Math.max(p.lastSeq, hb.seq);
  p.eligible = hb.eligible;
  p.role = hb.role;
  p.epoch = hb.epoch;
  p.hostId = hb.hostId;
  p.hostHeardAt = hb.hostAgoMs === null ? null : now - hb.hostAgoMs;
  if (hearsUs) p.hearsMeAt = now;
  p.hostClaimSince = hb.role === 'host' ? (p.hostClaimSince ?? now) : null;
}

/** This member said goodbye (or was found gone): not live, and what it said before is stale. */
export function recordLeave(p: MemberState, now: number): void {
  p.left = true;
  p.leftAt = now;
  p.liveSince = null;
  p.hostClaimSince = null;
  p.detector.reset();
}

/** A member not heard from since this copy started, while that is still no evidence. */
export function unheardYet(
  p: MemberState | undefined,
  bootAt: number | null,
  now: number,
  graceMs: number,
): boolean {
  if (bootAt === null) return false;
  const neverHeard = !p || (p.detector.lastHeard === null && !p.left);
  return neverHeard && now - bootAt < graceMs;
}

/** How long since the host was heard (0 when it is `self`), or null: no host, never heard. */
export function hostAgoMs<K>(
  host: K | null,
  self: K,
  states: ReadonlyMap<K, MemberState>,
  now: number,
): number | null {
  if (host === null) return null;
  if (host === self) return 0;
  const last = states.get(host)?.detector.lastHeard ?? null;
  return last === null ? null : Math.max(0, now - last);
}

/** Whether a live member follows `self` as its host at `epoch` (the room is really ours). */
export function followed<K>(
  states: ReadonlyMap<K, MemberState>,
  self: K,
  epoch: number,
  isLive: (id: K) => boolean,
): boolean {
  for (const [id, p] of states)
    if (p.hostId === self && p.epoch === epoch && isLive(id)) return true;
  return false;
}

/**
 * The member that claims to host the newest epoch above `epoch`, among those `usable`
 * says this copy may follow (live, not outranked), or null.
 */
export function newestClaim<K>(
  states: ReadonlyMap<K, MemberState>,
  epoch: number,
  usable: (id: K) => boolean,
): { id: K; epoch: number } | null {
  let best: { id: K; epoch: number } | null = null;
  for (const [id, p] of states)
    if (p.role === 'host' && p.epoch > (best?.epoch ?? epoch) && usable(id))
      best = { id, epoch: p.epoch };
  return best;
}
