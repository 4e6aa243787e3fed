import type { Clock, TimerHandle } from '../clock';
import { type Decision, Election, electionConfig } from '../election/election';
import {
  type CommandId,
  type DeviceId,
  type MemberId,
  type SessionId,
  asCommandId,
  asMemberId,
  asSessionId,
} from '../ids';
import { v7 as uuidv7 } from 'uuid';
import { decode, encode, fromBase64, toBase64 } from '../protocol/codec';
import type {
  Ack,
  CommandMsg,
  Handover,
  Heartbeat,
  Hello,
  Message,
  Snapshot,
  SyncMsg,
  Welcome,
} from '../protocol/messages';
import { PROTOCOL_VERSION } from '../protocol/version';
import type { Random } from '../random';
import { type Result, err } from '../result';
import { AckTracker } from '../replication/ack-tracker';
import type { App } from '../replication/app';
import { createSessionDoc } from '../replication/document';
import { Outbox } from '../replication/outbox';
import { Replica } from '../replication/replica';
import type { Store } from '../store/store';
import type { Transport } from '../transport/transport';
import { type EngineConfig, engineConfig } from './config';
import { RateLimiter } from './rate-limit';
import { Emitter } from './emitter';
import { type Identity, loadIdentity, saveIdentity } from './identity';

export interface PeerOptions<S> {
  deviceId: DeviceId;
  name: string;
  clock: Clock;
  random: Random;
  transport: Transport;
  store: Store;
  app: App<S>;
  config?: Partial<EngineConfig>;
  log?: (line: string) => void;
}

export type PeerRole = 'host' | 'member' | 'none';

export interface PeerEvents extends Record<string, unknown> {
  role: { role: PeerRole; hostId: MemberId | null; epoch: number };
  hostChanged: { from: MemberId | null; to: MemberId; epoch: number; gapMs: number };
  state: { heads: string[] };
  ack: { id: CommandId; result: Result<unknown> };
  joined: { sessionId: SessionId; memberId: MemberId };
  /** A frame was dropped (bad input); the peer keeps running. */
  dropped: { from: DeviceId; code: string; message: string };
}

interface PendingAck {
  id: CommandId;
  to: MemberId;
  result: Result<unknown>;
}

/**
 * One copy's engine: election, replica, outbox and ack tracking over injected ports
 * (clock, randomness, transport, store). It owns its timers; the logic it drives
 * only ever sees `now`. The same class runs in the simulator and on a real network.
 */
/** See `Peer.fruitlessSync`. A healthy exchange has at most about three in a row. */
const MAX_FRUITLESS_SYNC = 8;

/** A join the session refused (wrong protocol version, unknown session) or that was cancelled. */
export class JoinRefusedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'JoinRefusedError';
  }
}

export class Peer<S> {
  readonly events = new Emitter<PeerEvents>();
  readonly cfg: EngineConfig;
  private identity: Identity | null;
  private replica: Replica<S> | null = null;
  private election: Election | null = null;
  private readonly outbox: Outbox;
  private readonly acks = new AckTracker<PendingAck>();
  private readonly waiters = new Map<CommandId, (r: Result<unknown>) => void>();
  private timer: TimerHandle | null = null;
  /** When the last tick ran, to notice that this copy itself was stalled. */
  private lastTickAt: number | null = null;
  /** After a stall, no election decisions until then (fresh heartbeats first). */
  private listenUntil = 0;
  private running = false;
  private leaving = false;
  private hostlessSince: number | null = null;
  private lastHost: MemberId | null = null;
  private readonly lastSyncAt = new Map<MemberId, number>();
  /**
   * Sync messages received in a row from a peer that taught us nothing. Automerge's sync
   * never resends a change it believes it sent, so after a lost frame two copies can trade
   * "I still need X" / "nothing for you" forever (duplicated frames multiply the chains).
   * Past MAX_FRUITLESS_SYNC we stop answering; `repairSync` restarts the exchange afresh.
   */
  private readonly fruitlessSync = new Map<MemberId, number>();
  private readonly snapshotSentAt = new Map<DeviceId, number>();
  private readonly commandLimit: RateLimiter<MemberId>;
  private readonly syncDue = new Set<MemberId>();
  private readonly syncFirst = new Set<MemberId>();
  private syncTimer: TimerHandle | null = null;
  /** Member, not a holder: the sync replies and heads report waiting for the lazy flush. */
  private lazyTimer: TimerHandle | null = null;
  private readonly lazyDue = new Set<MemberId>();
  private reportDue = false;
  private stateDue = false;
  private readonly peerHeads = new Map<MemberId, string[]>();
  private joinWaiter: {
    resolve: () => void;
    reject: (e: JoinRefusedError) => void;
    via: DeviceId;
    sessionId: SessionId;
  } | null = null;
  private failbackTarget: MemberId | null = null;
  /** Where a member can be reached before the document lists it (the host, while joining). */
  private readonly deviceHints = new Map<MemberId, DeviceId>();

  constructor(private readonly o: PeerOptions<S>) {
    this.cfg = engineConfig(o.config);
    this.commandLimit = new RateLimiter(this.cfg.commandBurst, this.cfg.commandsPerSecond);
    this.identity = loadIdentity(o.store);
    this.outbox = new Outbox(o.store);
    o.transport.onFrame((from, frame) => this.onFrame(from, frame));
  }

  // ---- public surface ----------------------------------------------------------

  get memberId(): MemberId | null {
    return this.identity?.memberId ?? null;
  }
  get sessionId(): SessionId | null {
    return this.identity?.sessionId ?? null;
  }
  get role(): PeerRole {
    if (!this.election || !this.running) return 'none';
    return this.election.role;
  }
  get epoch(): number {
    return this.election?.epoch ?? this.identity?.epoch ?? 0;
  }
  get hostId(): MemberId | null {
    return this.election?.hostId ?? null;
  }
  get doc(): Replica<S>['doc'] | null {
    return this.replica?.doc ?? null;
  }
  get isRunning(): boolean {
    return this.running;
  }
  get deviceId(): DeviceId {
    return this.o.deviceId;
  }
  heads(): string[] {
    return this.replica?.heads() ?? [];
  }
  /** Whether the current host is live from here. */
  hostReachable(): boolean {
    const e = this.election;
    if (!e || !e.hostId) return false;
    return e.hostId === this.memberId || e.isLive(e.hostId, this.o.clock.now());
  }
  successors(): MemberId[] {
    return this.election?.successors(this.o.clock.now()) ?? [];
  }
  isLive(id: MemberId): boolean {
    return this.election?.isLive(id, this.o.clock.now()) ?? false;
  }
  suspectAfterMs(id: MemberId): number {
    return this.election?.suspectAfterMs(id) ?? 0;
  }
  /** How long ago a member's last heartbeat arrived (null: never, or not in a session). */
  heardAgoMs(id: MemberId): number | null {
    const at = this.election?.lastHeard(id) ?? null;
    return at === null ? null : this.o.clock.now() - at;
  }
  pendingCommands(): readonly { id: CommandId; body: unknown }[] {
    return this.outbox.list();
  }
  bytesSentTo(id: MemberId): number {
    return this.replica?.bytesSent.get(id) ?? 0;
  }
  replicaBytes(): number {
    return this.replica?.save().byteLength ?? 0;
  }

  /** Resume the session persisted in the store, if any. Returns whether there was one. */
  resume(): boolean {
    if (!this.identity) return false;
    const replica = Replica.load<S>(this.o.store, this.actor(this.identity.memberId));
    if (!replica) return false;
    this.replica = this.useReplica(replica);
    this.startElection(this.identity.memberId, this.identity.epoch);
    this.election!.start(this.o.clock.now());
    this.startTicking();
    this.emitRole();
    return true;
  }

  /** Create a new session; this copy becomes its first member and host. */
  createSession(sessionId: string, name: string, initial: S = this.o.app.init()): MemberId {
    const now = this.o.clock.now();
    const memberId = asMemberId(uuidv7({ msecs: now, random: this.o.random.bytes(16) }));
    const sid = asSessionId(sessionId);
    const doc = createSessionDoc<S>(
      { id: sid, name, createdAt: now },
      { memberId, deviceId: this.o.deviceId, name: this.o.name },
      initial,
      this.actor(memberId),
    );
    this.replica = this.useReplica(Replica.create(this.o.store, doc));
    this.identity = { sessionId: sid, memberId, epoch: 0 };
    saveIdentity(this.o.store, this.identity);
    this.startElection(memberId, 0);
    this.running = true;
    this.handle(this.election!.create(now));
    this.startTicking();
    return memberId;
  }

  /** Ask the copy at `via` (a host) to admit us. Resolves once admitted and synced. */
  join(via: DeviceId, sessionId: string): Promise<void> {
    if (this.identity && this.identity.sessionId === sessionId && this.replica) {
      if (!this.running) this.resume();
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.joinWaiter = { resolve, reject, via, sessionId: asSessionId(sessionId) };
      this.sendHello(via, asSessionId(sessionId));
      this.startTicking();
    });
  }

  /** Give up a join in progress (timeout, user cancel). */
  cancelJoin(reason = 'join cancelled'): void {
    const w = this.joinWaiter;
    if (!w) return; // joined already
    this.o.log?.(
      `join cancelled: ${reason} (${this.election ? 'admitted, not synced' : 'not admitted'})`,
    );
    this.joinWaiter = null;
    this.stop();
    w.reject(new JoinRefusedError('cancelled', reason));
  }

  /** Submit a command. Resolves with the host's result once acknowledged (durable on K successors). */
  /**
   * Send a command to the host. `given` is a command id chosen elsewhere (a phone's, so
   * that its resubmission through another laptop applies once); the same id submitted
   * again while pending waits for the same answer.
   */
  submit(body: unknown, given?: CommandId): { id: CommandId; done: Promise<Result<unknown>> } {
    const id =
      given ?? asCommandId(uuidv7({ msecs: this.o.clock.now(), random: this.o.random.bytes(16) }));
    const waiting = this.waiters.get(id);
    if (waiting) {
      const again = new Promise<Result<unknown>>((resolve) =>
        this.waiters.set(id, (r) => {
          waiting(r);
          resolve(r);
        }),
      );
      return { id, done: again };
    }
    this.outbox.add({ id, body, createdAt: this.o.clock.now() });
    const done = new Promise<Result<unknown>>((resolve) => this.waiters.set(id, resolve));
    this.flushOutbox();
    return { id, done };
  }

  /** Graceful leave: a host brings its successor up to date and hands over first. */
  leave(): Promise<void> {
    this.replica?.flush(); // whatever this copy holds stays on its disk
    if (!this.running || !this.election || this.leaving) {
      this.stop();
      return Promise.resolve();
    }
    this.leaving = true;
    return new Promise((resolve) => {
      const finish = (): void => {
        this.replica?.flush();
        this.broadcast((mid) => ({ type: 'leave', from: mid, epoch: this.epoch }));
        this.stop();
        resolve();
      };
      const now = this.o.clock.now();
      const to = this.election!.role === 'host' ? this.election!.successorForLeave(now) : null;
      if (!to) return finish();
      // Bring the successor up to date (bounded wait), then hand over and say goodbye.
      const deadline = now + this.cfg.handoverWaitMs;
      this.pushSync(to);
      const poll = (): void => {
        const held = this.acks.heldBy(to) >= this.acks.latestCounter;
        if (held || this.o.clock.now() >= deadline) {
          this.o.log?.(
            `leaving: handing over to ${to} after ${this.o.clock.now() - now} ms` +
              (held ? '' : ' (it had not confirmed everything: deadline)'),
          );
          this.doHandover(to);
          return finish();
        }
        this.o.clock.setTimer(Math.max(5, this.cfg.detector.heartbeatMs / 10), poll);
      };
      poll();
    });
  }

  /** Stop at once without a goodbye (a crash, as far as the room can tell). */
  stop(): void {
    this.running = false;
    this.leaving = false;
    if (this.timer) this.o.clock.clearTimer(this.timer);
    this.timer = null;
  }

  /** Freeze in place (a laptop put to sleep, SIGSTOP): no timers, frames are lost. */
  suspend(): void {
    this.stop();
  }

  /** Wake up with the state held before `suspend` (the laptop opened again). */
  wake(): void {
    if (this.election) this.startTicking();
  }

  // ---- timers ------------------------------------------------------------------

  private startTicking(): void {
    this.running = true;
    if (this.timer) this.o.clock.clearTimer(this.timer);
    const loop = (): void => {
      if (!this.running) return;
      this.tick();
      this.timer = this.o.clock.setTimer(this.cfg.detector.heartbeatMs, loop);
    };
    this.timer = this.o.clock.setTimer(0, loop);
  }

  private tick(): void {
    const e = this.election;
    if (!e || !this.replica) {
      if (this.joinWaiter) this.sendHello(this.joinWaiter.via, this.joinWaiter.sessionId);
      return;
    }
    const now = this.o.clock.now();
    const hb = this.cfg.detector.heartbeatMs;
    const gap = this.lastTickAt === null ? 0 : now - this.lastTickAt;
    this.lastTickAt = now;
    if (gap > 3 * hb) {
      // This copy itself was stalled (CPU starvation, SIGSTOP, a sleeping laptop): what it
      // knows of the others is stale and their heartbeats are probably still queued in its
      // sockets. Listen for a moment before judging anyone gone.
      this.listenUntil = now + 2 * hb;
      this.o.log?.(`stalled for ${Math.round(gap)} ms: listening before any election decision`);
    }
    this.sendHeartbeats(now);
    if (this.leaving) return;
    if (now >= this.listenUntil) this.handle(e.tick(now));
    if (this.hostlessSince !== null && this.hostReachable()) {
      this.hostlessSince = null;
      this.emitRole();
    }
    if (e.role === 'host') this.releaseAcks();
    this.repairSync(now);
    this.flushOutbox();
  }

  private sendHeartbeats(now: number): void {
    const e = this.election!;
    const me = this.identity!.memberId;
    this.replica!.flush(); // heads in a heartbeat count as held
    const heads = this.replica!.heads();
    for (const id of e.members) {
      if (id === me) continue;
      const device = this.replica!.deviceOf(id);
      if (!device) continue;
      const hb: Heartbeat = { type: 'hb', from: me, ...e.heartbeatFor(id, now), heads };
      this.send(device, hb);
    }
    e.nextRound();
  }

  /** Restart a stalled sync exchange (lost frames) when a peer's heads differ from ours. */
  private repairSync(now: number): void {
    const e = this.election!;
    const links =
      e.role === 'host'
        ? e.members.filter((m) => m !== this.memberId && e.isLive(m, now))
        : [e.hostId];
    const mine = this.replica!.heads().join();
    const quiet = 2 * this.cfg.detector.heartbeatMs;
    for (const peer of links) {
      if (!peer || peer === this.memberId) continue;
      const theirs = this.peerHeads.get(peer);
      if (theirs && theirs.join() === mine) continue;
      const looping = (this.fruitlessSync.get(peer) ?? 0) > MAX_FRUITLESS_SYNC;
      if (!looping && now - (this.lastSyncAt.get(peer) ?? -Infinity) < quiet) continue;
      this.fruitlessSync.delete(peer);
      this.replica!.resetSync(peer);
      this.pushSync(peer);
    }
  }

  // ---- incoming ----------------------------------------------------------------

  private onFrame(from: DeviceId, frame: string): void {
    if (!this.running) return;
    const d = decode(frame);
    if (!d.ok) {
      this.drop(from, d.error.code, d.error.message);
      return;
    }
    try {
      this.dispatch(from, d.message);
    } catch (e) {
      this.drop(from, 'internal', (e as Error).message);
    }
  }

  private dispatch(from: DeviceId, m: Message): void {
    // A frame that speaks for a member must come from that member's device (the
    // transport proved the device). Commands answer `forbidden` instead (onCommand).
    if ('from' in m && m.type !== 'cmd' && !this.speaksFor(from, m.from)) return;
    switch (m.type) {
      case 'link':
        return; // the transport's handshake, never passed up
      case 'hello':
        return this.onHello(from, m);
      case 'welcome':
        return this.onWelcome(from, m);
      case 'refuse': {
        this.o.log?.(`refused by ${from}: ${m.error.code} ${m.error.message}`);
        const w = this.joinWaiter;
        if (w && !this.election && from === w.via) {
          this.joinWaiter = null;
          this.stop();
          w.reject(new JoinRefusedError(m.error.code, m.error.message));
        }
        return;
      }
      case 'hb':
        return this.onHeartbeat(m);
      case 'sync':
        return this.onSync(m);
      case 'snapshot':
        return this.onSnapshot(m);
      case 'have':
        return this.onHave(m.from as MemberId, m.heads, m.epoch);
      case 'cmd':
        return this.onCommand(from, m);
      case 'ack':
        return this.onAck(m);
      case 'not-host':
        if (m.id === 'hello' && this.joinWaiter && !this.election && m.hostDevice) {
          // We asked a member: ask the host it names instead.
          this.joinWaiter.via = asDeviceIdOf(m.hostDevice);
          this.sendHello(this.joinWaiter.via, this.joinWaiter.sessionId);
          return;
        }
        this.outbox.resetSendTimes();
        return;
      case 'handover':
        return this.onHandover(m);
      case 'leave':
        if (!this.election) return;
        this.handle(this.election.onLeave(asMemberId(m.from), this.o.clock.now()));
        return;
    }
  }

  private onHello(from: DeviceId, m: Hello): void {
    const refuse = (code: string, message: string): void =>
      this.send(from, { type: 'refuse', error: { code, message } });
    if (m.v !== PROTOCOL_VERSION)
      return refuse('version', `protocol ${m.v} is not ${PROTOCOL_VERSION}`);
    if (!this.identity || m.sessionId !== this.identity.sessionId)
      return refuse('unknown-session', 'not in that session');
    const e = this.election;
    if (!e || e.role !== 'host') {
      this.send(from, {
        type: 'not-host',
        id: 'hello',
        hostId: e?.hostId ?? null,
        epoch: this.epoch,
        hostDevice: e?.hostId ? this.deviceOfMember(e.hostId) : null,
      });
      return;
    }
    const { memberId, head } = this.replica!.admit(
      asDeviceIdOf(m.deviceId),
      m.name,
      this.o.clock.now(),
      this.o.random,
    );
    e.setMembers(this.replica!.members());
    e.onAdmitted(memberId, m.eligible, this.o.clock.now());
    if (head) this.afterHostChange(head);
    this.send(from, {
      type: 'welcome',
      sessionId: this.identity.sessionId,
      memberId,
      hostId: this.memberId!,
      epoch: e.epoch,
    });
    this.sendSnapshot(from);
  }

  /** The whole document to a joiner (it ignores it unless its replica is empty). */
  private sendSnapshot(to: DeviceId): void {
    const now = this.o.clock.now();
    if (now - (this.snapshotSentAt.get(to) ?? -Infinity) < 2_000) return;
    const t0 = performance.now();
    const data = toBase64(this.replica!.snapshot());
    this.o.log?.(
      `snapshot for ${to}: ${data.length} chars, saved in ${(performance.now() - t0).toFixed(0)} ms`,
    );
    if (data.length > 12 * 1024 * 1024) return; // too big for one frame: plain sync instead
    this.snapshotSentAt.set(to, now);
    this.send(to, { type: 'snapshot', from: this.memberId!, epoch: this.epoch, data });
  }

  private onWelcome(from: DeviceId, m: Welcome): void {
    if (!this.joinWaiter || m.sessionId !== this.joinWaiter.sessionId || this.election) return;
    const memberId = asMemberId(m.memberId);
    this.o.log?.(`admitted as ${memberId} by host ${m.hostId} (epoch ${m.epoch})`);
    this.deviceHints.set(asMemberId(m.hostId), from);
    this.identity = { sessionId: asSessionId(m.sessionId), memberId, epoch: m.epoch };
    saveIdentity(this.o.store, this.identity);
    this.replica = this.useReplica(Replica.empty<S>(this.o.store, this.actor(memberId)));
    this.startElection(memberId, 0);
    this.election!.start(this.o.clock.now());
    this.handle(
      this.election!.onHandover(
        asMemberId(m.hostId),
        asMemberId(m.hostId),
        m.epoch,
        this.o.clock.now(),
      ),
    );
    this.startTicking();
  }

  private onHeartbeat(m: Heartbeat): void {
    const e = this.election;
    if (!e || m.from === this.memberId) return;
    const from = asMemberId(m.from);
    this.peerHeads.set(from, m.heads);
    const now = this.o.clock.now();
    this.handle(e.onHeartbeat(from, { ...m, hostId: m.hostId as MemberId | null }, now));
    if (e.role === 'host') this.onHave(from, m.heads, m.epoch);
  }

  /** A joiner's first state, whole: loading a saved document is several times faster than
   * applying its history change by change through sync (1.1 s vs 4.3 s at 5,000 entries). */
  private onSnapshot(m: Snapshot): void {
    const e = this.election;
    if (!e || !this.replica || m.from !== e.hostId) return;
    if (!this.replica.isEmpty()) {
      this.o.log?.('snapshot ignored: the replica already has changes (sync goes on)');
      return;
    }
    const t0 = performance.now();
    try {
      if (!this.replica.adoptSnapshot(fromBase64(m.data), this.actor(this.memberId!))) return;
      this.o.log?.(`snapshot loaded in ${(performance.now() - t0).toFixed(0)} ms`);
    } catch (err) {
      this.o.log?.(
        `snapshot from the host could not be loaded (${(err as Error).message}); syncing instead`,
      );
      return;
    }
    e.setMembers(this.replica.members());
    // Loaded and on disk: the join is done; the sync below only confirms the heads.
    this.checkJoined();
    this.stateSoon();
    this.pushSync(asMemberId(m.from));
    this.reportHeadsToHost();
  }

  /** Member: tell the host, at the end of this turn, which heads we hold: that drives its acks. */
  private reportHeadsToHost(): void {
    this.reportDue = true;
    this.endOfTurnSoon();
  }

  /** Member: report held heads now (flushed to disk first: the host acks on them). */
  private reportHeadsToHostNow(): void {
    this.replica?.flush();
    const e = this.election;
    const device = e?.hostId ? this.replica?.deviceOf(e.hostId) : null;
    if (!e || !device) return;
    this.send(device, {
      type: 'have',
      from: this.memberId!,
      epoch: e.epoch,
      heads: this.replica!.heads(),
    });
  }

  private onSync(m: SyncMsg): void {
    const e = this.election;
    if (!e || !this.replica || m.epoch < e.epoch) return; // an older epoch is refused
    const from = asMemberId(m.from);
    this.lastSyncAt.set(from, this.o.clock.now());
    const changed = this.replica.receiveSync(from, fromBase64(m.data));
    let lazy = false;
    if (changed) {
      e.setMembers(this.replica.members());
      // No ack waits on a member outside the host's next K: it shows the change now, writes
      // it and answers a moment later, with whatever else arrives meanwhile (one fsync for
      // many changes).
      lazy = e.role !== 'host' && !e.isHolder(this.cfg.k, this.o.clock.now());
      if (e.role === 'host') {
        // Merged a peer's changes (a demoted host's, say): anchor them in our ack chain.
        this.afterHostChange(this.replica.anchor(this.o.clock.now(), e.epoch, this.o.app));
      } else if (!lazy) {
        this.reportHeadsToHost();
      }
      this.stateSoon();
      this.checkJoined();
      this.fruitlessSync.delete(from);
    } else {
      const n = (this.fruitlessSync.get(from) ?? 0) + 1;
      this.fruitlessSync.set(from, n);
      if (n > MAX_FRUITLESS_SYNC) return; // a sync loop: leave it to repairSync
    }
    if (lazy) this.lazyReplySoon(from);
    // Answered at the end of the turn, after the heads report that the host's acks wait on.
    else this.pushSyncSoon(from);
  }

  private onHave(from: MemberId, heads: readonly string[], _epoch: number): void {
    if (this.election?.role !== 'host') return;
    this.peerHeads.set(from, [...heads]);
    this.acks.reportHeads(from, heads);
    this.releaseAcks();
    if (this.failbackTarget === from) this.tryFailback(from);
  }

  private onCommand(from: DeviceId, m: CommandMsg): void {
    const e = this.election;
    if (!e || !this.replica) return;
    if (e.role !== 'host' || this.leaving) {
      this.send(from, { type: 'not-host', id: m.id, hostId: e.hostId, epoch: e.epoch });
      return;
    }
    const sender = asMemberId(m.from);
    const id = asCommandId(m.id);
    const known = this.replica.deviceOf(sender);
    if (known === null || known !== from) {
      this.sendAck(from, sender, id, err('forbidden', 'sender is not a member of this session'));
      return;
    }
    const now = this.o.clock.now();
    // Only new commands count: an outbox resending what is already applied (waiting for
    // its ack) is not a flood.
    const isNew = this.replica.commandResult(id) === undefined;
    if (isNew && !this.commandLimit.take(sender, now)) {
      // Refused, not queued: a flooding copy must not crowd out the rest of the room.
      this.sendAck(
        from,
        sender,
        id,
        err('rate-limited', 'too many commands from this laptop at once; try again shortly'),
      );
      return;
    }
    const outcome = this.replica.applyCommand(this.o.app, id, m.body, {
      commandId: id,
      sender,
      now,
      epoch: e.epoch,
    });
    if (outcome.kind === 'rejected') {
      this.sendAck(from, sender, id, outcome.result);
      return;
    }
    let counter: number;
    if (outcome.kind === 'applied') {
      counter = this.afterHostChange(outcome.head);
      this.stateSoon();
    } else {
      // A repeat: ack again once the holders have everything we have now.
      counter =
        this.acks.isOwnHead(this.replica.heads()[0] ?? '') && this.replica.heads().length === 1
          ? this.acks.latestCounter
          : this.afterHostChange(this.replica.anchor(now, this.epoch, this.o.app));
    }
    this.acks.add(counter, { id, to: sender, result: outcome.result });
    this.releaseAcks();
  }

  private onAck(m: Ack): void {
    const id = asCommandId(m.id);
    if (!this.outbox.remove(id)) return; // duplicate ack
    const result = m.result as Result<unknown>;
    const w = this.waiters.get(id);
    this.waiters.delete(id);
    w?.(result);
    this.events.emit('ack', { id, result });
  }

  private onHandover(m: Handover): void {
    if (!this.election) return;
    const now = this.o.clock.now();
    this.handle(this.election.onHandover(asMemberId(m.from), asMemberId(m.to), m.epoch, now));
    // A leaving host's goodbye rides on the handover too: its separate 'leave' frame was
    // seen to go missing for the new host, which then waited a detector timeout for it
    // as a holder before acking anything.
    if (m.leaving) this.handle(this.election.onLeave(asMemberId(m.from), now));
  }

  // ---- decisions ---------------------------------------------------------------

  private handle(decisions: Decision[]): void {
    for (const d of decisions) {
      switch (d.kind) {
        case 'become-host':
          if (d.reason === 'failover') this.logPromotion(d.epoch);
          this.onBecomeHost(d.epoch);
          break;
        case 'follow':
          this.onFollow(d.hostId);
          break;
        case 'lost-host':
          this.hostlessSince ??= this.o.clock.now();
          this.emitRole();
          break;
        case 'failback':
          this.tryFailback(d.to);
          break;
      }
    }
  }

  private onBecomeHost(epoch: number): void {
    const now = this.o.clock.now();
    this.persistEpoch(epoch);
    this.acks.reset();
    for (const m of this.election!.members) if (m !== this.memberId) this.replica!.resetSync(m);
    // The holders now; every other member opens its own exchange when it follows (our
    // heartbeat below tells it): starting both ends at once doubles the sync messages of
    // a room that just changed host, and the new host answers all of them.
    this.afterHostChange(this.replica!.startTerm(epoch, this.memberId!, now, this.o.app), true);
    this.noteHostChange(this.memberId!, epoch);
    // Tell the room now rather than at the next heartbeat: members switch a round sooner.
    this.sendHeartbeats(now);
    this.outbox.resetSendTimes();
    this.flushOutbox();
  }

  private onFollow(hostId: MemberId): void {
    this.acks.dropPending();
    this.failbackTarget = null;
    this.persistEpoch(this.election!.epoch);
    this.replica!.resetSync(hostId);
    this.pushSync(hostId);
    this.noteHostChange(hostId, this.election!.epoch);
    this.outbox.resetSendTimes();
    this.flushOutbox();
  }

  private tryFailback(to: MemberId): void {
    if (this.election?.role !== 'host' || this.leaving) return;
    if (this.acks.heldBy(to) >= this.acks.latestCounter) {
      this.failbackTarget = null;
      this.doHandover(to);
      return;
    }
    if (this.failbackTarget !== to) {
      this.failbackTarget = to;
      this.pushSync(to);
    }
  }

  private doHandover(to: MemberId): void {
    const e = this.election!;
    const epoch = e.handOver(to, this.o.clock.now());
    this.broadcast((mid) => ({
      type: 'handover',
      from: mid,
      epoch,
      to,
      ...(this.leaving ? { leaving: true } : {}),
    }));
    this.onFollow(to);
  }

  private noteHostChange(to: MemberId, epoch: number): void {
    const now = this.o.clock.now();
    if (to !== this.lastHost) {
      const gapMs = this.hostlessSince === null ? 0 : now - this.hostlessSince;
      this.events.emit('hostChanged', { from: this.lastHost, to, epoch, gapMs });
      this.lastHost = to;
    }
    this.hostlessSince = null;
    this.emitRole();
  }

  private emitRole(): void {
    this.events.emit('role', { role: this.role, hostId: this.hostId, epoch: this.epoch });
  }

  // ---- host side ---------------------------------------------------------------

  /** The host changed the document: count it in the ack chain and sync it out. */
  /** Why this copy promoted itself: what it knew of each earlier member (diagnostics). */
  private logPromotion(epoch: number): void {
    const e = this.election!;
    const now = this.o.clock.now();
    const view = e.members
      .slice(0, Math.max(0, e.members.indexOf(this.memberId!)))
      .map((m) => `${m.slice(-6)}:${e.isLive(m, now) ? 'live' : 'silent'}`)
      .join(' ');
    this.o.log?.(`promoting to host at epoch ${epoch}; earlier members: ${view || 'none'}`);
  }

  private afterHostChange(head: string, holdersOnly = false): number {
    const counter = this.acks.recordChange(head);
    const e = this.election!;
    const now = this.o.clock.now();
    // The next K holders gate the ack: they get the change first, the rest in one batch.
    const holders = new Set(e.nextHolders(this.cfg.k, now));
    for (const m of holders) this.pushSyncSoon(m, true);
    if (holdersOnly) return counter;
    for (const m of e.members)
      if (m !== this.memberId && !holders.has(m) && e.isLive(m, now)) this.pushSyncSoon(m);
    return counter;
  }

  /**
   * Sync `peer` at the end of this turn: commands arriving together (one TCP read, a
   * burst) leave as one sync message per member instead of one per change, which the
   * members then merge and persist once.
   */
  private pushSyncSoon(peer: MemberId, first = false): void {
    if (first) this.syncFirst.add(peer);
    this.syncDue.add(peer);
    this.endOfTurnSoon();
  }

  /**
   * Once per event-loop turn: write the turn's changes with one fsync (group commit), then
   * report our heads to the host and push sync — holders first. Nothing that depends on a
   * change being on disk leaves before this flush.
   */
  private endOfTurnSoon(): void {
    if (this.syncTimer) return;
    this.syncTimer = this.o.clock.setTimer(0, () => {
      this.syncTimer = null;
      if (!this.running) return;
      // Only what is waited on is written now; a lazy reply's changes wait for its flush.
      if (this.reportDue || this.syncDue.size > 0 || !this.lazyTimer) this.replica?.flush();
      if (this.reportDue) {
        this.reportDue = false;
        this.reportHeadsToHostNow();
      }
      const due = [...this.syncFirst, ...[...this.syncDue].filter((m) => !this.syncFirst.has(m))];
      this.syncDue.clear();
      this.syncFirst.clear();
      for (const m of due) this.pushSync(m);
      // Last: the app's view of the new state (the UI) never delays an ack.
      if (this.stateDue && this.replica) {
        this.stateDue = false;
        this.events.emit('state', { heads: this.replica.heads() });
      }
    });
  }

  /**
   * Member, not a holder: flush, report heads and answer `peer`'s sync after LAZY_MS, once
   * for everything that came in meanwhile. Under load this turns one fsync and two
   * messages per change into a few per second, on every laptop but the host and its
   * K holders; nothing claims a change before it is on disk (the flush comes first).
   */
  private lazyReplySoon(peer: MemberId): void {
    this.lazyDue.add(peer);
    if (this.lazyTimer) return;
    this.lazyTimer = this.o.clock.setTimer(LAZY_MS, () => {
      this.lazyTimer = null;
      if (!this.running) return;
      this.replica?.flush();
      const due = [...this.lazyDue];
      this.lazyDue.clear();
      if (this.election?.role !== 'host') this.reportHeadsToHostNow();
      for (const m of due) this.pushSync(m);
    });
  }

  /** The document changed: tell the app at the end of this turn (once per turn). */
  private stateSoon(): void {
    this.stateDue = true;
    this.endOfTurnSoon();
  }

  /** The replica this peer runs on, with its writes grouped per turn. */
  private useReplica(r: Replica<S>): Replica<S> {
    r.onDeferredWrite = () => this.endOfTurnSoon();
    return r;
  }

  private releaseAcks(): void {
    const e = this.election;
    if (!e || e.role !== 'host') return;
    const holders = e.nextHolders(this.cfg.k, this.o.clock.now());
    for (const p of this.acks.release(holders)) {
      this.sendAck(this.deviceOfMember(p.to), p.to, p.id, p.result);
    }
  }

  private sendAck(
    device: DeviceId | null,
    to: MemberId,
    id: CommandId,
    result: Result<unknown>,
  ): void {
    this.replica?.flush(); // an ack promises the change is on the host's disk
    const ack: Ack = { type: 'ack', id, epoch: this.epoch, result };
    if (to === this.memberId) {
      this.o.clock.setTimer(0, () => this.running && this.onAck(ack));
      return;
    }
    if (device) this.send(device, ack);
  }

  // ---- member side -------------------------------------------------------------

  private flushOutbox(): void {
    const e = this.election;
    if (!e || !this.running || !e.hostId) return;
    const now = this.o.clock.now();
    const due = this.outbox.due(now, this.cfg.resendMs);
    if (due.length === 0) return;
    const me = this.memberId!;
    if (e.role === 'host') {
      if (this.leaving) return;
      for (const entry of due) {
        this.outbox.markSent(entry.id, now);
        const msg: CommandMsg = { type: 'cmd', from: me, id: entry.id, body: entry.body };
        this.o.clock.setTimer(0, () => this.running && this.onCommand(this.o.deviceId, msg));
      }
      return;
    }
    if (!e.isLive(e.hostId, now)) return;
    const device = this.deviceOfMember(e.hostId);
    if (!device) return;
    for (const entry of due) {
      this.outbox.markSent(entry.id, now);
      this.send(device, { type: 'cmd', from: me, id: entry.id, body: entry.body });
    }
  }

  private checkJoined(): void {
    if (!this.joinWaiter || !this.replica?.doc.baton?.session) return;
    const w = this.joinWaiter;
    this.joinWaiter = null;
    this.events.emit('joined', { sessionId: this.sessionId!, memberId: this.memberId! });
    w.resolve();
  }

  // ---- plumbing ----------------------------------------------------------------

  private startElection(memberId: MemberId, epoch: number): void {
    this.election = new Election(
      electionConfig(memberId, {
        eligible: this.cfg.eligible,
        stabilityMs: this.cfg.stabilityMs,
        detector: this.cfg.detector,
      }),
      epoch,
    );
    this.election.setMembers(this.replica!.members().length ? this.replica!.members() : [memberId]);
  }

  private persistEpoch(epoch: number): void {
    if (!this.identity || epoch <= this.identity.epoch) return;
    this.identity = { ...this.identity, epoch };
    saveIdentity(this.o.store, this.identity);
  }

  private pushSync(peer: MemberId): void {
    const device = this.deviceOfMember(peer);
    if (!device || !this.replica) return;
    const data = this.replica.generateSync(peer);
    if (!data) return;
    this.lastSyncAt.set(peer, this.o.clock.now());
    this.send(device, {
      type: 'sync',
      from: this.memberId!,
      epoch: this.epoch,
      data: toBase64(data),
    });
  }

  private broadcast(make: (me: MemberId) => Message): void {
    const me = this.memberId;
    if (!me || !this.election) return;
    const msg = make(me);
    for (const id of this.election.members) {
      if (id === me) continue;
      const device = this.deviceOfMember(id);
      if (device) this.send(device, msg);
    }
  }

  private sendHello(via: DeviceId, sessionId: SessionId): void {
    this.send(via, {
      type: 'hello',
      v: PROTOCOL_VERSION,
      sessionId,
      deviceId: this.o.deviceId,
      memberId: null,
      name: this.o.name,
      eligible: this.cfg.eligible,
    });
  }

  private deviceOfMember(id: MemberId): DeviceId | null {
    return (this.replica ? this.replica.deviceOf(id) : null) ?? this.deviceHints.get(id) ?? null;
  }

  private send(to: DeviceId, msg: Message): void {
    if (!this.running && msg.type !== 'leave') return;
    this.o.transport.send(to, encode(msg));
  }

  /** May `device` speak for `member`? Yes when it is the member's device, or when we do
   * not know the member's device yet (a joiner before its snapshot). */
  private speaksFor(device: DeviceId, member: string): boolean {
    const known = this.deviceOfMember(asMemberId(member));
    if (known === null || known === device) return true;
    this.drop(device, 'impostor', `a frame from member ${member}, which is another device's`);
    return false;
  }

  private drop(from: DeviceId, code: string, message: string): void {
    this.o.log?.(`dropped frame from ${from}: ${code}: ${message}`);
    this.events.emit('dropped', { from, code, message });
  }

  /** Automerge actor id: stable per member so a restarted copy continues its own history. */
  private actor(memberId: MemberId): string {
    return memberId.replace(/-/g, '');
  }
}

const asDeviceIdOf = (s: string): DeviceId => s as DeviceId;

/** How long a member that no ack waits on may hold its sync reply (and its fsync). */
const LAZY_MS = 100;
