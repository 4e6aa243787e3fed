import { v7 as uuidv7 } from 'uuid';
import {
  type CommandId,
  type DeviceId,
  type MemberId,
  type SessionId,
  asCommandId,
  asMemberId,
  asSessionId,
} from '../ids';
import { decode } from '../protocol/codec';
import type { HeadsCert, Message } from '../protocol/messages';
import { certsToShow } from './certs';
import { createSessionDoc } from '../replication/document';
import type { OutboxEntry } from '../replication/outbox';
import { DOC_KEY, Replica } from '../replication/replica';
import { onAck } from './acks';
import { afterAcks, onFanoutTimer, onTurnEnd } from './fanout';
import { flushOutbox } from './command-intake';
import type { Effects, TimerName } from './effects';
import { onCheck, onDeviceSilent, onHeartbeat, onReach, onTick } from './heartbeats';
import {
  handOver,
  handleDecisions,
  onDeviceGone,
  onHandover,
  onLeaveNotice,
  onLeaveTimer,
  startLeave,
  tryFailback,
} from './hosting';
import { refusal } from './gate';
import { stepHost } from './host-step';
import { stepMember } from './member-step';
import { saveIdentity } from './identity';
import { sendHello, startElection } from './joining';
import { type CoreOptions, SessionState } from './state';
import { onStorageFailed, onStorageRecovered, onStorageTimer } from './storage';
import { roomLive, roomSuccessors } from './room-view';
import { onLazyTimer, onSync } from './sync-schedule';

export type { CoreOptions } from './state';

/**
 * One copy's session, as a pure state machine (etcd raft's RawNode shape): every input —
 * a frame, a timer, a call — comes in with the time, and every output comes back as
 * `Effects` for the driver to carry out (persist, then send, then arm timers, then emit).
 * No clock, timer, socket or disk in here or in the job modules beside it (lint-enforced).
 */
export class SessionCore<S> {
  private readonly s: SessionState<S>;

  constructor(o: CoreOptions<S>) {
    this.s = new SessionState(o);
  }

  // ---- reading ---------------------------------------------------------------

  get memberId(): MemberId | null {
    return this.s.memberId;
  }
  get sessionId(): SessionId | null {
    return this.s.identity?.sessionId ?? null;
  }
  get role(): SessionState<S>['role'] {
    return this.s.role;
  }
  get epoch(): number {
    return this.s.epoch;
  }
  get hostId(): MemberId | null {
    return this.s.election?.hostId ?? null;
  }
  get running(): boolean {
    return this.s.running;
  }
  get replica(): Replica<S> | null {
    return this.s.replica;
  }
  get election(): SessionState<S>['election'] {
    return this.s.election;
  }
  get isJoining(): boolean {
    return this.s.joining !== null;
  }
  hostReachable(now: number): boolean {
    this.s.now = now;
    return this.s.hostReachable();
  }

  /** The heads certificates this copy keeps (certs.ts), newest term first. */
  certsKept(): HeadsCert[] {
    return certsToShow(this.s);
  }

  pendingCommands(): readonly OutboxEntry[] {
    return this.s.outbox.list();
  }
  /** Whether member `id` is live, as far as the app is concerned (see room-view.ts). */
  isLive(now: number, id: MemberId): boolean {
    this.s.now = now;
    return roomLive(this.s, id);
  }
  /** The successor list to show (the host's view when fresh). */
  successors(now: number): MemberId[] {
    this.s.now = now;
    return roomSuccessors(this.s);
  }
  /** Whether `id` waits in the outbox for its ack. */
  isPending(id: CommandId): boolean {
    return this.s.outbox.list().some((e) => e.id === id);
  }

  // ---- calls -----------------------------------------------------------------

  /** Resume the session the store held, if any (`resumed` says whether there was one). */
  resume(now: number): Effects & { resumed: boolean } {
    const s = this.begin(now);
    const id = s.identity;
    const bytes = s.o.stored.doc;
    if (!id || !bytes) return { ...this.end(), resumed: false };
    s.o.stored.doc = null; // held until now only to be loaded once
    let replica: Replica<S>;
    try {
      replica = Replica.load<S>(bytes, s.fx, s.actor(id.memberId));
    } catch (e) {
      // Truncated by a power cut, or damaged: out of the way; the room has the session.
      const why = `the session document could not be loaded: ${(e as Error).message}`;
      s.fx.log(`${why}; moving it aside and getting the session back from the other laptops`);
      s.fx.moveAside(DOC_KEY, why);
      return { ...this.end(), resumed: false };
    }
    if (replica.isEmpty()) {
      // Stopped while joining, before the host's document came: nothing to resume, nor to
      // host (a copy elected with no session would have nothing to serve). Join again.
      s.fx.log('the stored document is empty (this copy stopped while joining): joining again');
      s.fx.moveAside(DOC_KEY, 'empty: stopped while joining');
      return { ...this.end(), resumed: false };
    }
    s.useReplica(replica);
    startElection(s, id.memberId, id.epoch);
    s.election!.start(now);
    s.startTicking();
    s.emitRole();
    return { ...this.end(), resumed: true };
  }

  /** Create a new session; this copy becomes its first member and host. */
  create(now: number, sessionId: string, name: string, initial: S): Effects {
    const s = this.begin(now);
    const memberId = asMemberId(uuidv7({ msecs: now, random: s.o.random.bytes(16) }));
    const sid = asSessionId(sessionId);
    const doc = createSessionDoc<S>(
      { id: sid, name, createdAt: now },
      { memberId, deviceId: s.o.deviceId, name: s.o.name },
      initial,
      s.actor(memberId),
    );
    s.useReplica(Replica.create(s.fx, doc));
    s.identity = { sessionId: sid, memberId, epoch: 0 };
    saveIdentity(s.fx, s.identity);
    startElection(s, memberId, 0);
    s.running = true;
    handleDecisions(s, s.election!.create(now));
    s.startTicking();
    return this.end();
  }

  /** Ask the copy at `via` (a host, or a member that names it) to admit us. */
  join(now: number, via: DeviceId, sessionId: string): Effects {
    const s = this.begin(now);
    s.joining = { via, sessionId: asSessionId(sessionId) };
    sendHello(s, via, s.joining.sessionId); // dropped unless running: the first tick says it
    s.startTicking();
    return this.end();
  }

  /** Give up a join in progress (timeout, user cancel). */
  cancelJoin(now: number, reason: string): Effects {
    const s = this.begin(now);
    if (!s.joining) return this.end(); // joined already
    s.fx.log(`join cancelled: ${reason} (${s.election ? 'admitted, not synced' : 'not admitted'})`);
    s.joining = null;
    s.stop();
    s.fx.emit('joinFailed', { code: 'cancelled', message: reason });
    return this.end();
  }

  /** A command into the outbox (written before it leaves), sent to the host at once. */
  submit(now: number, body: unknown, given?: CommandId): Effects & { id: CommandId } {
    const s = this.begin(now);
    const id = given ?? asCommandId(uuidv7({ msecs: now, random: s.o.random.bytes(16) }));
    if (!this.isPending(id)) {
      s.outbox.add({ id, body, createdAt: now });
      flushOutbox(s);
    }
    return { ...this.end(), id };
  }

  /** Graceful leave; `stopped` is emitted once done. */
  leave(now: number): Effects {
    startLeave(this.begin(now));
    return this.end();
  }

  /** Stop at once without a goodbye (a crash, as far as the room can tell). */
  stop(now: number): Effects {
    this.begin(now).stop();
    return this.end();
  }

  /** Wake up with the state held before a stop (the laptop opened again). */
  wake(now: number): Effects {
    const s = this.begin(now);
    if (s.election) s.startTicking();
    return this.end();
  }

  /** The driver could not write (a full or read-only disk): the last step sent nothing. */
  storageFailed(now: number, code: string, message: string): Effects {
    const s = this.begin(now);
    // A host that cannot save hands hosting to its successor (storage.ts says to whom).
    onStorageFailed(s, code, message);
    return this.end();
  }

  /** The transport found `device` gone (its process died: see gone-probe.ts). */
  deviceGone(now: number, device: DeviceId): Effects {
    onDeviceGone(this.begin(now), device);
    return this.end();
  }

  /** Nothing answered at `device`'s address when the core asked (`Effects.reach`, `asked`). */
  deviceSilent(now: number, device: DeviceId, asked: number): Effects {
    onDeviceSilent(this.begin(now), device, asked);
    return this.end();
  }

  /** A write worked again after `storageFailed`. */
  storageRecovered(now: number): Effects {
    onStorageRecovered(this.begin(now));
    return this.end();
  }

  /** Whether this copy's disk is refusing writes (why, since when), or null. */
  get storage(): SessionState<S>['storage'] {
    return this.s.storage;
  }

  // ---- inputs ----------------------------------------------------------------

  /** A frame from `from` (the transport proved the device). Bad input is dropped. */
  step(now: number, from: DeviceId, frame: string): Effects {
    const s = this.begin(now);
    if (!s.running) return this.end();
    const d = decode(frame);
    if (!d.ok) {
      s.drop(from, d.error.code, d.error.message);
      return this.end();
    }
    const no = refusal(s, from, d.message, frame.length);
    if (no) {
      s.drop(from, no.code, no.message);
      return this.end();
    }
    try {
      this.dispatch(from, d.message);
    } catch (e) {
      s.drop(from, 'internal', (e as Error).message);
    }
    return this.end();
  }

  /** A timer the core asked for went off. */
  timer(now: number, name: TimerName): Effects {
    const s = this.begin(now);
    if (name === 'leave') onLeaveTimer(s);
    else if (!s.running) {
      if (name === 'lazy') s.lazyArmed = false;
    } else if (name === 'tick') {
      onTick(s);
      if (s.running) s.fx.timer('tick', s.cfg.detector.heartbeatMs);
    } else if (name === 'turn') onTurnEnd(s);
    else if (name === 'lazy') onLazyTimer(s);
    else if (name === 'fanout') onFanoutTimer(s);
    else if (name === 'storage') onStorageTimer(s);
    else if (name === 'check') onCheck(s);
    else if (name === 'reach') onReach(s);
    else if (name === 'loopback') {
      const frames = s.loopback;
      s.loopback = [];
      for (const m of frames) if (s.running) this.dispatch(s.o.deviceId, m);
    }
    return this.end();
  }

  /**
   * One frame, checked by `step` (gate.ts): first what it means in any role — the
   * election's part, the outbox's — then the role's own step (host-step.ts,
   * member-step.ts), then whatever the jobs asked of each other (intents.ts).
   */
  private dispatch(from: DeviceId, m: Message): void {
    const s = this.s;
    switch (m.type) {
      case 'link':
      case 'proof':
        return; // the transport's handshake, never passed up
      case 'sync':
        onSync(s, m); // either side of the exchange (sync-schedule.ts)
        break;
      case 'ack':
        onAck(s, m); // this copy's own outbox, hosting or not
        break;
      case 'not-host':
        s.outbox.resetSendTimes();
        break;
      case 'handover':
        onHandover(s, m);
        break;
      case 'leave':
        onLeaveNotice(s, m.from);
        break;
      default:
        // A heartbeat's election part first, then (as every other frame) the role's.
        if (m.type === 'hb') onHeartbeat(s, m);
        if (s.election?.role === 'host') stepHost(s, from, m);
        else stepMember(s, from, m);
    }
    this.settle();
  }

  /** Carry out what the jobs asked of each other during the step (intents.ts). */
  private settle(): void {
    const s = this.s;
    for (let i = s.intents.shift(); i; i = s.intents.shift()) {
      if (i.kind === 'fan-out') afterAcks(s);
      else if (i.kind === 'failback') tryFailback(s, i.to);
      else handOver(s, i.to);
    }
  }

  private begin(now: number): SessionState<S> {
    this.s.now = now;
    return this.s;
  }

  private end(): Effects {
    this.settle(); // a timer's or a call's intents, as a frame's
    return this.s.fx.take();
  }
}
