import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../clock';
import { JoinRefusedError, type Peer } from '../engine/peer';
import { Emitter } from '../engine/emitter';
import { asMemberId } from '../ids';
import type { Store } from '../store/store';
import { QueueApp, newQueueState } from '../queue/apply';
import { deriveStaffKey, makeVerifier } from '../queue/passcode';
import type { QueueState } from '../queue/types';
import { AlertDetector } from './alerts';
import type { ApiResult, Events, MemberView, Method, QueueView, Results, Status } from './contract';
import type { SessionDirectory } from './directory';
import type { NetworkPort } from './network-methods';
import { LocalSettings, OwnerSecrets, type PrefsStore } from './local-data';
import { GraceExpiry } from './grace-expiry';
import { networkMethods } from './network-methods';
import { RecentSessions } from './recent';
import { queueMethods } from './queue-methods';
import { ApiError, type Handlers, callValidated, methodOf } from './requests';
import { type ViewerFacts, memberNameIn, queueView, staffOnDuty } from './views';

export interface ServiceOptions {
  /** This copy's display name ("Ana's laptop"). */
  name: string;
  clock: Clock;
  directory: SessionDirectory;
  /** This copy's own settings (last session). */
  settings: Store;
  /** The store of one session's data (document, outbox, identity, owner secrets). */
  storeFor(sessionId: string): Store;
  /** A fresh engine peer on `store` running `app`. */
  makePeer(store: Store, app: QueueApp): Peer<QueueState>;
  /** Network and process counters for `diag.stats`. */
  diagnostics?: () => Results['diag.stats'];
  /** Where preferences live (electron-store in the app); default: the settings store. */
  prefs?: PrefsStore;
  /** The LAN: `diag.network`, `net.setInterface`, `net.scan` (absent in simulations). */
  network?: NetworkPort;
  /** Where a device was last reachable ("10.0.0.5:47001"), for the saved addresses. */
  addressOf?: (deviceId: string) => string | null;
  /** How long `session.join` waits to be admitted and synced. Default 15 s. */
  joinTimeoutMs?: number;
  log?: (line: string) => void;
}

/**
 * The App API over the engine and the queue: one copy of Baton as the UI, the CLI and
 * the tests see it. It validates every call, turns methods into queue commands, waits
 * for the host's acknowledgement, and turns engine events into API events.
 */
export class BatonService {
  readonly events = new Emitter<Events>();
  private peer: Peer<QueueState> | null = null;
  private store: Store | null = null;
  private name: string;
  private unsubs: (() => void)[] = [];
  private timer: TimerHandle | null = null;
  private lastMembers = '';
  private lastOnDuty = -1;
  private readonly alerts = new AlertDetector();
  private readonly expiry: GraceExpiry;
  private readonly handlers: Handlers;
  private readonly local: LocalSettings;
  private readonly recent: RecentSessions;

  constructor(private readonly o: ServiceOptions) {
    this.name = o.name;
    this.local = new LocalSettings(o.settings, o.prefs);
    this.recent = new RecentSessions(o.settings);
    this.expiry = new GraceExpiry(o.clock);
    this.handlers = {
      status: () => this.status(),
      'sessions.list': () => this.o.directory.list().map(({ contacts: _c, ...s }) => s),
      'session.create': (p) => this.create(p.name, p.staffPasscode),
      'session.join': (p) => this.join(p.sessionId),
      'session.connect': (p) => this.connect(p.address, p.sessionId),
      'session.leave': () => this.leave(),
      'profile.setName': (p) => {
        this.name = p.name;
        return {};
      },
      'prefs.get': () => this.local.prefs(),
      'prefs.set': (p) => {
        const next = this.local.setPrefs(p);
        this.events.emit('prefs', next);
        return next;
      },
      ...queueMethods({
        state: () => this.state(),
        queueView: () => this.queueView(),
        viewer: () => this.viewer(),
        now: () => this.o.clock.now(),
        myName: () => this.name,
        memberName: (id) => this.memberName(id),
        secrets: () => this.secrets(),
        submit: (cmd) => this.requirePeer().submit(cmd),
        changed: () => this.onState(),
      }),
      ...networkMethods({
        network: this.o.network,
        directory: this.o.directory,
        recent: this.recent,
        join: (sid) => this.join(sid),
        joinVia: (sid, via) => this.joinVia(sid, via),
        requireNoSession: () => this.requireNoSession(),
      }),
      'diag.stats': () => {
        if (!this.o.diagnostics) throw new ApiError('unsupported', 'no diagnostics here');
        return this.o.diagnostics();
      },
    };
    this.unsubs.push(this.o.directory.onChange(() => this.emitSessions()));
  }

  /** Resume the session this copy was in when it last closed, if any. */
  start(): boolean {
    const last = this.local.lastSession();
    if (!last) return false;
    const peer = this.attach(last);
    if (peer.resume()) {
      this.afterConnect();
      return true;
    }
    this.detach();
    return false;
  }

  /** Call a method by name with untrusted params: validated, never throws. */
  call<M extends Method>(method: M, params?: unknown): Promise<ApiResult<Results[M]>> {
    return callValidated(this.handlers, method, params, this.o.log);
  }

  /** Stop timers and listeners (the process is exiting; `session.leave` says goodbye first). */
  close(): void {
    this.detach();
    for (const u of this.unsubs) u();
    this.unsubs = [];
  }

  get currentPeer(): Peer<QueueState> | null {
    return this.peer;
  }

  // ---- sessions ----------------------------------------------------------------

  private create(name: string, passcode: string): Results['session.create'] {
    this.requireNoSession();
    const sessionId = randomUUID();
    const app = new QueueApp(newQueueState(makeVerifier(passcode)));
    const peer = this.attach(sessionId, app);
    const memberId = peer.createSession(sessionId, name, app.init());
    // The creator is the TA: staff from the start (logged in through the normal command).
    void peer.submit({
      op: 'login',
      key: deriveStaffKey(passcode, app.init().passcode),
      name: this.name,
    });
    this.local.saveLastSession(sessionId);
    this.afterConnect();
    this.o.log?.(`created session ${sessionId} as ${memberId}`);
    return { sessionId };
  }

  private async join(sessionId: string): Promise<Results['session.join']> {
    if (this.peer?.sessionId === sessionId && this.peer.isRunning) return {};
    this.requireNoSession();
    const listing = this.o.directory.list().find((s) => s.sessionId === sessionId);
    const via = listing?.contacts[0];
    if (!via) throw new ApiError('unknown-session', 'that session is not visible on this network');
    await this.joinVia(sessionId, via);
    return {};
  }

  private async connect(address: string, sessionId?: string): Promise<Results['session.connect']> {
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

  private async joinVia(sessionId: string, via: Parameters<Peer<QueueState>['join']>[0]) {
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
    this.afterConnect();
  }

  /** Remember the session and where its members are reachable now. */
  private noteRecent(): void {
    const peer = this.peer;
    const doc = peer?.doc;
    if (!peer?.isRunning || !peer.sessionId || !doc?.baton) return;
    const addresses: string[] = [];
    for (const [id, m] of Object.entries(doc.baton.members)) {
      if (id === peer.memberId) continue;
      const a = this.o.addressOf?.(m.deviceId);
      if (a) addresses.push(a);
    }
    this.recent.note(
      { sessionId: peer.sessionId, name: doc.baton.session.name, addresses },
      this.o.clock.now(),
    );
  }

  private async leave(): Promise<Results['session.leave']> {
    const peer = this.peer;
    if (!peer) return {};
    await peer.leave();
    this.detach();
    this.local.saveLastSession(null);
    this.emitRole();
    return {};
  }

  private requireNoSession(): void {
    if (this.peer?.isRunning) throw new ApiError('in-session', 'leave the current session first');
    if (this.peer) this.detach();
  }

  private attach(sessionId: string, app = new QueueApp()): Peer<QueueState> {
    this.detach();
    this.store = this.o.storeFor(sessionId);
    const peer = this.o.makePeer(this.store, app);
    this.peer = peer;
    this.unsubs.push(
      peer.events.on('role', () => this.emitRole()),
      peer.events.on('state', () => this.onState()),
      peer.events.on('ack', () => this.onState()),
      peer.events.on('hostChanged', (c) =>
        this.events.emit('hostChanged', {
          ...c,
          // Member ids order succession: a move to an earlier id is the failback.
          reason: c.from === null ? 'start' : c.to < c.from ? 'failback' : 'failover',
          fromName: c.from ? this.memberName(c.from) : '',
          toName: this.memberName(c.to),
        }),
      ),
    );
    return peer;
  }

  private detach(): void {
    if (this.timer) this.o.clock.clearTimer(this.timer);
    this.timer = null;
    this.expiry.clear();
    if (this.peer?.isRunning) this.peer.stop();
    this.peer = null;
    this.store = null;
    // Keep the directory listener (first entry); drop the peer's.
    for (const u of this.unsubs.splice(1)) u();
    this.lastMembers = '';
    this.lastOnDuty = -1;
    this.alerts.reset();
  }

  private afterConnect(): void {
    this.emitRole();
    this.onState();
    const poll = (): void => {
      this.emitMembersIfChanged();
      this.timer = this.o.clock.setTimer(500, poll);
    };
    poll();
  }

  // ---- queue -------------------------------------------------------------------

  private queueView(): QueueView {
    return queueView(this.peer?.doc?.app, this.viewer());
  }

  /** Who this copy is and whom it hears: all that staff on duty needs (no disk reads). */
  private liveness(): Pick<ViewerFacts, 'me' | 'isLive'> {
    const peer = this.peer;
    const me = peer?.memberId ?? null;
    return { me, isLive: (id) => id === me || !!peer?.isLive(asMemberId(id)) };
  }

  /** What views need to know about this copy. */
  private viewer(): ViewerFacts {
    const peer = this.peer;
    return {
      ...this.liveness(),
      ownEntries: new Set(Object.keys(this.secrets().all())),
      memberName: (id) => this.memberName(id),
      pending: (peer?.pendingCommands() ?? []).map((c) => ({
        commandId: c.id,
        method: methodOf(c.body),
      })),
    };
  }

  private state(): QueueState {
    const s = this.peer?.doc?.app;
    if (!s?.entries) throw new ApiError('no-session', 'not in a session');
    return s;
  }

  private secrets(): OwnerSecrets {
    return new OwnerSecrets(this.store);
  }

  private requirePeer(): Peer<QueueState> {
    if (!this.peer?.isRunning || !this.peer.doc?.app)
      throw new ApiError('no-session', 'not in a session');
    return this.peer;
  }

  // ---- status and events ---------------------------------------------------------

  private status(): Status {
    const peer = this.peer;
    const doc = peer?.doc;
    const me = peer?.memberId ?? null;
    return {
      sessionId: peer?.sessionId ?? null,
      sessionName: doc?.baton?.session?.name ?? '',
      memberId: me,
      name: this.name,
      role: peer?.role ?? 'none',
      hostId: peer?.hostId ?? null,
      epoch: peer?.epoch ?? 0,
      members: this.members(),
      successors: peer?.successors() ?? [],
      isStaff: !!(me && doc?.app?.staff?.[me]),
      connected: !!peer?.hostReachable(),
      staffOnDuty: doc?.app?.staff
        ? staffOnDuty(doc.app, this.liveness())
        : { count: 0, names: [] },
    };
  }

  private members(): MemberView[] {
    const peer = this.peer;
    const members = peer?.doc?.baton?.members ?? {};
    return Object.entries(members)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([id, m]) => ({ memberId: id, name: m.name, live: !!peer?.isLive(asMemberId(id)) }));
  }

  private memberName(id: string): string {
    return memberNameIn(this.peer?.doc, id, 'someone');
  }

  private emitRole(): void {
    const p = this.peer;
    this.events.emit('role', {
      role: p?.role ?? 'none',
      hostId: p?.hostId ?? null,
      epoch: p?.epoch ?? 0,
    });
    this.emitMembersIfChanged();
  }

  private emitMembersIfChanged(): void {
    const members = this.members();
    const successors = this.peer?.successors() ?? [];
    const key = JSON.stringify([members, successors]);
    if (key === this.lastMembers) return;
    this.lastMembers = key;
    this.events.emit('members', { members, successors });
    this.noteRecent();
    // Staff on duty follows liveness: the wait estimates change with it.
    const state = this.peer?.doc?.app;
    const onDuty = state?.staff ? staffOnDuty(state, this.liveness()).count : 0;
    if (this.lastOnDuty !== -1 && onDuty !== this.lastOnDuty) this.onState();
    this.lastOnDuty = onDuty;
  }

  private emitSessions(): void {
    this.events.emit('sessions', {
      sessions: this.o.directory.list().map(({ contacts: _c, ...s }) => s),
    });
  }

  private onState(): void {
    const view = this.queueView();
    this.events.emit('state', view);
    const isStaff = this.status().isStaff;
    for (const a of this.alerts.next(view, {
      isStaff,
      alertAtPosition: this.local.prefs().alertAtPosition,
    }))
      this.events.emit(a.event, a.data as never);
    this.expiry.schedule(this.peer, () => this.onState());
  }
}
