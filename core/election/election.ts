import type { MemberId } from '../ids';
import type { Decision, ElectionConfig, HeartbeatView, Role } from './config';
import { nextEpoch } from './epoch';
import { blockedByEvidence } from './evidence';
import { type MemberState, newMemberState } from './member-state';
import * as ms from './member-state';
import * as succession from './succession';

/**
 * The election: a deterministic state machine over (members, liveness observations,
 * now). It never reads a clock or sends a message; the node feeds it heartbeats,
 * handovers and leave notices with the current time and carries out its decisions.
 * Its vocabulary is in config.ts, what it knows per member in member-state.ts, and the
 * successorship order in succession.ts.
 */
export class Election {
  /** The members, and the successorship order over them (succession.ts). */
  readonly seats = new succession.Seats();
  private readonly states = new Map<MemberId, MemberState>();
  private _role: Role = 'member';
  private _epoch: number;
  private _hostId: MemberId | null = null;
  private maxEpochSeen: number;
  private seq = 0;
  private bootAt: number | null = null;
  /** Heard a host since start-up: the room is known, the boot grace is over. */
  private heardHost = false;
  /** A member reported an epoch newer than ours, hosted by someone we cannot hear. */
  private orphanEpochSince: number | null = null;
  private lostNoted = false;
  /** Since when this copy has heard no other member at all (see memberTick). */
  private isolatedSince: number | null = null;
  private hostSteppedDown = false;

  constructor(
    public cfg: ElectionConfig,
    persistedEpoch = 0,
  ) {
    this._epoch = persistedEpoch;
    this.maxEpochSeen = persistedEpoch;
  }

  /** Stop (or start again) offering to host and to hold changes: a copy whose disk fails. */
  setEligible(eligible: boolean): void {
    this.cfg = { ...this.cfg, eligible };
  }

  get role(): Role {
    return this._role;
  }
  get epoch(): number {
    return this._epoch;
  }
  get hostId(): MemberId | null {
    return this._hostId;
  }
  /** The members as replicated in the document, sorted by id (epoch slots, bitmaps). */
  get members(): readonly MemberId[] {
    return this.seats.order;
  }
  setMembers(ids: Iterable<MemberId>): void {
    this.seats.setMembers(ids);
  }

  start(now: number): void {
    this.bootAt = now;
    this.heardHost = false;
  }

  /** The creator of a session hosts it from the first instant. */
  create(now: number): Decision[] {
    this.bootAt = now;
    this.become('host', this.cfg.self, this.newEpoch(), now);
    return [{ kind: 'become-host', epoch: this._epoch, reason: 'create' }];
  }

  isLive(id: MemberId, now: number): boolean {
    if (id === this.cfg.self) return true;
    const p = this.states.get(id);
    return !!p && !p.left && p.detector.isAvailable(now);
  }

  /** When a member's last heartbeat arrived, or null if never. */
  lastHeard(id: MemberId): number | null {
    return this.states.get(id)?.detector.lastHeard ?? null;
  }

  /** Silence after which a member is suspected, as the detector currently estimates it. */
  suspectAfterMs(id: MemberId): number {
    const p = this.states.get(id);
    return (p ?? newMemberState(this.cfg.detector)).detector.suspectAfterMs();
  }

  /** Live, eligible members in successorship order, the current host first. */
  successors(now: number): MemberId[] {
    return succession.successorsOf(this.room(now), this._hostId);
  }

  /** The next `k` members that would take over from this host, in order. */
  nextHolders(k: number, now: number): MemberId[] {
    return succession.holdersAfter(this.room(now), this.cfg.self, k);
  }

  /** Member's view: is this copy among the current host's next `k` holders? */
  isHolder(k: number, now: number): boolean {
    return succession.holdersAfter(this.room(now), this._hostId, k).includes(this.cfg.self);
  }

  private room(now: number): succession.RoomView {
    const canHost = (id: MemberId): boolean => this.isLive(id, now) && this.eligibleOf(id);
    return { order: this.seats.rank, self: this.cfg.self, canHost };
  }

  /** Fields of the next heartbeat to `to`. Call once per member per round; `nextRound` advances seq. */
  heartbeatFor(to: MemberId, now: number): HeartbeatView {
    const p = this.states.get(to);
    return {
      epoch: this._epoch,
      role: this._role,
      hostId: this._hostId,
      seq: this.seq,
      echo: p ? p.lastSeq : -1,
      hostAgoMs: ms.hostAgoMs(this._hostId, this.cfg.self, this.states, now),
      eligible: this.cfg.eligible,
    };
  }

  nextRound(): void {
    this.seq++;
  }
  /** The heartbeat round this copy is in (its next seq). */
  get round(): number {
    return this.seq;
  }

  /**
   * Host: `id` was just admitted (its hello arrived now). It counts as live from this
   * instant — a command submitted before its first heartbeat must still wait for it as a
   * holder, or a change acked in that gap could exist on the host alone.
   */
  onAdmitted(id: MemberId, eligible: boolean, now: number): void {
    if (id === this.cfg.self) return;
    const p = this.memberState(id);
    if (!p.detector.isAvailable(now) || p.left || p.liveSince === null) p.liveSince = now;
    p.detector.heartbeat(now);
    p.left = false;
    p.eligible = eligible;
  }

  /** Host: `id` followed us this term before its first heartbeat: live now, as if admitted. */
  onContact(id: MemberId, now: number): void {
    const p = this.states.get(id);
    if (this._role !== 'host' || id === this.cfg.self || (p && this.isLive(id, now))) return;
    this.onAdmitted(id, p?.eligible ?? false, now);
  }

  onHeartbeat(from: MemberId, hb: HeartbeatView, now: number): Decision[] {
    if (from === this.cfg.self) return [];
    const p = this.memberState(from);
    ms.recordHeartbeat(p, hb, now, ms.hearsMe(this.seq, this.cfg.detector, hb));
    this.maxEpochSeen = Math.max(this.maxEpochSeen, hb.epoch);

    if (hb.role === 'host') {
      this.heardHost = this.bootAt !== null;
      return this.onHostClaim(from, p, now);
    }
    // A member names us host of a newer epoch: we missed the handover message.
    if (hb.epoch > this._epoch && hb.hostId === this.cfg.self && this.cfg.eligible) {
      this.become('host', this.cfg.self, hb.epoch, now);
      return [{ kind: 'become-host', epoch: hb.epoch, reason: 'handover' }];
    }
    const named = hb.hostId;
    if (hb.epoch > this._epoch && named !== null && named !== this.cfg.self && named !== from) {
      // Another member follows a newer host. A member of a live TA's host stays put (a student
      // claiming to host is no reason to move); a host yields — its members moved while it was
      // away (paused, out of range), and hosting comes back to it by failback when stable.
      const stays = this._role === 'member' && this.outranks(named, now);
      if (!stays && this.isLive(named, now) && this.states.get(named)?.role === 'host')
        return this.follow(named, hb.epoch, 'newer-epoch', now);
    }
    if (this._role === 'host' && hb.epoch > this._epoch && hb.hostId !== this.cfg.self) {
      if (hb.hostId === null || !this.isLive(hb.hostId, now)) this.orphanEpochSince ??= now;
    }
    // Our host now says it is a member: it stepped down without us hearing the handover.
    if (
      from === this._hostId &&
      this._role === 'member' &&
      hb.epoch >= this._epoch &&
      !this.lostNoted
    ) {
      this.lostNoted = true;
      this.hostSteppedDown = true;
      return [{ kind: 'lost-host', hostId: from }];
    }
    return [];
  }

  /** A graceful handover: `to` hosts `epoch` from now on. */
  onHandover(from: MemberId, to: MemberId, epoch: number, now: number): Decision[] {
    this.maxEpochSeen = Math.max(this.maxEpochSeen, epoch);
    if (epoch <= this._epoch) return [];
    const p = this.states.get(from);
    if (p) p.hostClaimSince = null;
    if (to === this.cfg.self) {
      this.become('host', this.cfg.self, epoch, now);
      return [{ kind: 'become-host', epoch, reason: 'handover' }];
    }
    return this.follow(to, epoch, 'handover', now);
  }

  /** A member said goodbye: it is gone at once, no detector timeout. */
  onLeave(from: MemberId, now: number): Decision[] {
    const p = this.states.get(from);
    if (!p) return [];
    ms.recordLeave(p, now);
    return this.tick(now);
  }

  /** Periodic evaluation: failover, failback, stale host claims. */
  tick(now: number): Decision[] {
    for (const p of this.states.values()) {
      const live = !p.left && p.detector.isAvailable(now);
      if (!live) p.liveSince = null;
      if (!live) p.hostClaimSince = null;
    }
    if (this._role === 'host') return this.hostTick(now);
    return this.memberTick(now);
  }

  /** Hand hosting to `to` (failback or graceful leave). Returns the new epoch to announce. */
  handOver(to: MemberId, now: number): number {
    const epoch = nextEpoch(
      Math.max(this._epoch, this.maxEpochSeen),
      Math.max(0, this.seats.order.indexOf(to)),
    );
    this.become('member', to, epoch, now);
    return epoch;
  }

  /** First live, eligible member after the current host, excluding self (for a graceful leave). */
  successorForLeave(now: number): MemberId | null {
    return succession.successorForLeave(this.room(now));
  }

  private hostTick(now: number): Decision[] {
    // Failback: an earlier member healthy for the whole stability window, which hears us.
    const stableSince = now - this.cfg.stabilityMs;
    for (const id of this.seats.rank) {
      if (id === this.cfg.self) break;
      const p = this.states.get(id);
      if (!p || !this.isLive(id, now) || !p.eligible || p.liveSince === null) continue;
      if (
        p.liveSince <= stableSince &&
        p.hearsMeAt !== null &&
        p.hearsMeAt >= now - this.suspectAfterMs(id)
      ) {
        return [{ kind: 'failback', to: id }];
      }
    }
    // Members follow a newer epoch whose host we cannot hear: take them over under a newer epoch still.
    if (this.maxEpochSeen > this._epoch && this.orphanEpochSince !== null) {
      if (now - this.orphanEpochSince >= this.cfg.bootGraceMs) {
        this.orphanEpochSince = null;
        this._epoch = this.newEpoch();
        return [{ kind: 'become-host', epoch: this._epoch, reason: 'reassert' }];
      }
    }
    return [];
  }

  private memberTick(now: number): Decision[] {
    const out: Decision[] = [];
    if (this._hostId !== null && this._hostId !== this.cfg.self) {
      if (this.isLive(this._hostId, now) && !this.hostSteppedDown) return [];
      if (!this.lostNoted) out.push({ kind: 'lost-host', hostId: this._hostId });
      this.lostNoted = true;
      // A claim refused while our host still counted as live: follow it now, not a round later.
      const usable = (id: MemberId): boolean => this.isLive(id, now) && !this.outranks(id, now);
      const c = ms.newestClaim(this.states, this._epoch, usable);
      if (c) return [...out, ...this.follow(c.id, c.epoch, 'newer-epoch', now)];
    }
    const booting = this.bootAt === null || now - this.bootAt < this.cfg.bootGraceMs;
    if (booting && !this.heardHost) return out;
    if (!this.cfg.eligible) return out;
    // Hearing nobody at all is more likely our own stall (a blocked event loop, a link just
    // back) than the whole room gone at once: confirm over two more heartbeats (queued ones
    // get processed) before promoting. Goodbyes are not silence: a leave needs no confirming.
    const others = this.seats.order.filter(
      (id) => id !== this.cfg.self && !this.states.get(id)?.left,
    );
    const hearsSomeone = others.length === 0 || others.some((id) => this.isLive(id, now));
    if (hearsSomeone) this.isolatedSince = null;
    else {
      this.isolatedSince ??= now;
      if (now - this.isolatedSince < 2 * this.cfg.detector.heartbeatMs) return out;
    }
    // The first live eligible member hosts. If that is a member (even one hosting an older
    // epoch, which reasserts a newer one when it hears us), we wait for it.
    const candidate = this.seats.rank.find(
      (id) =>
        (this.isLive(id, now) ||
          (id !== this.cfg.self &&
            ms.unheardYet(this.states.get(id), this.bootAt, now, this.cfg.unknownGraceMs))) &&
        this.eligibleOf(id),
    );
    if (candidate !== this.cfg.self) return out;
    const host = this.hostSteppedDown ? null : this._hostId;
    const view = {
      self: this.cfg.self,
      epoch: this._epoch,
      margin: this.cfg.detector.heartbeatMs / 2,
    };
    if (blockedByEvidence(this.states, host, view, now, this)) return out;
    this.become('host', this.cfg.self, this.newEpoch(), now);
    out.push({ kind: 'become-host', epoch: this._epoch, reason: 'failover' });
    return out;
  }

  /** A live staff host outranks any other member's claim (succession.ts, `outranks`). */
  private outranks(from: MemberId, now: number): boolean {
    const h = this._hostId;
    const live = h === this.cfg.self ? this._role === 'host' : h !== null && this.isLive(h, now);
    return succession.outranks(this.seats, h, from, live && !this.hostSteppedDown);
  }

  private onHostClaim(from: MemberId, p: MemberState, now: number): Decision[] {
    const newer = p.epoch > this._epoch || (p.epoch === this._epoch && from < this.cfg.self);
    if (this.outranks(from, now)) {
      const ours = ms.followed(this.states, this.cfg.self, this._epoch, (id) =>
        this.isLive(id, now),
      );
      if (this._role === 'host' && p.epoch > this._epoch && ours) this.orphanEpochSince ??= now;
      return [];
    }
    if (this._role === 'host') {
      if (newer)
        return this.follow(from, p.epoch, p.epoch > this._epoch ? 'newer-epoch' : 'tie', now);
      // Asymmetric link: it has hosted in our hearing for a whole timeout and does not hear us.
      // It will never demote, so we defer to it.
      const window = this.suspectAfterMs(from);
      const deaf = p.hearsMeAt === null || p.hearsMeAt < now - window;
      if (p.hostClaimSince !== null && now - p.hostClaimSince >= window && deaf) {
        return this.follow(from, p.epoch, 'deaf-member', now);
      }
      return [];
    }
    if (from === this._hostId && p.epoch === this._epoch && !this.hostSteppedDown) return [];
    if (p.epoch > this._epoch) return this.follow(from, p.epoch, 'newer-epoch', now);
    const current = this._hostId;
    const currentGone = current === null || this.hostSteppedDown || !this.isLive(current, now);
    if (p.epoch === this._epoch && (currentGone || from < current || from === current)) {
      return this.follow(from, p.epoch, 'tie', now);
    }
    // An older epoch is refused; that host demotes or reasserts when it hears us.
    return [];
  }

  private follow(
    hostId: MemberId,
    epoch: number,
    reason: Extract<Decision, { kind: 'follow' }>['reason'],
    now: number,
  ): Decision[] {
    this.become('member', hostId, epoch, now);
    // A new host gets a full detector timeout to start heartbeating before it counts as lost.
    const p = this.memberState(hostId);
    if (!p.detector.isAvailable(now)) {
      p.detector.reset();
      p.detector.heartbeat(now);
      p.left = false;
    }
    return [{ kind: 'follow', hostId, epoch, reason }];
  }

  private become(role: Role, hostId: MemberId, epoch: number, _now: number): void {
    this.lostNoted = false;
    this.hostSteppedDown = false;
    this._role = role;
    this._hostId = hostId;
    this._epoch = epoch;
    this.maxEpochSeen = Math.max(this.maxEpochSeen, epoch);
    if (role === 'member') this.orphanEpochSince = null;
  }

  private newEpoch(): number {
    const slot = Math.max(0, this.seats.order.indexOf(this.cfg.self));
    return nextEpoch(Math.max(this._epoch, this.maxEpochSeen), slot);
  }

  private eligibleOf(id: MemberId): boolean {
    return id === this.cfg.self ? this.cfg.eligible : (this.states.get(id)?.eligible ?? false);
  }

  private memberState(id: MemberId): MemberState {
    if (!this.states.has(id)) this.states.set(id, newMemberState(this.cfg.detector));
    return this.states.get(id)!;
  }
}
