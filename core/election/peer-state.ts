import type { MemberId } from '../ids';
import { type DetectorConfig, PhiDetector } from './detector';
import type { Role } from './config';

/** What the election knows of one other member. */
export interface PeerState {
  detector: PhiDetector;
  liveSince: number | null;
  eligible: boolean;
  role: Role;
  epoch: number;
  hostId: MemberId | null;
  /** When (our clock) this peer last heard its host, as it reported. */
  hostHeardAt: number | null;
  /** Last time this peer's echo showed that it hears us. */
  hearsMeAt: number | null;
  /** Since when this peer has continuously claimed to host. */
  hostClaimSince: number | null;
  left: boolean;
  /** When it left (said goodbye, or was found gone): evidence of it from before is stale. */
  leftAt: number;
  /** Highest heartbeat seq received from this peer (echoed back to it). */
  lastSeq: number;
}

export function newPeerState(detector: DetectorConfig): PeerState {
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

/** Does a peer's echo (the last seq it got from us) show that it hears us now? */
export function hearsMe(seq: number, d: DetectorConfig, hb: { echo: number }): boolean {
  if (hb.echo < 0) return false;
  return (seq - hb.echo) * d.heartbeatMs <= d.acceptablePauseMs + 2 * d.heartbeatMs;
}
