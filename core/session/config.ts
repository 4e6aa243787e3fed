import { z } from 'zod';
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
 *
 * What they imply for failover (the benches check it): a crashed host's closed link is
 * seen in a few round trips (the transport's gone probe); a laptop that left the network
 * (nothing answers at its address when asked, `reachAfterMs` after its last heartbeat)
 * ≈ 0.65 s after its last heartbeat; a silent copy whose laptop still answers is suspected
 * ≈ 0.86 s after its last heartbeat, and its successor takes over at that moment. Every
 * interval and threshold of the session core is here, with its default below.
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
  /**
   * How long a change may wait before it goes to members no ack waits on (fan-out batch).
   * Measured at 100 members, 40 commands/s on 2 cores: 100 ms → ack p50 ≈ 450 ms;
   * 250 ms → ≈ 110 ms (fewer, larger frames leave the host free for the acks).
   */
  batchMs: number;
  /** How long a member no ack waits on may hold its sync reply (and its fsync). */
  lazyMs: number;
  /** A copy whose disk refuses writes tries writing everything again this often. */
  storageRetryMs: number;
  /** A snapshot goes to the same joining device at most this often (its hellos repeat). */
  snapshotEveryMs: number;
  /** A member holds an ack that outran its change this long before reporting it anyway. */
  ackParkMs: number;
  /** A host's view of the room older than this (or from an unreachable host) is not shown. */
  hostViewFreshMs: number;
  /** Sync messages in a row that teach nothing before a member's exchange is left to repair. */
  maxFruitlessSync: number;
  /**
   * A host silent this long (its next heartbeat due a round after the last, so this is one
   * round and 100 ms late) gets asked at the transport level whether its laptop still
   * answers at its address (heartbeats.ts `onReach`). 0: never asked.
   */
  reachAfterMs: number;
}

const positive = z.number().finite().positive();
const count = z.number().int().min(0);
/** What `engineConfig` accepts: every field optional; nonsense is refused with its name. */
const overrides = z
  .object({
    stabilityMs: z.number().finite().min(0),
    k: count.max(16),
    minHolders: count.max(16),
    resendMs: positive,
    handoverWaitMs: z.number().finite().min(0),
    eligible: z.boolean(),
    fanout: z.enum(['broadcast', 'sync']),
    holderTimeoutMs: positive,
    commandBurst: positive,
    commandsPerSecond: positive,
    roomCommandBurst: positive,
    roomCommandsPerSecond: positive,
    memberSyncBurstBytes: positive,
    memberSyncBytesPerSecond: positive,
    admitBurst: positive,
    admitsPerSecond: positive,
    batchMs: z.number().finite().min(0),
    lazyMs: z.number().finite().min(0),
    storageRetryMs: positive,
    snapshotEveryMs: z.number().finite().min(0),
    ackParkMs: z.number().finite().min(0),
    hostViewFreshMs: positive,
    maxFruitlessSync: count.min(1),
    reachAfterMs: z.number().finite().min(0),
  })
  .partial()
  .passthrough();

/** The settings with `over` applied; a value out of range throws, naming the setting. */
export function engineConfig(over: Partial<EngineConfig> = {}): EngineConfig {
  const checked = overrides.safeParse(over);
  if (!checked.success) {
    const i = checked.error.issues[0]!;
    throw new RangeError(`engine setting ${i.path.join('.')}: ${i.message}`);
  }
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
    batchMs: over.batchMs ?? 250,
    lazyMs: over.lazyMs ?? 100,
    storageRetryMs: over.storageRetryMs ?? 2_000,
    snapshotEveryMs: over.snapshotEveryMs ?? 2_000,
    ackParkMs: over.ackParkMs ?? 2_000,
    hostViewFreshMs: over.hostViewFreshMs ?? 2_000,
    maxFruitlessSync: over.maxFruitlessSync ?? 8,
    reachAfterMs: over.reachAfterMs ?? detector.heartbeatMs + 100,
  };
}
