import type { TimerHandle } from '../clock';
import type { CommandId, DeviceId, MemberId, SessionId } from '../ids';
import { encode } from '../protocol/codec';
import type { Result } from '../result';
import { OUTBOX_KEY, parseOutbox } from '../replication/outbox';
import { DOC_KEY, type Replica } from '../replication/replica';
import { type EngineConfig, engineConfig } from '../session/config';
import { CERTS_KEY, parseCerts } from '../session/certs';
import { SessionCore } from '../session/core';
import type { Effects, PeerRole, TimerName } from '../session/effects';
import { IDENTITY_KEY, parseIdentity } from '../session/identity';
import { Emitter } from './emitter';
import { registerPeer } from './peer-internals';
import { JoinRefusedError, type PeerEvents, type PeerOptions } from './peer-types';
import { StoredFiles } from './stored-files';

export type { PeerRole } from '../session/effects';
export { JoinRefusedError, type PeerEvents, type PeerOptions } from './peer-types';

/**
 * The driver of one copy's session: it owns the clock, the timers, the transport and the
 * store, feeds the pure SessionCore every frame, timer and call with the time, and carries
 * out the Effects that come back in one fixed order: persist, then send, then arm
 * timers, then emit. A change is on disk before any frame that depends on it leaves, because
 * every write of a step is made before any of its sends. The same driver runs in the
 * simulator and on a real network.
 */
export class Peer<S> {
  readonly events = new Emitter<PeerEvents>();
  readonly cfg: EngineConfig;
  private readonly core: SessionCore<S>;
  private readonly timers = new Map<TimerName, TimerHandle>();
  private readonly waiters = new Map<
    CommandId,
    (r: Result<unknown>, held: number | null) => void
  >();
  /** The store, and the files in it found unreadable (moved aside). */
  private readonly files: StoredFiles;
  /** A write failed and none has worked since. */
  private writeFailing = false;
  private joinWaiter: { resolve: () => void; reject: (e: JoinRefusedError) => void } | null = null;
  private stopWaiters: (() => void)[] = [];

  constructor(private readonly o: PeerOptions<S>) {
    this.cfg = engineConfig(o.config);
    this.files = new StoredFiles(o.store, o.log);
    this.core = new SessionCore<S>({
      deviceId: o.deviceId,
      name: o.name,
      random: o.random,
      app: o.app,
      cfg: this.cfg,
      signer: o.signer,
      stored: {
        identity: this.files.read(IDENTITY_KEY, parseIdentity, null),
        doc: this.files.read(DOC_KEY, (raw) => raw, null),
        outbox: this.files.read(OUTBOX_KEY, parseOutbox, []),
        certs: this.files.read(CERTS_KEY, parseCerts, []),
      },
    });
    registerPeer(this, {
      core: this.core as SessionCore<unknown>,
      apply: (fx) => this.apply(fx),
      now: () => this.now(),
    });
    o.transport.onFrame((from, frame) => this.apply(this.core.step(this.now(), from, frame)));
    o.transport.onGone?.((device) => this.apply(this.core.deviceGone(this.now(), device)));
  }

  // ---- reading -----------------------------------------------------------------

  get memberId(): MemberId | null {
    return this.core.memberId;
  }
  get sessionId(): SessionId | null {
    return this.core.sessionId;
  }
  get role(): PeerRole {
    return this.core.role;
  }
  get epoch(): number {
    return this.core.epoch;
  }
  get hostId(): MemberId | null {
    return this.core.hostId;
  }
  get doc(): Replica<S>['doc'] | null {
    return this.core.replica?.doc ?? null;
  }
  get isRunning(): boolean {
    return this.core.running;
  }
  get deviceId(): DeviceId {
    return this.o.deviceId;
  }
  heads(): string[] {
    return this.core.replica?.heads() ?? [];
  }
  /** Whether the current host is live from here. */
  hostReachable(): boolean {
    return this.core.hostReachable(this.now());
  }
  successors(): MemberId[] {
    return this.core.successors(this.now());
  }
  isLive(id: MemberId): boolean {
    return this.core.isLive(this.now(), id);
  }
  suspectAfterMs(id: MemberId): number {
    return this.core.election?.suspectAfterMs(id) ?? 0;
  }
  /** How long ago a member's last heartbeat arrived (null: never, or not in a session). */
  heardAgoMs(id: MemberId): number | null {
    const at = this.core.election?.lastHeard(id) ?? null;
    return at === null ? null : this.now() - at;
  }
  /** Files found unreadable at start or since, moved aside: what and where. */
  get unreadable(): StoredFiles['unreadable'] {
    return this.files.unreadable;
  }
  /** Whether this copy's disk refuses writes (why, since when), or null. */
  get storage(): SessionCore<S>['storage'] {
    return this.core.storage;
  }
  pendingCommands(): readonly { id: CommandId; body: unknown }[] {
    return this.core.pendingCommands();
  }

  // ---- calls -------------------------------------------------------------------

  /** Resume the session persisted in the store, if any. Returns whether there was one. */
  resume(): boolean {
    const fx = this.core.resume(this.now());
    this.apply(fx);
    return fx.resumed;
  }

  /** Create a new session; this copy becomes its first member and host. */
  createSession(sessionId: string, name: string, initial: S = this.o.app.init()): MemberId {
    this.apply(this.core.create(this.now(), sessionId, name, initial));
    return this.core.memberId!;
  }

  /** Ask the copy at `via` (a host) to admit us. Resolves once admitted and synced. */
  join(via: DeviceId, sessionId: string): Promise<void> {
    if (this.core.sessionId === sessionId && this.core.replica) {
      if (!this.core.running) this.resume();
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.joinWaiter = { resolve, reject };
      this.apply(this.core.join(this.now(), via, sessionId));
    });
  }

  /** Give up a join in progress (timeout, user cancel). */
  cancelJoin(reason = 'join cancelled'): void {
    this.apply(this.core.cancelJoin(this.now(), reason));
  }

  /**
   * Send a command to the host; `done` settles with the host's result once acknowledged
   * (durable on the host and its next K). `given` is a command id chosen elsewhere (a
   * phone's, so that its resubmission through another laptop applies once); the same id
   * submitted again while pending waits for the same answer.
   */
  submit(
    body: unknown,
    given?: CommandId,
  ): {
    id: CommandId;
    done: Promise<Result<unknown>>;
    /** The result and how many copies held the change when acked (null: not told). */
    receipt: Promise<{ result: Result<unknown>; held: number | null }>;
  } {
    const fx = this.core.submit(this.now(), body, given);
    const { id } = fx;
    const receipt = new Promise<{ result: Result<unknown>; held: number | null }>((resolve) => {
      const earlier = this.waiters.get(id);
      this.waiters.set(id, (result, held) => {
        earlier?.(result, held);
        resolve({ result, held });
      });
    });
    this.apply(fx);
    return { id, done: receipt.then((r) => r.result), receipt };
  }

  /** Graceful leave: a host brings its successor up to date and hands over first. */
  leave(): Promise<void> {
    return new Promise((resolve) => {
      this.stopWaiters.push(resolve);
      this.apply(this.core.leave(this.now()));
    });
  }

  /** Stop at once without a goodbye (a crash, as far as the room can tell). */
  stop(): void {
    this.apply(this.core.stop(this.now()));
  }

  // ---- carrying out effects ----------------------------------------------------

  private now(): number {
    return this.o.clock.now();
  }

  /**
   * Persist, then send, then arm timers, then emit: the one order, for every step. When
   * a write fails (a full or read-only disk), nothing of that step is sent (its frames may
   * claim what is not on disk) and the core hears of it; a later write that works clears it.
   */
  private apply(fx: Effects): void {
    const failed = this.persist(fx);
    if (!failed) {
      // A message sent to many (a broadcast, a heartbeat's shared parts) is encoded once.
      const frames = new Map<Effects['send'][number]['msg'], string>();
      for (const { to, msg } of fx.send) {
        let frame = frames.get(msg);
        if (frame === undefined) frames.set(msg, (frame = encode(msg)));
        this.o.transport.send(to, frame);
      }
      for (const q of fx.reach) this.askReach(q.device, q.asked);
    }
    for (const line of fx.log) this.o.log?.(line);
    if (fx.cancelTimers) {
      for (const h of this.timers.values()) this.o.clock.clearTimer(h);
      this.timers.clear();
    }
    for (const t of fx.timers) {
      const armed = this.timers.get(t.name);
      if (armed && !t.replace) continue;
      if (armed) this.o.clock.clearTimer(armed);
      const handle = this.o.clock.setTimer(t.ms, () => {
        if (this.timers.get(t.name) !== handle) return;
        this.timers.delete(t.name);
        this.apply(this.core.timer(this.now(), t.name));
      });
      this.timers.set(t.name, handle);
    }
    // Last, because a listener may call back in (submit, stop) and start a step of its own.
    for (const e of fx.emit) this.deliver(e);
    if (failed) {
      this.writeFailing = true;
      this.apply(this.core.storageFailed(this.now(), failed.code ?? 'EIO', failed.message));
    } else if (this.writeFailing && fx.persist.some((w) => w.op !== 'moveAside')) {
      this.writeFailing = false;
      this.apply(this.core.storageRecovered(this.now()));
    }
  }

  /** The core asked whether `device` still answers at its address (heartbeats.ts `onReach`). */
  private askReach(device: DeviceId, asked: number): void {
    this.o.transport.reach?.(device, (answer) => {
      if (answer === 'silent') this.apply(this.core.deviceSilent(this.now(), device, asked));
      else if (answer === 'refused') this.apply(this.core.deviceGone(this.now(), device));
    });
  }

  /** Carry out a step's writes in order; the error that stopped them, if any. */
  private persist(fx: Effects): NodeJS.ErrnoException | null {
    const store = this.o.store;
    for (const w of fx.persist) {
      try {
        if (w.op === 'save') store.save(w.key, w.bytes, w.durable);
        else if (w.op === 'append') store.append(w.key, w.bytes);
        else if (w.op === 'remove') store.remove(w.key);
        else this.files.moveAside(w.key, w.why);
      } catch (e) {
        return e as NodeJS.ErrnoException;
      }
    }
    return null;
  }

  private deliver(e: Effects['emit'][number]): void {
    switch (e.name) {
      case 'ack': {
        const w = this.waiters.get(e.payload.id);
        this.waiters.delete(e.payload.id);
        w?.(e.payload.result, e.payload.held);
        break;
      }
      case 'joined':
        this.settleJoin(null);
        break;
      case 'joinFailed':
        this.settleJoin(new JoinRefusedError(e.payload.code, e.payload.message));
        return;
      case 'stopped': {
        const waiting = this.stopWaiters;
        this.stopWaiters = [];
        for (const resolve of waiting) resolve();
        return;
      }
    }
    this.events.emit(e.name, e.payload as never);
  }

  private settleJoin(error: JoinRefusedError | null): void {
    const w = this.joinWaiter;
    this.joinWaiter = null;
    if (error) w?.reject(error);
    else w?.resolve();
  }
}
