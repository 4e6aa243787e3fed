import type { MemberId } from '../ids';
import { type DetectorConfig, DEFAULT_DETECTOR } from './detector';

// The election's vocabulary: its settings, what a heartbeat tells it, what it decides.

export type Role = 'host' | 'member';

export interface ElectionConfig {
  self: MemberId;
  /** False for a copy that opted out of hosting. */
  eligible: boolean;
  /** Failback hysteresis: an earlier member must be healthy this long before hosting moves back. */
  stabilityMs: number;
  detector: DetectorConfig;
  /** Silence after start-up before this copy may promote itself (lets it hear the room first). */
  bootGraceMs: number;
  /**
   * For this long after start-up, an earlier member never heard from is given the benefit
   * of the doubt (it may be alive, its heartbeats just not here yet): a copy that has just
   * joined must not jump the line because it has not heard the room yet.
   */
  unknownGraceMs: number;
}

export const DEFAULT_STABILITY_MS = 15_000;

export function electionConfig(
  self: MemberId,
  over: Partial<Omit<ElectionConfig, 'self'>> = {},
): ElectionConfig {
  const detector = over.detector ?? DEFAULT_DETECTOR;
  return {
    self,
    eligible: over.eligible ?? true,
    stabilityMs: over.stabilityMs ?? DEFAULT_STABILITY_MS,
    detector,
    bootGraceMs: over.bootGraceMs ?? 3 * detector.heartbeatMs,
    unknownGraceMs: over.unknownGraceMs ?? 16 * detector.heartbeatMs,
  };
}

/** What a heartbeat says about its sender (the election's part of the wire message). */
export interface HeartbeatView {
  epoch: number;
  role: Role;
  hostId: MemberId | null;
  seq: number;
  echo: number;
  hostAgoMs: number | null;
  eligible: boolean;
}

export type Decision =
  | { kind: 'become-host'; epoch: number; reason: 'create' | 'failover' | 'handover' | 'reassert' }
  | {
      kind: 'follow';
      hostId: MemberId;
      epoch: number;
      reason: 'newer-epoch' | 'handover' | 'tie' | 'deaf-member';
    }
  | { kind: 'lost-host'; hostId: MemberId }
  | { kind: 'failback'; to: MemberId };
