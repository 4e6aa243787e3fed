import type { DeviceId } from '../ids';
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
  if (s.cfg.reachAfterMs > 0)
    s.fx.timer('reach', Math.max(0, last + s.cfg.reachAfterMs - s.now), true);
}

/**
 * The `reach` timer: the host's heartbeat is a round and 100 ms late. Ask the transport
 * whether its laptop still answers at its address — once per silence. A stalled copy (a
 * busy or paused process) is answered for by its operating system and left to the
 * detector, which tolerates stalls of up to ≈ 0.6 s; a laptop that slept or left the
 * network answers nothing, and is counted as gone when the answer says so (`onDeviceSilent`)
 * — ≈ 0.65 s after its last heartbeat instead of the detector's ≈ 0.86 s or more.
 */
export function onReach<S>(s: SessionState<S>): void {
  const e = s.election;
  if (!e || !s.replica || s.leaving || e.role === 'host') return;
  const host = e.hostId;
  const last = host ? e.lastHeard(host) : null;
  if (!host || last === null || host === s.memberId || !e.isLive(host, s.now)) return;
  if (s.now - last < s.cfg.reachAfterMs) return;
  if (s.reachAsked?.host === host && s.reachAsked.heardAt === last) return;
  const device = s.deviceOfMember(host);
  if (!device) return;
  s.reachAsked = { host, heardAt: last };
  s.fx.reach(device, last);
}

/**
 * The transport's answer to `onReach`: nothing answered at `device`'s address. If that is
 * the answer to this silence's question (`heard`: the host's last heartbeat when asked),
 * that is still our host and it is still silent, it is counted as gone (as a crashed host's
 * refused connection is: hosting.ts `onDeviceGone`); else the answer is stale.
 */
export function onDeviceSilent<S>(s: SessionState<S>, device: DeviceId, heard: number): void {
  const e = s.election;
  const asked = s.reachAsked;
  if (!e || !asked || !s.running || s.leaving || e.role === 'host') return;
  if (asked.heardAt !== heard) return;
  if (e.hostId !== asked.host || s.deviceOfMember(asked.host) !== device) return;
  if (e.lastHeard(asked.host) !== asked.heardAt || !e.isLive(asked.host, s.now)) return;
  s.reachAsked = null;
  s.fx.log(
    `${asked.host}: silent for ${Math.round(s.now - asked.heardAt)} ms and nothing answers at its address: counted as gone`,
  );
  handleDecisions(s, e.onLeave(asked.host, s.now));
}

/** The `check` timer: the host's heartbeat is late enough to be suspected. */
export function onCheck<S>(s: SessionState<S>): void {
  const e = s.election;
  if (!e || !s.replica || s.leaving || s.now < s.listenUntil || e.role === 'host') return;
  handleDecisions(s, e.tick(s.now));
}
