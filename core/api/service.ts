import type { KeyObject } from 'node:crypto';
import type { Clock } from '../clock';
import type { Peer } from '../engine/peer';
import { Emitter } from '../engine/emitter';
import type { Store } from '../store/store';
import type { QueueApp } from '../queue/apply';
import type { QueueState } from '../queue/types';
import type { Random } from '../random';
import type { ApiResult, Events, Method, QueueView, Results } from './contract';
import type { SessionDirectory } from './directory';
import type { NetworkPort } from './network-methods';
import { LocalSettings, OwnerSecrets, type PrefsStore } from './local-data';
import { GraceExpiry } from './grace-expiry';
import { SessionHistory, historyCsv, historyStats, visitsOf } from './session-history';
import { networkMethods } from './network-methods';
import { type RelayAccess, relayMethods } from './relay-methods';
import { Notifier } from './notifications';
import { RecentSessions } from './recent';
import { queueMethods } from './queue-methods';
import { ApiError, type Handlers, callValidated, methodOf } from './requests';
import { type ScryptParams, type StaffKeyOf, staffKeyAsync } from '../queue/passcode';
import { SessionControl } from './session-control';
import { liveness } from './status-view';
import { type ViewerFacts, memberNameIn, queueView, trustedApp } from './views';

export interface ServiceOptions {
  /** This copy's display name ("Ana's laptop"). */
  name: string;
  clock: Clock;
  /** Session ids and owner secrets come from here: a seeded run replays. */
  random: Random;
  directory: SessionDirectory;
  /** This copy's own settings (last session). */
  settings: Store;
  /** The store of one session's data (document, outbox, identity, owner secrets). */
  storeFor(sessionId: string): Store;
  /** A fresh engine peer on `store` running `app`. */
  makePeer(store: Store, app: QueueApp, name: string): Peer<QueueState>;
  /** The cost of new sessions' staff locks (default STAFF_KDF; simulations use less). */
  staffKdf?: ScryptParams;
  /** How staff keys are derived (default: scrypt off the event loop). */
  staffKeyOf?: StaffKeyOf;
  /** Network and process counters for `diag.stats`. */
  diagnostics?: () => Results['diag.stats'];
  /** Where preferences live (electron-store in the app); default: the settings store. */
  prefs?: PrefsStore;
  /** The LAN: `diag.network`, `net.setInterface`, `net.scan` (absent in simulations). */
  network?: NetworkPort;
  /** The relay: `net.setRelay`, join codes (absent in simulations). */
  relay?: RelayAccess;
  /** Where a device was last reachable ("10.0.0.5:47001"), for the saved addresses. */
  addressOf?: (deviceId: string) => string | null;
  /** How long `session.join` waits to be admitted and synced. Default 15 s. */
  joinTimeoutMs?: number;
  log?: (line: string) => void;
}

/**
 * The App API over the engine and the queue: one copy of Baton as the UI, the CLI and
 * the tests see it. This file is the request table: it validates every call and routes it
 * to session control (session-control.ts), the queue methods (queue-methods.ts), the
 * network methods, or the pure views; notifications.ts turns engine events into API events.
 */
export class BatonService {
  readonly events = new Emitter<Events>();
  private name: string;
  private unsubs: (() => void)[] = [];
  private readonly expiry: GraceExpiry;
  private readonly handlers: Handlers;
  private readonly local: LocalSettings;
  private readonly recent: RecentSessions;
  private readonly history: SessionHistory;
  private readonly session: SessionControl;
  private readonly notify: Notifier;
  /** Why a pending command is taking long, as its host said (its disk is full). */
  private readonly delayed = new Map<string, string>();

  /** The staff key of this run's login or creation, in memory only (queue-methods.ts). */
  private readonly staffKey: { key: KeyObject | null } = { key: null };

  constructor(private readonly o: ServiceOptions) {
    this.name = o.name;
    this.local = new LocalSettings(o.settings, o.prefs);
    this.recent = new RecentSessions(o.settings);
    this.history = new SessionHistory(o.settings);
    this.expiry = new GraceExpiry(o.clock);
    this.session = new SessionControl(
      o,
      this.local,
      {
        role: () => this.notify.onRole(),
        state: () => this.notify.onState(),
        members: () => this.notify.onMembers(),
        hostChanged: (c) => this.notify.onHostChanged(c),
        storage: () => this.notify.onStorage(),
        delayed: (d) => {
          this.delayed.set(d.id, d.message);
          this.notify.onState();
        },
        connected: () => {
          this.notify.onRole();
          this.notify.onState();
        },
        staffKey: (key) => (this.staffKey.key = key),
        detached: () => {
          this.staffKey.key = null;
          this.delayed.clear();
          this.expiry.clear();
          this.notify?.reset();
        },
      },
      () => this.name,
    );
    this.notify = new Notifier({
      events: this.events,
      session: this.session,
      expiry: this.expiry,
      name: () => this.name,
      queueView: () => this.queueView(),
      alertAtPosition: () => this.local.prefs().alertAtPosition,
      noteRecent: () => this.noteRecent(),
      noteHistory: () => this.noteHistory(false),
    });
    const session = this.session;
    this.handlers = {
      status: () => this.notify.status(),
      'sessions.list': () => this.o.directory.list().map(({ contacts: _c, ...s }) => s),
      'session.create': (p) => session.create(p.name, p.staffPasscode, this.name),
      'session.join': (p) => session.join(p.sessionId),
      'session.connect': (p) => session.connect(p.address, p.sessionId),
      'session.leave': () => {
        this.noteHistory(true);
        return session.leave();
      },
      'stats.history': () => {
        this.noteHistory(true); // this session's latest figures too
        return historyStats(this.history.list());
      },
      'stats.exportHistory': () => {
        this.noteHistory(true);
        return { csv: historyCsv(this.history.list()) };
      },
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
        sessionId: () => session.requirePeer().sessionId ?? '',
        queueView: () => this.queueView(),
        viewer: () => this.viewer(),
        now: () => this.o.clock.now(),
        random: this.o.random,
        staffKeyOf: this.o.staffKeyOf ?? staffKeyAsync,
        heldKey: this.staffKey,
        myName: () => this.name,
        memberName: (id) => this.memberName(id),
        secrets: () => this.secrets(),
        submit: (cmd, id) => session.requirePeer().submit(cmd, id),
        changed: () => this.notify.onState(),
      }),
      ...networkMethods({
        network: this.o.network,
        directory: this.o.directory,
        recent: this.recent,
        join: (sid) => session.join(sid),
        joinVia: (sid, via) => session.joinVia(sid, via),
        requireNoSession: () => session.requireNoSession(),
      }),
      ...relayMethods({
        relay: this.o.relay,
        directory: this.o.directory,
        session: () => {
          const peer = this.currentPeer;
          const name = peer?.doc?.baton?.session?.name;
          return peer?.isRunning && peer.sessionId && name ? { id: peer.sessionId, name } : null;
        },
        join: (sid) => session.join(sid),
        requireNoSession: () => session.requireNoSession(),
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
    return this.session.start();
  }

  /** Call a method by name with untrusted params: validated, never throws. */
  call<M extends Method>(method: M, params?: unknown): Promise<ApiResult<Results[M]>> {
    return callValidated(this.handlers, method, params, this.o.log);
  }

  /** Stop timers and listeners (the process is exiting; `session.leave` says goodbye first). */
  close(): void {
    this.session.detach();
    for (const u of this.unsubs) u();
    this.unsubs = [];
  }

  /** The name this copy's person goes by (`profile.setName`; new sessions join under it). */
  get myName(): string {
    return this.name;
  }

  get currentPeer(): Peer<QueueState> | null {
    return this.session.peer;
  }

  /** Remember the session and where its members are reachable now. */
  /** This session's helped visits into this laptop's history (session-history.ts). */
  private noteHistory(force: boolean): void {
    const peer = this.session.peer;
    const doc = peer?.doc;
    if (!peer?.isRunning || !peer.sessionId || !doc?.baton?.session || !doc.app) return;
    const state = trustedApp(peer) ?? doc.app;
    this.history.record(
      peer.sessionId,
      doc.baton.session.name,
      () => visitsOf(state, (id) => this.memberName(id)),
      this.o.clock.now(),
      force,
    );
  }

  private noteRecent(): void {
    const peer = this.session.peer;
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

  private queueView(): QueueView {
    return queueView(trustedApp(this.session.peer), this.viewer());
  }

  /** What views need to know about this copy. */
  private viewer(): ViewerFacts {
    const peer = this.session.peer;
    return {
      ...liveness(peer),
      ownEntries: new Set(Object.keys(this.secrets().all())),
      memberName: (id) => this.memberName(id),
      pending: (peer?.pendingCommands() ?? []).map((c) => {
        const reason = this.delayed.get(c.id);
        return { commandId: c.id, method: methodOf(c.body), ...(reason ? { reason } : {}) };
      }),
    };
  }

  private state(): QueueState {
    const s = trustedApp(this.session.peer);
    if (!s) throw new ApiError('no-session', 'not in a session');
    return s;
  }

  private secrets(): OwnerSecrets {
    return new OwnerSecrets(this.session.store);
  }

  private memberName(id: string): string {
    return memberNameIn(this.session.peer, id, 'someone');
  }

  private emitSessions(): void {
    this.events.emit('sessions', {
      sessions: this.o.directory.list().map(({ contacts: _c, ...s }) => s),
    });
  }
}
