import { keepOwnCert, saveCerts } from './certs';
import { engineCode } from '../errors';
import type { CommandId, DeviceId, MemberId } from '../ids';
import type { Ack } from '../protocol/messages';
import * as frame from './frames';
import type { Result } from '../result';
import type { SessionState } from './state';

// Acknowledgements. The host acks a command once its change is on its own disk and on
// the next K members' (they report their written heads); a member settles its outbox
// entry when the ack comes.

/**
 * Host: a member reported the heads it has written (host-step.ts). Releases what it now
 * holds; when it is the member a failback waits on, asks the hub to try the failback.
 */
export function onHave<S>(s: SessionState<S>, from: MemberId, heads: readonly string[]): void {
  s.acks.reportHeads(from, heads);
  if (s.stalledHolders.has(from) && s.acks.heldBy(from) >= s.acks.latestCounter) {
    s.stalledHolders.delete(from); // caught up: a holder again
    s.holderBehindSince.delete(from);
  }
  releaseAcks(s);
  if (s.failbackTarget === from) s.intents.push({ kind: 'failback', to: from });
}

/** Host: send every ack whose change the next K holders now hold. */
export function releaseAcks<S>(s: SessionState<S>): void {
  const e = s.election;
  if (!e || e.role !== 'host') return;
  let holders = ackHolders(s);
  if (noteStalledHolders(s, holders)) holders = ackHolders(s);
  // Too few copies to hold it (`minHolders`, a host alone): the acks wait for a holder.
  if (holders.length < minHolders(s)) {
    if (holders.length >= s.cfg.minHolders) sayAlone(s);
    return;
  }
  const released = s.acks.release(holders);
  if (released.length > 0) {
    // A preferred host's own signature vouches for its term: on its disk before the acks leave.
    keepOwnCert(s);
    saveCerts(s, s.fx);
  }
  for (const p of released) s.aloneSaid.delete(p.id);
  for (const p of released)
    sendAck(s, s.deviceOfMember(p.to), p.to, p.id, p.result, copiesHolding(s, p.counter));
  if (released.length > 0) s.intents.push({ kind: 'fan-out' });
}

/**
 * The fewest members' copies an ack rests on: `minHolders`, and one when this host is not
 * preferred (staff) and the session has other laptops. What such a host holds alone, no
 * later host takes from it (certs.ts: a copy cannot vouch for its own term), so acking it
 * would promise what a split's healing may undo; its senders keep those commands until a
 * second copy holds them. A preferred host's own term is vouched for by its signature.
 */
function minHolders<S>(s: SessionState<S>): number {
  const e = s.election!;
  const alone = e.members.length > 1 && !e.seats.isPreferred(s.memberId!);
  return Math.max(s.cfg.minHolders, alone ? 1 : 0);
}

/** Host alone, not preferred: its own waiting commands say why (the UI's "sending…" reason). */
function sayAlone<S>(s: SessionState<S>): void {
  for (const p of s.acks.payloads()) {
    if (p.to !== s.memberId || s.aloneSaid.has(p.id)) continue;
    s.aloneSaid.add(p.id);
    s.fx.emit('delayed', {
      id: p.id,
      code: 'alone',
      message:
        'no other laptop of this session is here to keep a copy; it goes through once one is back',
    });
  }
}

/**
 * The members an ack waits on: the next K in successor order, less those that stalled
 * (live, yet reporting nothing new for `holderTimeoutMs`: a wedged or hostile copy), whose
 * place the next member takes. With nobody to take its place a stalled holder is still
 * waited on: an ack never rests on fewer copies than the room can give it.
 */
function ackHolders<S>(s: SessionState<S>): MemberId[] {
  const e = s.election!;
  const k = Math.max(s.cfg.k, s.cfg.minHolders);
  const all = e.nextHolders(k + s.stalledHolders.size, s.now);
  const fresh = all.filter((m) => !s.stalledHolders.has(m)).slice(0, k);
  return fresh.length >= Math.min(k, all.length) ? fresh : all.slice(0, k);
}

/** Mark holders that have held up the oldest ack for too long; true when one was marked. */
function noteStalledHolders<S>(s: SessionState<S>, holders: readonly MemberId[]): boolean {
  const need = s.acks.lowestPending;
  let marked = false;
  for (const h of holders) {
    if (need === null || s.acks.heldBy(h) >= need) {
      s.holderBehindSince.delete(h);
      continue;
    }
    const since = s.holderBehindSince.get(h) ?? s.now;
    s.holderBehindSince.set(h, since);
    if (s.now - since < s.cfg.holderTimeoutMs) continue;
    s.stalledHolders.add(h);
    marked = true;
    s.fx.log(`holder ${h} reported nothing new for ${s.now - since} ms: acks go on without it`);
  }
  return marked;
}

/** How many copies hold the host's change `counter`: the host and the members that reported it. */
function copiesHolding<S>(s: SessionState<S>, counter: number): number {
  let n = 1;
  for (const m of s.election?.members ?? [])
    if (m !== s.memberId && s.acks.heldBy(m) >= counter) n++;
  return n;
}

export function sendAck<S>(
  s: SessionState<S>,
  device: DeviceId | null,
  to: MemberId,
  id: CommandId,
  result: Result<unknown>,
  held?: number,
): void {
  s.replica?.flush(); // an ack promises the change is on the host's disk
  const ack = frame.ack(id, s.epoch, result, held);
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
        code: engineCode(m.result.error.code),
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
    s.parkedAcks.set(m.id, { result: m.result, held: m.held ?? null, at: s.now }); // see releaseParkedAcks
    return;
  }
  s.fx.emit('ack', { id: m.id, result: m.result as Result<unknown>, held: m.held ?? null });
}
