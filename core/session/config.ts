import { type DetectorConfig, DEFAULT_DETECTOR } from '../election/detector';
import { DEFAULT_STABILITY_MS } from '../election/config';

/**
 * Engine settings. Defaults and why:
 * - heartbeat every 250 ms: 4 frames/s per link is negligible on a LAN and gives the
 *   detector enough samples to notice a crash in about a second;
 * - phi-accrual threshold 8 with a 70 ms deviation floor and 250 ms tolerated pause:
 *   a silent host is suspected ≈ 0.86 s after its last heartbeat on a clean link (later
 *   on a lossy one), and the successor looks again exactly then: a crash is replaced in
 *   under a second, while a 400 ms stall or a 300 ms delay stays well inside the bar;
 * - failback after 15 s of continuous health, so a flapping laptop never takes hosting back;
 * - K = 1: the host and its successor hold every acknowledged command, so it survives any
 *   one failure (the host's included); K = 2 survives the host and its successor at once.
 */
export interface EngineConfig {
  detector: DetectorConfig;
  stabilityMs: number;
  /** Members (after the host, in successor order) that must hold a change before its ack. */
  k: number;
  /**
   * Other copies that must hold a change before its ack, however small the room (default
   * 0: `k` is met by as many as the room has, so a room of one acks from the host's disk
   * alone). With 1, a command sent while alone waits until another copy holds it.
   */
  minHolders: number;
  /** Resend an unacknowledged command after this long. */
  resendMs: number;
  /** Longest a graceful leave waits for the successor to catch up before handing over anyway. */
  handoverWaitMs: number;
  eligible: boolean;
  /**
   * How the host sends its changes to members that are in step: `broadcast` encodes the
   * turn's new changes once and sends the same frame to each of them (cost per command
   * nearly flat in the room's size); `sync` runs Automerge's sync protocol per member for
   * every change (the way before; kept for the comparison bench). Members behind or
   * rejoining always get the sync protocol.
   */
  fanout: 'broadcast' | 'sync';
  /**
   * A holder that is live but reports nothing new for this long while an ack waits on it is
   * skipped for the next member: a wedged or hostile copy cannot hold every ack back.
   * Long enough for a busy laptop's slowest report (p99 ≈ 120 ms at 100 members).
   */
  holderTimeoutMs: number;
  /**
   * Per sender, at the host: commands accepted at once, and per second after that. Small
   * enough that a full burst costs the host well under a heartbeat's worth of CPU (a queue
   * command is 1–4 ms to apply), so one member's burst never delays the host's heartbeats
   * into a failover; a TA sends a few a second, a laptop carrying phones a few more.
   */
  commandBurst: number;
  commandsPerSecond: number;
  /**
   * All senders together, at the host: what it can apply and still heartbeat on time
   * (≈ 5 ms a command with a long line). Many made-up members, each within its own
   * allowance, still cannot saturate the host; past it, `rate-limited` for everyone.
   */
  roomCommandBurst: number;
  roomCommandsPerSecond: number;
  /**
   * Bytes of sync messages a member may send the host, at once and per second: a demoted
   * host's unacknowledged changes fit easily; a member pushing megabytes into the document
   * again and again is cut off (its frames dropped) until its budget refills.
   */
  memberSyncBurstBytes: number;
  memberSyncBytesPerSecond: number;
  /**
   * New devices the host admits at once, and per second after that (a hello from a device
   * already a member is not counted): a class arrives in a burst, a script making up
   * devices is slowed to a trickle. A joiner past the limit is not refused; its next hello
   * (every heartbeat) is admitted once the bucket refills.
   */
  admitBurst: number;
  admitsPerSecond: number;
}

export function engineConfig(over: Partial<EngineConfig> = {}): EngineConfig {
  const detector = over.detector ?? DEFAULT_DETECTOR;
  return {
    detector,
    stabilityMs: over.stabilityMs ?? DEFAULT_STABILITY_MS,
    k: over.k ?? 1,
    minHolders: over.minHolders ?? 0,
    resendMs: over.resendMs ?? 4 * detector.heartbeatMs,
    handoverWaitMs: over.handoverWaitMs ?? 2 * detector.heartbeatMs,
    eligible: over.eligible ?? true,
    fanout: over.fanout ?? 'broadcast',
    holderTimeoutMs: over.holderTimeoutMs ?? 1_000,
    commandBurst: over.commandBurst ?? 60,
    commandsPerSecond: over.commandsPerSecond ?? 20,
    roomCommandBurst: over.roomCommandBurst ?? 200,
    roomCommandsPerSecond: over.roomCommandsPerSecond ?? 100,
    memberSyncBurstBytes: over.memberSyncBurstBytes ?? 8 * 1024 * 1024,
    memberSyncBytesPerSecond: over.memberSyncBytesPerSecond ?? 64 * 1024,
    admitBurst: over.admitBurst ?? 50,
    admitsPerSecond: over.admitsPerSecond ?? 5,
  };
}
