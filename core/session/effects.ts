import type { DropCode, EngineErrorCode } from '../errors';
import type { Role } from '../election/config';
import type { CommandId, DeviceId, MemberId, SessionId } from '../ids';
import type { Message } from '../protocol/messages';
import type { Result } from '../result';
import type { WriteSink } from '../replication/write-sink';

/**
 * What the session core asks its driver to do after one step, in the order the driver
 * must carry it out: persist (every write, in order, durable before anything leaves),
 * then send, then arm timers, then emit (last: a listener may start a step of its own).
 * The core itself never writes, sends or waits.
 */
export interface Effects {
  persist: StoreWrite[];
  send: { to: DeviceId; msg: Message }[];
  emit: SessionEvent[];
  timers: TimerRequest[];
  /** Cancel every armed timer (the copy stopped). Applied before `timers`. */
  cancelTimers: boolean;
  log: string[];
  /**
   * Devices to ask whether anything answers at their address; `asked` comes back with a
   * 'silent' answer (`SessionCore.deviceSilent`), so an answer is never taken for a later question.
   */
  reach: { device: DeviceId; asked: number }[];
}

/** One write to the copy's store: a named blob replaced, appended to or removed. */
export type StoreWrite =
  | { op: 'save'; key: string; bytes: Uint8Array; durable: boolean }
  | { op: 'append'; key: string; bytes: Uint8Array }
  | { op: 'remove'; key: string }
  /** A file that could not be read: moved out of the way (never deleted). */
  | { op: 'moveAside'; key: string; why: string };

/**
 * The core's timers, by name. At most one of each is armed; asking for an armed one again
 * does nothing unless `replace` (the heartbeat loop restarting).
 * - tick: the heartbeat round (election, resends, repair);
 * - turn: the end of this event-loop turn (group commit, then sync pushes);
 * - lazy: a member that no ack waits on answers its sync late, once for many changes;
 * - fanout: the host's next batch of changes for the members no ack waits on;
 * - loopback: a frame this copy sends itself (the host's own commands and their acks);
 * - leave: a leaving host checks whether its successor caught up;
 * - storage: a copy whose disk failed tries writing everything again;
 * - check: the moment the host would be suspected, if no heartbeat comes first;
 * - reach: the host's heartbeat is late enough to ask whether its laptop still answers.
 */
export type TimerName =
  'tick' | 'turn' | 'lazy' | 'fanout' | 'loopback' | 'leave' | 'storage' | 'check' | 'reach';
export interface TimerRequest {
  name: TimerName;
  ms: number;
  replace: boolean;
}

/** A copy's role: the election's (host or member), or none while not in a session. */
export type PeerRole = Role | 'none';

/** Events the driver passes on to the app (and uses to settle its promises). */
export interface SessionEvents {
  role: { role: PeerRole; hostId: MemberId | null; epoch: number };
  hostChanged: { from: MemberId | null; to: MemberId; epoch: number; gapMs: number };
  /** The document changed (once per turn, after acks and syncs left). */
  state: { heads: string[] };
  /** The members, who of them is live from here, or the successor order changed. */
  members: { members: MemberId[]; live: MemberId[]; successors: MemberId[] };
  /** `held`: copies holding the change when acked, the host included (null: not told). */
  ack: { id: CommandId; result: Result<unknown>; held: number | null };
  /** A command was not acknowledged yet for a reason worth showing (the host's disk is full); it stays in the outbox and is sent again. */
  delayed: { id: CommandId; code: EngineErrorCode; message: string };
  /** This copy's disk stopped (or started again) taking writes. */
  storage: { ok: boolean; code: string | null; message: string | null };
  joined: { sessionId: SessionId; memberId: MemberId };
  joinFailed: { code: EngineErrorCode; message: string };
  /** The core stopped (crash-like stop, or the end of a graceful leave). */
  stopped: Record<string, never>;
  /** A frame was dropped (bad input); the copy keeps running. */
  dropped: { from: DeviceId; code: DropCode; message: string };
}

export type SessionEvent = {
  [K in keyof SessionEvents]: { name: K; payload: SessionEvents[K] };
}[keyof SessionEvents];

/** Collects one step's effects. */
export class EffectsBuilder implements WriteSink {
  private fx: Effects = blank();
  /** The disk is failing: writes are not even tried until the next retry rewrites all. */
  holdWrites = false;

  save(key: string, bytes: Uint8Array, durable = true): void {
    if (!this.holdWrites) this.fx.persist.push({ op: 'save', key, bytes, durable });
  }
  append(key: string, bytes: Uint8Array): void {
    if (!this.holdWrites) this.fx.persist.push({ op: 'append', key, bytes });
  }
  moveAside(key: string, why: string): void {
    this.fx.persist.push({ op: 'moveAside', key, why });
  }
  send(to: DeviceId, msg: Message): void {
    this.fx.send.push({ to, msg });
  }
  emit<K extends keyof SessionEvents>(name: K, payload: SessionEvents[K]): void {
    this.fx.emit.push({ name, payload } as SessionEvent);
  }
  timer(name: TimerName, ms: number, replace = false): void {
    this.fx.timers.push({ name, ms, replace });
  }
  cancelTimers(): void {
    this.fx.cancelTimers = true;
    this.fx.timers = [];
  }
  log(line: string): void {
    this.fx.log.push(line);
  }
  reach(device: DeviceId, asked: number): void {
    this.fx.reach.push({ device, asked });
  }
  /** Hand over what was collected and start afresh. */
  take(): Effects {
    const out = this.fx;
    this.fx = blank();
    return out;
  }
}

function blank(): Effects {
  return { persist: [], send: [], emit: [], timers: [], cancelTimers: false, log: [], reach: [] };
}
