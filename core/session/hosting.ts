import type { Decision } from '../election/config';
import type { DeviceId, MemberId } from '../ids';
import type { Handover } from '../protocol/messages';
import { flushOutbox } from './command-intake';
import * as frame from './frames';
import { catchUpRoom, resetFanout } from './fanout';
import { sendHeartbeats } from './heartbeat-send';
import { saveIdentity } from './identity';
import type { SessionState } from './state';
import { afterHostChange, pushSync, reportHeadsToHost } from './sync-schedule';

// Who hosts: the election's decisions carried out (become host, follow, failback), the
// handover message both ways, and a host's graceful leave.

export function handleDecisions<S>(s: SessionState<S>, decisions: Decision[]): void {
  for (const d of decisions) {
    switch (d.kind) {
      case 'become-host':
        // Admitted but not yet holding the session (the host left mid-join): this copy
        // has nothing to host. The join fails; the app may look for the room again.
        if (s.joining && !s.replica?.doc.baton?.session) {
          s.fx.log('join failed: the host left before this copy held the session');
          s.joining = null;
          s.stop();
          s.fx.emit('joinFailed', { code: 'host-left', message: 'the host left during the join' });
          return;
        }
        if (d.reason === 'failover') logPromotion(s, d.epoch);
        becomeHost(s, d.epoch);
        break;
      case 'follow':
        follow(s, d.hostId);
        break;
      case 'lost-host':
        s.hostlessSince ??= s.now;
        s.emitRole();
        break;
      case 'failback':
        tryFailback(s, d.to);
        break;
    }
  }
}

function becomeHost<S>(s: SessionState<S>, epoch: number): void {
  persistEpoch(s, epoch);
  s.hostingSince = s.now;
  s.acks.reset();
  s.holderBehindSince.clear();
  s.stalledHolders.clear();
  resetFanout(s);
  for (const m of s.election!.members) if (m !== s.memberId) s.replica!.resetSync(m);
  afterHostChange(s, s.replica!.startTerm(epoch, s.memberId!, s.now, s.o.app), true);
  noteHostChange(s, s.memberId!, epoch);
  // Tell the room now rather than at the next heartbeat: members switch a round sooner.
  sendHeartbeats(s);
  // Then, on the same links (so after the heartbeat that makes them follow), what each
  // member lacks, from the heads its last heartbeat reported: one frame for the room.
  // A member we cannot place that way reports its heads when it follows (below).
  catchUpRoom(s);
  s.outbox.resetSendTimes();
  flushOutbox(s);
}

function follow<S>(s: SessionState<S>, hostId: MemberId): void {
  s.acks.dropPending();
  resetFanout(s);
  s.failbackTarget = null;
  persistEpoch(s, s.election!.epoch);
  s.replica!.resetSync(hostId);
  // Tell the new host what we hold: it sends what we lack (fanout.ts), or syncs when we
  // hold changes it lacks. In the `sync` fan-out mode we open the exchange ourselves.
  if (s.cfg.fanout === 'broadcast') reportHeadsToHost(s);
  else pushSync(s, hostId);
  s.lastSyncAt.set(hostId, s.now); // its answer is on the way: no repair before then
  noteHostChange(s, hostId, s.election!.epoch);
  s.outbox.resetSendTimes();
  flushOutbox(s);
}

/** Hand hosting back to `to` once it holds everything acknowledged; until then, sync it. */
export function tryFailback<S>(s: SessionState<S>, to: MemberId): void {
  if (s.election?.role !== 'host' || s.leaving) return;
  if (s.acks.heldBy(to) >= s.acks.latestCounter) {
    s.failbackTarget = null;
    handOver(s, to);
    return;
  }
  if (s.failbackTarget !== to) {
    s.failbackTarget = to;
    pushSync(s, to);
  }
}

export function handOver<S>(s: SessionState<S>, to: MemberId): void {
  const epoch = s.election!.handOver(to, s.now);
  const leaving = s.leaving;
  s.broadcast((from) => frame.handover(from, epoch, to, leaving));
  follow(s, to);
}

export function onHandover<S>(s: SessionState<S>, m: Handover): void {
  if (!s.election) return;
  handleDecisions(s, s.election.onHandover(m.from, m.to, m.epoch, s.now));
  // A leaving host's goodbye rides on the handover too: its separate 'leave' frame was
  // seen to go missing for the new host, which then waited a detector timeout for it
  // as a holder before acking anything.
  if (m.leaving) handleDecisions(s, s.election.onLeave(m.from, s.now));
}

export function onLeaveNotice<S>(s: SessionState<S>, from: MemberId): void {
  if (s.election) handleDecisions(s, s.election.onLeave(from, s.now));
}

/**
 * The transport found `device` gone: its link closed and nothing listens at its address
 * (its process died). As good as a goodbye: a crashed host is replaced at once instead
 * of after a detector timeout. Should it still be alive, its next heartbeat says so.
 */
export function onDeviceGone<S>(s: SessionState<S>, device: DeviceId): void {
  const e = s.election;
  if (!e || !s.running || s.leaving) return;
  for (const m of e.members) {
    if (m === s.memberId || s.deviceOfMember(m) !== device || !e.isLive(m, s.now)) continue;
    s.fx.log(`${m}: its link closed and nothing listens at its address: counted as gone`);
    handleDecisions(s, e.onLeave(m, s.now));
  }
}

/** Graceful leave: a host brings its successor up to date and hands over first. */
export function startLeave<S>(s: SessionState<S>): void {
  s.replica?.flush(); // whatever this copy holds stays on its disk
  if (!s.running || !s.election || s.leaving) return s.stop();
  s.leaving = true;
  const to = s.election.role === 'host' ? s.election.successorForLeave(s.now) : null;
  if (!to) return finishLeave(s);
  // Bring the successor up to date (bounded wait), then hand over and say goodbye.
  s.leave = { to, startedAt: s.now, deadline: s.now + s.cfg.handoverWaitMs };
  pushSync(s, to);
  onLeaveTimer(s);
}

/** Has the successor caught up (or is the wait over)? Then hand over and go. */
export function onLeaveTimer<S>(s: SessionState<S>): void {
  const l = s.leave;
  if (!l) return;
  const held = s.acks.heldBy(l.to) >= s.acks.latestCounter;
  if (!held && s.now < l.deadline) {
    s.fx.timer('leave', Math.max(5, s.cfg.detector.heartbeatMs / 10));
    return;
  }
  s.fx.log(
    `leaving: handing over to ${l.to} after ${s.now - l.startedAt} ms` +
      (held ? '' : ' (it had not confirmed everything: deadline)'),
  );
  handOver(s, l.to);
  finishLeave(s);
}

function finishLeave<S>(s: SessionState<S>): void {
  s.replica?.flush();
  s.broadcast((from) => frame.leave(from, s.epoch));
  s.stop();
}

function noteHostChange<S>(s: SessionState<S>, to: MemberId, epoch: number): void {
  if (to !== s.lastHost) {
    const gapMs = s.hostlessSince === null ? 0 : s.now - s.hostlessSince;
    s.fx.emit('hostChanged', { from: s.lastHost, to, epoch, gapMs });
    s.lastHost = to;
  }
  s.hostlessSince = null;
  s.emitRole();
}

/** Why this copy promoted itself: what it knew of each earlier member (diagnostics). */
function logPromotion<S>(s: SessionState<S>, epoch: number): void {
  const e = s.election!;
  const view = e.seats.rank
    .slice(0, Math.max(0, e.seats.rank.indexOf(s.memberId!)))
    .map((m) => `${m.slice(-6)}:${e.isLive(m, s.now) ? 'live' : 'silent'}`)
    .join(' ');
  s.fx.log(`promoting to host at epoch ${epoch}; earlier members: ${view || 'none'}`);
}

function persistEpoch<S>(s: SessionState<S>, epoch: number): void {
  if (!s.identity || epoch <= s.identity.epoch) return;
  s.identity = { ...s.identity, epoch };
  saveIdentity(s.fx, s.identity);
}
