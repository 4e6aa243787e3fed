import type { Heartbeat } from '../protocol/messages';
import { sendHeartbeats } from './heartbeat-send';
import { releaseAcks } from './acks';
import { flushOutbox } from './command-intake';
import { handleDecisions } from './hosting';
import { sendHello } from './joining';
import { prepareSnapshot } from './admission';
import type { SessionState } from './state';
import { noteHostView } from './room-view';
import { repairSync } from './sync-schedule';

// The heartbeat round: every heartbeatMs each copy tells every member its view (epoch,
// role, host, written heads), feeds the election, notices its own stalls, resends what
// its outbox still holds and repairs stalled sync exchanges.

export function onTick<S>(s: SessionState<S>): void {
  const e = s.election;
  if (!e || !s.replica) {
    if (s.joining) sendHello(s, s.joining.via, s.joining.sessionId);
    return;
  }
  const hb = s.cfg.detector.heartbeatMs;
  const gap = s.lastTickAt === null ? 0 : s.now - s.lastTickAt;
  s.lastTickAt = s.now;
  if (gap > 3 * hb) {
    // This copy itself was stalled (CPU starvation, SIGSTOP, a sleeping laptop): what it
    // knows of the others is stale and their heartbeats are probably still queued in its
    // sockets. Listen for a moment before judging anyone gone.
    s.listenUntil = s.now + 2 * hb;
    s.fx.log(`stalled for ${Math.round(gap)} ms: listening before any election decision`);
  }
  sendHeartbeats(s);
  if (s.leaving) return;
  if (s.now >= s.listenUntil) handleDecisions(s, e.tick(s.now));
  if (s.hostlessSince !== null && s.hostReachable()) {
    s.hostlessSince = null;
    s.emitRole();
  }
  if (e.role === 'host') {
    releaseAcks(s);
    prepareSnapshot(s);
  }
  s.noteLiveness();
  repairSync(s);
  flushOutbox(s);
  s.releaseParkedAcks();
}

/** Any role: a member's heartbeat feeds the election (the roles' parts: host-step.ts, member-step.ts). */
export function onHeartbeat<S>(s: SessionState<S>, m: Heartbeat): void {
  const e = s.election;
  if (!e || m.from === s.memberId) return;
  s.memberHeads.set(m.from, m.heads);
  handleDecisions(s, e.onHeartbeat(m.from, m, s.now));
}

/** Member: the host's heartbeat carries its view of the room, and moves the next check on. */
export function onHostHeartbeat<S>(s: SessionState<S>, m: Heartbeat): void {
  const e = s.election;
  if (!e || m.from !== e.hostId || m.from === s.memberId) return;
  noteHostView(s, m.live, m.elig);
  armCheck(s);
}

/**
 * Look again the moment the host would be suspected, rather than at the next heartbeat
 * round: a crashed host is replaced up to a round (250 ms) sooner. Every heartbeat from
 * the host moves the moment on.
 */
function armCheck<S>(s: SessionState<S>): void {
  const e = s.election!;
  const host = e.hostId;
  const last = host ? e.lastHeard(host) : null;
  if (!host || last === null) return;
  const due = last + e.suspectAfterMs(host) + 1 - s.now;
  s.fx.timer('check', Math.max(0, due), true);
}

/** The `check` timer: the host's heartbeat is late enough to be suspected. */
export function onCheck<S>(s: SessionState<S>): void {
  const e = s.election;
  if (!e || !s.replica || s.leaving || s.now < s.listenUntil || e.role === 'host') return;
  handleDecisions(s, e.tick(s.now));
}
