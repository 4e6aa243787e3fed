import type { DeviceId } from '../ids';
import type { CommandMsg } from '../protocol/messages';
import { err } from '../result';
import { releaseAcks, sendAck } from './acks';
import * as frame from './frames';
import { refuseForStorage } from './storage';
import type { SessionState } from './state';
import { afterHostChange, pushSyncSoon, stateSoon } from './sync-schedule';

// Commands in: the host checks the sender, its rate, applies the command through the
// app (idempotent by command id) and holds the ack for the holders. Commands out: the
// member's outbox goes to whoever hosts, and again after `resendMs` until acked.

/** Host: a member's command (a member that gets one answers `not-host`: member-step.ts). */
export function onCommand<S>(s: SessionState<S>, from: DeviceId, m: CommandMsg): void {
  const e = s.election;
  if (!e || !s.replica) return;
  if (s.leaving) {
    s.send(from, frame.notHost(m.id, e.hostId, e.epoch));
    return;
  }
  const sender = m.from;
  const id = m.id;
  if (refuseForStorage(s, sender, id)) return;
  const known = s.replica.deviceOf(sender);
  if (known === null || known !== from) {
    sendAck(s, from, sender, id, err('forbidden', 'sender is not a member of this session'));
    return;
  }
  // Only new commands count: an outbox resending what is already applied (waiting for
  // its ack) is not a flood.
  const isNew = s.replica.commandResult(id) === undefined;
  const own = sender === s.memberId; // the host's own commands are not a flood on it
  if (
    isNew &&
    !own &&
    (!s.commandLimit.peek(sender, s.now) || !s.roomCommandLimit.peek('room', s.now))
  ) {
    // Not taken now, not lost: the sender keeps it and sends it again (its outbox resends
    // after resendMs), so the host takes a busy laptop's commands (its own and the phones'
    // it carries) at the allowed rate, later but never refused, and a flooding copy's
    // excess waits on its own disk, never on the host.
    const why = "the host is taking this laptop's commands at its allowed rate";
    s.send(from, frame.retryAck(id, s.epoch, err('rate-limited', why)));
    return;
  }
  if (isNew && !own) {
    s.commandLimit.take(sender, s.now);
    s.roomCommandLimit.take('room', s.now);
  }
  const outcome = s.replica.applyCommand(s.o.app, id, m.body, {
    sessionId: s.identity!.sessionId,
    commandId: id,
    sender,
    now: s.now,
    epoch: e.epoch,
  });
  if (outcome.kind === 'rejected') {
    sendAck(s, from, sender, id, outcome.result);
    return;
  }
  let counter: number;
  if (outcome.kind === 'applied') {
    counter = afterHostChange(s, outcome.head);
    // Its sender sees the change with the ack, not a batch later.
    if (sender !== s.memberId) pushSyncSoon(s, sender, true);
    stateSoon(s);
  } else {
    // A repeat: ack again once the holders have everything we have now.
    const heads = s.replica.heads();
    counter =
      s.acks.isOwnHead(heads[0] ?? '') && heads.length === 1
        ? s.acks.latestCounter
        : afterHostChange(s, s.replica.anchor(s.now, s.epoch, s.o.app));
  }
  s.acks.add(counter, { id, to: sender, result: outcome.result, counter });
  releaseAcks(s);
}

/** Send what the outbox holds that is due: to the host, or to ourselves when hosting. */
export function flushOutbox<S>(s: SessionState<S>): void {
  const e = s.election;
  if (!e || !s.running || !e.hostId) return;
  const due = s.outbox.due(s.now, s.cfg.resendMs);
  if (due.length === 0) return;
  const me = s.memberId!;
  if (e.role === 'host') {
    if (s.leaving) return;
    for (const entry of due) {
      s.outbox.markSent(entry.id, s.now);
      s.sendSelf(frame.command(me, entry.id, entry.body));
    }
    return;
  }
  if (!e.isLive(e.hostId, s.now)) return;
  const device = s.deviceOfMember(e.hostId);
  if (!device) return;
  for (const entry of due) {
    s.outbox.markSent(entry.id, s.now);
    s.send(device, frame.command(me, entry.id, entry.body));
  }
}
