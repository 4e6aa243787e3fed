import { saveCerts, vouchedToReport } from './certs';
import * as frame from './frames';
import { heartbeatTargets, hostView } from './room-view';
import type { SessionState } from './state';

/**
 * One heartbeat round's frames: this copy's view (epoch, role, host, written heads — and,
 * from the host, who is live and may host) to whom this round needs it (room-view.ts). A
 * leaf: the tick (heartbeats.ts) and a new host (hosting.ts) both send it.
 */
export function sendHeartbeats<S>(s: SessionState<S>): void {
  const e = s.election!;
  const me = s.identity!.memberId;
  s.replica!.flush(); // heads in a heartbeat count as held
  saveCerts(s, s.fx);
  const heads = s.replica!.heads();
  const view = e.role === 'host' ? hostView(s) : { vouched: vouchedToReport(s) };
  for (const id of heartbeatTargets(s)) {
    const device = s.replica!.deviceOf(id);
    if (!device) continue;
    s.send(device, frame.heartbeat(me, e.heartbeatFor(id, s.now), heads, view));
  }
  e.nextRound();
}
