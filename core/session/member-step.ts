import type { DeviceId } from '../ids';
import type { Message } from '../protocol/messages';
import { redirectJoiner, refuseHello } from './admission';
import { onChanges } from './fanout';
import * as frame from './frames';
import { onHostHeartbeat } from './heartbeats';
import { onRedirect, onRefuse, onSnapshot, onWelcome } from './joining';
import type { SessionState } from './state';

// A member's step (and a joiner's: a copy that does not host): what a frame means to a
// copy that follows — the host's changes and heartbeat view, the join's answers — and
// what it says to frames meant for a host. The hub (core.ts) calls it after the part of
// the frame every role handles, when this copy does not host.

export function stepMember<S>(s: SessionState<S>, from: DeviceId, m: Message): void {
  switch (m.type) {
    case 'hello':
      // Not the host: name it, so the joiner asks there.
      if (!refuseHello(s, from, m)) redirectJoiner(s, from);
      return;
    case 'cmd': {
      const e = s.election;
      if (e && s.replica) s.send(from, frame.notHost(m.id, e.hostId, e.epoch));
      return;
    }
    case 'hb':
      return onHostHeartbeat(s, m);
    case 'changes':
      return onChanges(s, m);
    case 'welcome':
      return onWelcome(s, from, m);
    case 'refuse':
      return onRefuse(s, from, m.error.code, m.error.message);
    case 'redirect':
      return onRedirect(s, m);
    case 'snapshot':
      return onSnapshot(s, m);
    default:
      return; // a `have` is for the host
  }
}
