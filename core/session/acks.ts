import type { CommandId, DeviceId, MemberId } from '../ids';
import type { Ack } from '../protocol/messages';
import type { Result } from '../result';
import { afterAcks, noteReport } from './fanout';
import { tryFailback } from './hosting';
import type { SessionState } from './state';

// Acknowledgements. The host acks a command once its change is on its own disk and on
// the next K members' (they report their written heads); a member settles its outbox
// entry when the ack comes.

/** Host: a member reported the heads it has written. */
export function onHave<S>(
  s: SessionState<S>,
  from: MemberId,
  heads: readonly string[],
  behind = false,
): void {
  if (s.election?.role !== 'host') return;
  s.election.onContact(from, s.now);
  s.peerHeads.set(from, [...heads]);
  noteReport(s, from, heads, behind);
  s.acks.reportHeads(from, heads);
  releaseAcks(s);
  if (s.failbackTarget === from) tryFailback(s, from);
}

/** Host: send every ack whose change the next K holders now hold. */
export function releaseAcks<S>(s: SessionState<S>): void {
  const e = s.election;
  if (!e || e.role !== 'host') return;
  const holders = e.nextHolders(s.cfg.k, s.now);
  const released = s.acks.release(holders);
  for (const p of released) sendAck(s, s.deviceOfMember(p.to), p.to, p.id, p.result);
  if (released.length > 0) afterAcks(s);
}

export function sendAck<S>(
  s: SessionState<S>,
  device: DeviceId | null,
  to: MemberId,
  id: CommandId,
  result: Result<unknown>,
): void {
  s.replica?.flush(); // an ack promises the change is on the host's disk
  const ack: Ack = { type: 'ack', id, epoch: s.epoch, result };
  if (to === s.memberId) return s.sendSelf(ack);
  if (device) s.send(device, ack);
}

/** Member: the host acknowledged one of our commands. */
export function onAck<S>(s: SessionState<S>, m: Ack): void {
  if (m.retry) {
    // Not an acknowledgement: the command stays in the outbox and goes again after resendMs.
    if (!m.result.ok && s.outbox.list().some((e) => e.id === m.id))
      s.fx.emit('delayed', {
        id: m.id,
        code: m.result.error.code,
        message: m.result.error.message,
      });
    return;
  }
  if (!s.outbox.remove(m.id)) return; // duplicate ack
  // Read your writes: the caller hears "done" once this copy's own document shows the
  // change. An ack can outrun it: a repeat of a command applied before (a phone that moved
  // here and sent it again) is answered from the record, and this copy may get the change
  // a batch later.
  if (m.result.ok && s.replica && s.replica.commandResult(m.id) === undefined) {
    s.parkedAcks.set(m.id, { result: m.result, at: s.now }); // see releaseParkedAcks
    return;
  }
  s.fx.emit('ack', { id: m.id, result: m.result as Result<unknown> });
}
