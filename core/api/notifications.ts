import type { Emitter } from '../engine/emitter';
import type { PeerEvents } from '../engine/peer';
import type { Events, QueueView } from './contract';
import { AlertDetector } from './alerts';
import type { GraceExpiry } from './grace-expiry';
import type { SessionControl } from './session-control';
import { type PeerFacts, liveness, membersView, statusView, storageProblem } from './status-view';
import { memberNameIn, staffOnDuty, trustedApp } from './views';

export interface NotifierOptions {
  events: Emitter<Events>;
  session: SessionControl;
  expiry: GraceExpiry;
  name(): string;
  queueView(): QueueView;
  alertAtPosition(): number;
  /** The members' addresses may have changed: remember the session's contacts. */
  noteRecent(): void;
  /** Keep this session's statistics in the local history (at most once a minute). */
  noteHistory(): void;
}

/**
 * Turns what the engine reports (role, state, acks, members and liveness) into App API
 * events: the queue view, status and member list when they changed, and the alerts for
 * this copy's student (called, up next, can't find, message) or its TA (joined an empty
 * queue). Nothing here polls: every event follows an engine event.
 */
export class Notifier {
  private lastMembers = '';
  private lastStatus = '';
  private lastOnDuty = -1;
  private readonly alerts = new AlertDetector();

  constructor(private readonly o: NotifierOptions) {}

  private get peer(): PeerFacts | null {
    return this.o.session.peer;
  }

  /** The queue changed (or a command was acknowledged). */
  onState(): void {
    const view = this.o.queueView();
    this.o.events.emit('state', view);
    const isStaff = this.status().isStaff;
    for (const a of this.alerts.next(view, { isStaff, alertAtPosition: this.o.alertAtPosition() }))
      this.o.events.emit(a.event, a.data as never);
    this.o.expiry.schedule(this.o.session.peer, () => this.onState());
    this.o.noteHistory();
    this.onStatus();
  }

  onRole(): void {
    const p = this.peer;
    this.o.events.emit('role', {
      role: p?.role ?? 'none',
      hostId: p?.hostId ?? null,
      epoch: p?.epoch ?? 0,
    });
    this.onMembers();
  }

  onHostChanged(c: PeerEvents['hostChanged']): void {
    const name = (id: string): string => memberNameIn(this.peer, id, 'someone');
    this.o.events.emit('hostChanged', {
      ...c,
      // Member ids order succession: a move to an earlier id is the failback.
      reason: c.from === null ? 'start' : c.to < c.from ? 'failback' : 'failover',
      fromName: c.from ? name(c.from) : '',
      toName: name(c.to),
    });
  }

  /** Members, liveness or the successor order may have changed. */
  onMembers(): void {
    const members = membersView(this.peer);
    const successors = this.peer?.successors() ?? [];
    const key = JSON.stringify([members, successors]);
    if (key !== this.lastMembers) {
      this.lastMembers = key;
      this.o.events.emit('members', { members, successors });
      this.o.noteRecent();
      // Staff on duty follows liveness: the wait estimates change with it.
      const state = trustedApp(this.peer);
      const onDuty = state ? staffOnDuty(state, liveness(this.peer)).count : 0;
      if (this.lastOnDuty !== -1 && onDuty !== this.lastOnDuty) return this.setOnDuty(onDuty);
      this.lastOnDuty = onDuty;
    }
    this.onStatus();
  }

  status(): ReturnType<typeof statusView> {
    return statusView(
      this.peer,
      this.o.name(),
      storageProblem(this.peer, this.o.session.recovering),
    );
  }

  /** The disk stopped or started taking writes. */
  onStorage(): void {
    this.onStatus();
  }

  /** Forget what was last told (the session changed). */
  reset(): void {
    this.lastMembers = '';
    this.lastStatus = '';
    this.lastOnDuty = -1;
    this.alerts.reset();
  }

  private setOnDuty(n: number): void {
    this.lastOnDuty = n;
    this.onState();
  }

  onStatus(): void {
    const status = this.status();
    const key = JSON.stringify(status);
    if (key === this.lastStatus) return;
    this.lastStatus = key;
    this.o.events.emit('status', status);
  }
}
