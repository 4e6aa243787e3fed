import type { MemberId } from '../ids';
import type { MemberState } from './member-state';

/** What the check needs of the election: who we are, our term, and its view of liveness. */
export interface EvidenceView {
  self: MemberId;
  epoch: number;
  /** How much later than us a member must have heard the host to count as proof it lives. */
  margin: number;
}

interface Liveness {
  isLive(id: MemberId, now: number): boolean;
  suspectAfterMs(id: MemberId): number;
}

/**
 * No promotion on our say-so alone: a member that heard our host after we last did (its
 * heartbeat, or the moment it was found gone) proves the host alive; a member following
 * a host of a term at least as new as ours that we cannot hear proves someone hosts.
 * `host` is the host we lost (null when it stepped down).
 */
export function blockedByEvidence(
  members: ReadonlyMap<MemberId, MemberState>,
  host: MemberId | null,
  view: EvidenceView,
  now: number,
  live: Liveness,
): boolean {
  const hp = host ? members.get(host) : undefined;
  const mine = hp ? Math.max(hp.detector.lastHeard ?? -Infinity, hp.leftAt) : -Infinity;
  for (const [id, p] of members) {
    if (!live.isLive(id, now) || p.role === 'host') continue;
    if (p.hostHeardAt === null || p.hostId === null || p.hostId === view.self) continue;
    const heardRecently = p.hostHeardAt >= now - live.suspectAfterMs(p.hostId);
    const sameHost = host !== null && p.hostId === host;
    if (sameHost && p.hostHeardAt > mine + view.margin && heardRecently) return true;
    if (!sameHost && p.epoch >= view.epoch && heardRecently && !live.isLive(p.hostId, now))
      return true;
  }
  return false;
}
