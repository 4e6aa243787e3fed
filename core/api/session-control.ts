import type { KeyObject } from 'node:crypto';
import { anchoredSessionId } from '../queue/staff-trust';
import type { Clock } from '../clock';
import { warmUpLoading } from '../engine/warm-up';
import { JoinRefusedError, type Peer, type PeerEvents } from '../engine/peer';
import type { DeviceId } from '../ids';
import { QueueApp, newQueueState } from '../queue/apply';
import { v7 as uuidv7 } from 'uuid';
import { asCommandId, asMemberId } from '../ids';
import {
  type ScryptParams,
  type StaffKeyOf,
  STAFF_KDF,
  lockOf,
  lockParams,
  loginProof,
  staffKeyAsync,
} from '../queue/passcode';
import type { QueueState } from '../queue/types';
import type { Random } from '../random';
import type { Store } from '../store/store';
import type { Results } from './contract';
import type { SessionDirectory } from './directory';
import type { LocalSettings } from './local-data';
import { ApiError } from './requests';

export interface SessionControlOptions {
  clock: Clock;
  random: Random;
  directory: SessionDirectory;
  storeFor(sessionId: string): Store;
  /** A peer for a session, joining or creating it under `name` (the person's name now). */
  makePeer(store: Store, app: QueueApp, name: string): Peer<QueueState>;
  joinTimeoutMs?: number;
  /** The cost of new sessions' staff locks (default STAFF_KDF; simulations use less). */
  staffKdf?: ScryptParams;
  /** How staff keys are derived (default: scrypt off the event loop). */
  staffKeyOf?: StaffKeyOf;
  log?: (line: string) => void;
}

/** What the rest of the service hears from the session it is in. */
export interface SessionListener {
  role(): void;
  state(): void;
  members(): void;
  hostChanged(c: PeerEvents['hostChanged']): void;
  /** The disk stopped or started taking writes; a command was delayed (why). */
  storage(): void;
  delayed(d: PeerEvents['delayed']): void;
  /** In a session now (created, joined or resumed). */
  connected(): void;
  /** The staff key of the session this copy just created (kept in memory: queue-methods.ts). */
  staffKey(key: KeyObject): void;
  /** The session's peer is gone (left, stopped, replaced). */
  detached(): void;
}

/**
 * Session control: create, join (through the directory or an address), resume and leave
 * a session, and the one peer and store of the session this copy is in.
 */
export class SessionControl {
  peer: Peer<QueueState> | null = null;
  store: Store | null = null;
  /** The last session's document could not be read: it is being fetched from the room. */
  recovering: { sessionId: string; movedTo: string; found: boolean } | null = null;
  private unsubs: (() => void)[] = [];
  private recoveryOff: (() => void) | null = null;
  private warmUp: { stop(): void } | null = null;

  constructor(
    private readonly o: SessionControlOptions,
    private readonly local: LocalSettings,
    private readonly on: SessionListener,
    /** The name this copy's person goes by now (the start screen's "Your name"). */
    private readonly myName: () => string,
  ) {}

  /** Resume the session this copy was in when it last closed, if any. */
  start(): boolean {
    const last = this.local.lastSession();
    if (!last) {
      // The start screen: a join comes next, and its snapshot load is the bulk of it.
      this.warmUp = warmUpLoading(this.o.clock);
      return false;
    }
    const peer = this.attach(last);
    if (peer.resume()) {
      this.on.connected();
      return true;
    }
    const lost = peer.unreadable.find(
      (u) => u.key === 'doc.automerge' || u.key === 'identity.json',
    );
    this.detach();
    // The document (or who we were in it) was unreadable: get the session back from
    // whichever laptop of it the network shows, now or when one appears.
    if (lost) this.recover(last, lost.movedTo);
    return false;
  }

  private recover(sessionId: string, movedTo: string): void {
    this.recovering = { sessionId, movedTo, found: false };
    this.o.log?.(`session ${sessionId}: its document was unreadable; rejoining from the room`);
    let trying = false;
    const attempt = (): void => {
      const r = this.recovering;
      const listed = this.o.directory.list().find((s) => s.sessionId === sessionId);
      if (!r || trying || !listed?.contacts[0]) return;
      r.found = true;
      this.on.role();
      trying = true;
      this.joinVia(sessionId, listed.contacts[0]).then(
        () => this.endRecovery('the session is back from the room'),
        (e: Error) => {
          trying = false;
          this.o.log?.(`recovering ${sessionId}: ${e.message}; trying again when the room changes`);
        },
      );
    };
    this.recoveryOff = this.o.directory.onChange(attempt);
    attempt();
  }

  private endRecovery(why: string): void {
    if (!this.recovering) return;
    this.o.log?.(`recovery of ${this.recovering.sessionId} ended: ${why}`);
    this.recovering = null;
    this.recoveryOff?.();
    this.recoveryOff = null;
    this.on.role();
  }

  async create(name: string, passcode: string, myName: string): Promise<Results['session.create']> {
    this.requireNoSession();
    const params = lockParams(this.o.random.bytes(16), this.o.staffKdf ?? STAFF_KDF);
    const key = await (this.o.staffKeyOf ?? staffKeyAsync)(passcode, params);
    const lock = lockOf(params, key);
    // The session's id is derived from its lock: no host can swap the lock (staff-trust.ts).
    const sessionId = anchoredSessionId(lock);
    this.requireNoSession(); // nothing started meanwhile (the derivation takes ≈ 0.65 s)
    this.endRecovery('a new session was started');
    const app = new QueueApp(newQueueState(lock));
    const peer = this.attach(sessionId, app);
    const memberId = peer.createSession(sessionId, name, app.init());
    // The creator is the TA: staff from the start (logged in through the normal command).
    const id = asCommandId(uuidv7({ msecs: this.o.clock.now(), random: this.o.random.bytes(16) }));
    const proof = loginProof(key, lock, asMemberId(memberId), id);
    void peer.submit({ op: 'login', proof, name: myName }, id);
    this.on.staffKey(key);
    this.local.saveLastSession(sessionId);
    this.on.connected();
    this.o.log?.(`created session ${sessionId} as ${memberId}`);
    return { sessionId };
  }

  async join(sessionId: string): Promise<Results['session.join']> {
    if (this.peer?.sessionId === sessionId && this.peer.isRunning) return {};
    this.requireNoSession();
    if (this.recovering?.sessionId !== sessionId) this.endRecovery('another session was joined');
    const listing = this.o.directory.list().find((s) => s.sessionId === sessionId);
    const via = listing?.contacts[0];
    if (!via) throw new ApiError('unknown-session', 'that session is not visible on this network');
    await this.joinVia(sessionId, via);
    return {};
  }

  async connect(address: string, sessionId?: string): Promise<Results['session.connect']> {
    this.requireNoSession();
    if (!this.o.directory.connect)
      throw new ApiError('unsupported', 'connecting by address is not available here');
    const found = await this.o.directory.connect(address).catch((e: Error) => {
      throw new ApiError('unreachable', `could not reach ${address}: ${e.message}`);
    });
    if (sessionId && found.sessionId !== sessionId)
      throw new ApiError('unknown-session', `${address} is in another session`);
    await this.joinVia(found.sessionId, found.device);
    return { sessionId: found.sessionId };
  }

  async joinVia(sessionId: string, via: DeviceId): Promise<void> {
    const peer = this.attach(sessionId);
    const timeoutMs = this.o.joinTimeoutMs ?? 15_000;
    const timer = this.o.clock.setTimer(timeoutMs, () =>
      peer.cancelJoin(`not admitted within ${timeoutMs / 1000} s`),
    );
    try {
      await peer.join(via, sessionId);
    } catch (e) {
      this.detach();
      if (e instanceof JoinRefusedError && e.code === 'cancelled')
        throw new ApiError('join-timeout', e.message);
      throw e;
    } finally {
      this.o.clock.clearTimer(timer);
    }
    this.local.saveLastSession(sessionId);
    this.on.connected();
  }

  async leave(): Promise<Results['session.leave']> {
    const peer = this.peer;
    if (!peer) return {};
    await peer.leave();
    this.detach();
    this.local.saveLastSession(null);
    this.on.role();
    return {};
  }

  requireNoSession(): void {
    if (this.peer?.isRunning) throw new ApiError('in-session', 'leave the current session first');
    if (this.peer) this.detach();
  }

  requirePeer(): Peer<QueueState> {
    if (!this.peer?.isRunning || !this.peer.doc?.app)
      throw new ApiError('no-session', 'not in a session');
    return this.peer;
  }

  detach(): void {
    if (this.peer?.isRunning) this.peer.stop();
    this.peer = null;
    this.store = null;
    for (const u of this.unsubs) u();
    this.unsubs = [];
    this.on.detached();
  }

  private attach(sessionId: string, app = new QueueApp()): Peer<QueueState> {
    this.warmUp?.stop();
    this.detach();
    this.store = this.o.storeFor(sessionId);
    const peer = this.o.makePeer(this.store, app, this.myName());
    this.peer = peer;
    this.unsubs.push(
      peer.events.on('role', () => this.on.role()),
      peer.events.on('state', () => this.on.state()),
      peer.events.on('ack', () => this.on.state()),
      peer.events.on('members', () => this.on.members()),
      peer.events.on('hostChanged', (c) => this.on.hostChanged(c)),
      peer.events.on('storage', () => this.on.storage()),
      peer.events.on('delayed', (d) => this.on.delayed(d)),
    );
    return peer;
  }
}
