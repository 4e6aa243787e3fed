import type { DeviceId, MemberId } from '../ids';
import type { Message } from '../protocol/messages';
import { onHave } from './acks';
import { admit, refuseHello } from './admission';
import { onCommand } from './command-intake';
import { noteReport } from './fanout';
import type { SessionState } from './state';

// The host's step: what a frame means to the copy that hosts — a joiner to admit, a
// command to order and apply, a member's report of the heads it has written (acks, the
// fan-out's catch-up, a failback). The hub (core.ts) calls it after the part of the
// frame every role handles (the election's, the outbox's), when this copy hosts.

export function stepHost<S>(s: SessionState<S>, from: DeviceId, m: Message): void {
  switch (m.type) {
    case 'hello':
      if (!refuseHello(s, from, m)) admit(s, from, m);
      return;
    case 'cmd':
      return onCommand(s, from, m);
    case 'have':
      s.memberHeads.set(m.from, m.heads);
      return onReport(s, m.from, m.heads, m.vouched ?? m.heads, m.behind === true);
    case 'hb':
      // A heartbeat's heads count as a report (written before it left); the common part
      // (heartbeats.ts) has noted them already.
      if (m.from !== s.memberId) onReport(s, m.from, m.heads, m.vouched ?? m.heads, false);
      return;
    default:
      return; // the member's frames (changes, snapshot, welcome…) mean nothing to a host
  }
}

/**
 * A member reported the heads it has written (a `have`, or a heartbeat's), noted in
 * `memberHeads`, and those its certificates vouch for (older copies send no `vouched`).
 */
function onReport<S>(
  s: SessionState<S>,
  from: MemberId,
  heads: readonly string[],
  vouched: readonly string[],
  behind: boolean,
): void {
  s.election!.onContact(from, s.now);
  noteReport(s, from, heads, behind); // what it lacks goes out (fanout.ts)
  onHave(s, from, vouched); // the acks what it can vouch for releases (acks.ts)
}
