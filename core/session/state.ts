import type { DropCode } from '../errors';
import type { Election } from '../election/election';
import type { CommandId, DeviceId, MemberId, SessionId } from '../ids';
import type { HeadsCert, Message } from '../protocol/messages';
import type { Random } from '../random';
import type { Result } from '../result';
import { AckTracker } from '../replication/ack-tracker';
import type { App } from '../replication/engine-app';
import { Outbox, type OutboxEntry } from '../replication/outbox';
import type { Replica } from '../replication/replica';
import type { Signer } from './signer';
import type { EngineConfig } from './config';
import { EffectsBuilder, type PeerRole } from './effects';
import type { Identity } from './identity';
import type { Intent } from './intents';
import { RateLimiter } from './rate-limit';
import { roomLive, roomSuccessors } from './room-view';

/** A host checks at most this many members' pushes of changes at once, then this many a second each. */
const PUSH_CHECK_BURST = 8;
const PUSH_CHECKS_PER_SECOND = 2;

/** An acknowledgement the host holds until the next K members hold the change. */
export interface PendingAck {
  id: CommandId;
  to: MemberId;
  result: Result<unknown>;
  /** The host's change counter it waits for (AckTracker). */
  counter: number;
}

/** What the session core is given once: who this copy is and what it runs. */
export interface CoreOptions<S> {
  deviceId: DeviceId;
  name: string;
  random: Random;
  app: App<S>;
  cfg: EngineConfig;
  /** Signs this copy's heads certificates and checks others' (certs.ts). */
  signer: Signer;
  /** What the store held at start (the driver reads it; the core never touches a disk). */
  stored: {
    identity: Identity | null;
    doc: Uint8Array | null;
    outbox: readonly OutboxEntry[];
    certs?: readonly HeadsCert[];
  };
}

/**
 * Everything one copy's session core knows, shared by the job modules (joining,
 * admission, command intake, acks, sync schedule, hosting, heartbeats). Nothing here
 * reads a clock: `now` is set by each step from its caller.
 */
export class SessionState<S> {
  readonly fx = new EffectsBuilder();
  now = 0;
  identity: Identity | null;
  replica: Replica<S> | null = null;
  election: Election | null = null;
  readonly outbox: Outbox;
  readonly acks = new AckTracker<PendingAck>();
  readonly commandLimit: RateLimiter<MemberId>;
  readonly admitLimit: RateLimiter<'admit'>;
  readonly roomCommandLimit: RateLimiter<'room'>;
  readonly syncBytesLimit: RateLimiter<MemberId>;
  /** Host: holders behind the oldest waiting ack, since when; those skipped for it (acks.ts). */
  readonly holderBehindSince = new Map<MemberId, number>();
  readonly stalledHolders = new Set<MemberId>();
  running = false;
  leaving = false;
  /** A leave in progress: its successor and deadline. */
  leave: { to: MemberId; startedAt: number; deadline: number } | null = null;
  /** When the last tick ran, to notice that this copy itself was stalled. */
  lastTickAt: number | null = null;
  /** After a stall, no election decisions until then (fresh heartbeats first). */
  listenUntil = 0;
  hostlessSince: number | null = null;
  lastHost: MemberId | null = null;
  /** What `noteLiveness` last reported: the member list, and members + live + successors. */
  lastMemberList = '';
  lastMembers = '';
  readonly lastSyncAt = new Map<MemberId, number>();
  /** See sync-schedule.ts: sync messages in a row from a member that taught us nothing. */
  readonly fruitlessSync = new Map<MemberId, number>();
  /** See `repairSync`: the links that looked stalled at the last round, by the heads they showed. */
  repairSuspects = new Map<MemberId, string>();
  readonly snapshotSentAt = new Map<DeviceId, number>();
  /** Member: the reachability question asked of the host's laptop, per silence (heartbeats.ts). */
  reachAsked: { host: MemberId; heardAt: number } | null = null;
  /** Host: when this term began (a snapshot base is prepared a moment into it: admission.ts). */
  hostingSince: number | null = null;
  readonly syncDue = new Set<MemberId>();
  readonly syncFirst = new Set<MemberId>();
  readonly lazyDue = new Set<MemberId>();
  lazyArmed = false;
  /** Member: acks that came before their change (see `onAck`), with when. */
  readonly parkedAcks = new Map<
    CommandId,
    { result: Result<unknown>; held: number | null; at: number }
  >();
  reportDue = false;
  stateDue = false;
  readonly memberHeads = new Map<MemberId, string[]>();
  /** Host: members in step, with the heads they hold (see fanout.ts). */
  readonly inStep = new Map<MemberId, readonly string[]>();
  /** Host: members to bring up to date by broadcast at the end of the turn, with their heads. */
  readonly catchUpDue = new Map<MemberId, string[]>();
  /** Host: members whose changes go out with the next batch (fanout.ts). */
  readonly batchDue = new Set<MemberId>();
  /** Host: when the last frame went to the members no ack waits on. */
  lastBatchAt = -Infinity;
  /** Member: the host's view of the room, from its last heartbeat (room-view.ts). */
  hostView: { at: number; live: Set<MemberId>; successors: MemberId[] } | null = null;
  joining: { via: DeviceId; sessionId: SessionId } | null = null;
  failbackTarget: MemberId | null = null;
  /** Where a member can be reached before the document lists it (the host, while joining). */
  readonly deviceHints = new Map<MemberId, DeviceId>();
  /** This copy's disk refused a write: since when, and why (see storage.ts). */
  storage: { code: string; message: string; since: number } | null = null;
  /** Frames this copy sends itself, delivered on the loopback timer. */
  loopback: Message[] = [];
  /** Member: the latest heads certificate of each term's host (certs.ts), and whether unsaved. */
  readonly certs = new Map<number, HeadsCert>();
  certsDirty = false;
  /** Host: its certificate of its current heads, and the signatures it has checked. */
  ownCert: { key: string; cert: HeadsCert } | null = null;
  readonly checkedCerts = new Set<string>();
  /** Host: when it last sent each member a document to rebase on (sync-schedule.ts). */
  readonly rebasedAt = new Map<MemberId, number>();
  /** Host: own commands already told they wait for a second copy (acks.ts `sayAlone`). */
  readonly aloneSaid = new Set<CommandId>();
  readonly pushChecks: RateLimiter<MemberId>;
  /** Host: sync chunks from members checked and taken whole (sync-schedule.ts), newest last. */
  readonly takenChunks = new Set<string>();

  noteTakenChunks(key: string): void {
    this.takenChunks.add(key);
    if (this.takenChunks.size > 64)
      this.takenChunks.delete(this.takenChunks.values().next().value!);
  }
  /** What a job asked of another, for the hub to carry out when the job returns (intents.ts). */
  readonly intents: Intent[] = [];

  constructor(readonly o: CoreOptions<S>) {
    this.identity = o.stored.identity;
    this.outbox = new Outbox(this.fx, o.stored.outbox);
    this.commandLimit = new RateLimiter(o.cfg.commandBurst, o.cfg.commandsPerSecond);
    this.admitLimit = new RateLimiter(o.cfg.admitBurst, o.cfg.admitsPerSecond);
    this.roomCommandLimit = new RateLimiter(o.cfg.roomCommandBurst, o.cfg.roomCommandsPerSecond);
    this.syncBytesLimit = new RateLimiter(
      o.cfg.memberSyncBurstBytes,
      o.cfg.memberSyncBytesPerSecond,
    );
    this.pushChecks = new RateLimiter(PUSH_CHECK_BURST, PUSH_CHECKS_PER_SECOND);
    for (const c of o.stored.certs ?? []) this.certs.set(c.epoch, c);
    this.fx.take(); // loading writes nothing
  }

  get cfg(): EngineConfig {
    return this.o.cfg;
  }
  get memberId(): MemberId | null {
    return this.identity?.memberId ?? null;
  }
  get epoch(): number {
    return this.election?.epoch ?? this.identity?.epoch ?? 0;
  }
  get role(): PeerRole {
    if (!this.election || !this.running) return 'none';
    return this.election.role;
  }

  /** Whether the current host is live from here. */
  hostReachable(): boolean {
    const e = this.election;
    if (!e || !e.hostId) return false;
    return e.hostId === this.memberId || e.isLive(e.hostId, this.now);
  }

  deviceOfMember(id: MemberId): DeviceId | null {
    return (this.replica ? this.replica.deviceOf(id) : null) ?? this.deviceHints.get(id) ?? null;
  }

  send(to: DeviceId, msg: Message): void {
    if (!this.running && msg.type !== 'leave') return;
    this.fx.send(to, msg);
  }

  /** A frame to this copy itself, handled on the loopback timer (after this turn). */
  sendSelf(msg: Message): void {
    this.loopback.push(msg);
    this.fx.timer('loopback', 0);
  }

  broadcast(make: (me: MemberId) => Message): void {
    const me = this.memberId;
    if (!me || !this.election) return;
    const msg = make(me);
    for (const id of this.election.members) {
      if (id === me) continue;
      const device = this.deviceOfMember(id);
      if (device) this.send(device, msg);
    }
  }

  emitRole(): void {
    this.fx.emit('role', {
      role: this.role,
      hostId: this.election?.hostId ?? null,
      epoch: this.epoch,
    });
  }

  /** The document's member list may have changed: the election and the app hear of it. */
  membersChanged(): void {
    const members = this.replica!.members();
    this.election?.seats.setMembers(members);
    this.preferredChanged();
    if (members.join() !== this.lastMemberList) this.noteLiveness();
  }

  /** The app's preferred hosts (its staff) may have changed: they lead the succession. */
  preferredChanged(): void {
    const app = this.o.app;
    const replica = this.replica;
    if (!app.preferredHosts || !replica || !this.election || !this.identity) return;
    const preferred = app.preferredHosts((path) => replica.valueAt(path), this.identity.sessionId);
    this.election.seats.setPreferred(preferred as MemberId[]);
  }

  /**
   * Tell the app when the members, who of them is live, or the successor order changed
   * (checked on every heartbeat round): the app never has to poll for liveness.
   */
  noteLiveness(): void {
    const e = this.election;
    if (!e || !this.replica) return;
    const members = this.replica.members();
    const live = members.filter((m) => roomLive(this, m));
    const successors = roomSuccessors(this);
    const key = `${members.join()}|${live.join()}|${successors.join()}`;
    if (key === this.lastMembers) return;
    this.lastMembers = key;
    this.lastMemberList = members.join();
    this.fx.emit('members', { members, live, successors });
  }

  /**
   * Member: emit the held acks (see `onAck`) whose change this copy now shows, that waited
   * `ackParkMs` (it is still an ack), or, with `all`, every one.
   */
  releaseParkedAcks(all = false): void {
    for (const [id, p] of this.parkedAcks) {
      const due = all || this.now - p.at >= this.cfg.ackParkMs;
      if (!due && this.replica?.commandResult(id) === undefined) continue;
      this.parkedAcks.delete(id);
      this.fx.emit('ack', { id, result: p.result, held: p.held });
    }
  }

  drop(from: DeviceId, code: DropCode, message: string): void {
    this.fx.log(`dropped frame from ${from}: ${code}: ${message}`);
    this.fx.emit('dropped', { from, code, message });
  }

  /**
   * Automerge actor id: stable per member so a restarted copy continues its own history —
   * until it rebases on its host's document, which may lack changes it wrote: it then
   * writes as a new actor (`Identity.actor`), so no sequence number is ever used twice.
   */
  actor(memberId: MemberId): string {
    return this.identity?.memberId === memberId && this.identity.actor
      ? this.identity.actor
      : memberId.replace(/-/g, '');
  }

  /** The replica this copy runs on, its writes held for the end of the turn (group commit). */
  useReplica(r: Replica<S>): Replica<S> {
    r.onDeferredWrite = () => this.fx.timer('turn', 0);
    this.replica = r;
    return r;
  }

  /** Run the heartbeat loop (again): its first round at once. */
  startTicking(): void {
    this.running = true;
    this.fx.timer('tick', 0, true);
  }

  stop(): void {
    this.running = false;
    this.leaving = false;
    this.leave = null;
    this.lazyArmed = false;
    this.loopback = [];
    this.fx.cancelTimers();
    this.releaseParkedAcks(true); // a held ack is still an ack: not lost with the stop
    this.fx.emit('stopped', {});
  }
}
