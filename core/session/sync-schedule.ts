import { createHash } from 'node:crypto';
import * as Automerge from '@automerge/automerge';
import type { DeviceId, MemberId } from '../ids';
import { fromBase64, toBase64 } from '../protocol/codec';
import type { SyncMsg } from '../protocol/messages';
import {
  certsToShow,
  coveredChanges,
  hostCert,
  noteCert,
  saveCerts,
  vouchedHeads,
  vouchedToReport,
} from './certs';
import * as frame from './frames';
import { MAX_SNAPSHOT_CHARS } from './frames';
import { checkJoined } from './joined';
import type { SessionState } from './state';

/** A host sends one member its document to rebase on at most this often. */
const REBASE_EVERY_MS = 5_000;

// When each copy syncs whom. The host pushes a change to its next K holders first (the
// ack waits on them), to everyone else in one batch per turn; a member answers at the end
// of the turn, or, when no ack waits on it, lazily for many changes at once. Every push
// leaves after the turn's changes are written (group commit).

/** The host changed the document: count it in the ack chain and sync it out. */
export function afterHostChange<S>(s: SessionState<S>, head: string, holdersOnly = false): number {
  const counter = s.acks.recordChange(head);
  const e = s.election!;
  // The next K holders gate the ack: they get the change first, the rest in one batch.
  const holders = new Set(e.nextHolders(s.cfg.k, s.now));
  for (const m of holders) pushSyncSoon(s, m, true);
  if (holdersOnly) return counter;
  for (const m of e.members)
    if (m !== s.memberId && !holders.has(m) && e.isLive(m, s.now)) pushSyncSoon(s, m);
  return counter;
}

/**
 * Sync `member` at the end of this turn: commands arriving together (one TCP read, a
 * burst) leave as one sync message per member instead of one per change, which the
 * members then merge and persist once.
 */
export function pushSyncSoon<S>(s: SessionState<S>, member: MemberId, first = false): void {
  if (first) s.syncFirst.add(member);
  s.syncDue.add(member);
  s.fx.timer('turn', 0);
}

/** The document changed: tell the app at the end of this turn (once per turn). */
export function stateSoon<S>(s: SessionState<S>): void {
  s.stateDue = true;
  s.fx.timer('turn', 0);
}

/** Member: tell the host, at the end of this turn, which heads we hold: that drives its acks. */
export function reportHeadsToHost<S>(s: SessionState<S>): void {
  s.reportDue = true;
  s.fx.timer('turn', 0);
}

/**
 * Member, not a holder: flush, report heads and answer `member`'s sync after `lazyMs`, once
 * for everything that came in meanwhile. Under load this turns one fsync and two
 * messages per change into a few per second, on every laptop but the host and its
 * K holders; nothing claims a change before it is on disk (the flush comes first).
 */
function lazyReplySoon<S>(s: SessionState<S>, member: MemberId): void {
  s.lazyDue.add(member);
  lazyReportSoon(s);
}

/** Member, not a holder: report heads after `lazyMs`, once for everything meanwhile. */
export function lazyReportSoon<S>(s: SessionState<S>): void {
  if (s.lazyArmed) return;
  s.lazyArmed = true;
  s.fx.timer('lazy', s.cfg.lazyMs);
}

export function onLazyTimer<S>(s: SessionState<S>): void {
  s.lazyArmed = false;
  s.replica?.flush();
  const due = [...s.lazyDue];
  s.lazyDue.clear();
  if (s.election?.role !== 'host') reportHeadsToHostNow(s);
  for (const m of due) pushSync(s, m);
}

/** Member: report held heads now (written first: the host acks on them). */
export function reportHeadsToHostNow<S>(s: SessionState<S>): void {
  s.replica?.flush();
  saveCerts(s, s.fx);
  const e = s.election;
  const device = e?.hostId ? s.replica?.deviceOf(e.hostId) : null;
  if (!e || !device) return;
  s.send(device, frame.have(s.memberId!, e.epoch, s.replica!.heads(), vouchedToReport(s)));
}

export function pushSync<S>(s: SessionState<S>, member: MemberId): void {
  const device = s.deviceOfMember(member);
  if (!device || !s.replica) return;
  const data = s.replica.generateSync(member);
  if (!data) return;
  saveCerts(s, s.fx); // as for heads reported: a sync message shows what we hold
  s.lastSyncAt.set(member, s.now);
  // A host vouches for what it sends; a member shows what vouches for changes it sends.
  const extra =
    s.election?.role === 'host'
      ? { cert: hostCert(s) }
      : Automerge.decodeSyncMessage(data).changes.length > 0
        ? { certs: certsToShow(s) }
        : {};
  s.send(device, frame.sync(s.memberId!, s.epoch, toBase64(data), extra));
}

/**
 * Restart a stalled sync exchange (lost frames) when a member's heads differ from ours.
 * Automerge's sync never resends a change it believes it sent, so after a lost frame two
 * copies can trade "I still need X" / "nothing for you" forever (duplicated frames
 * multiply the chains): past `maxFruitlessSync` (a healthy exchange has at most about three in a row) fruitless messages in a row we stop
 * answering, and this restarts the exchange afresh.
 */
export function repairSync<S>(s: SessionState<S>): void {
  const e = s.election!;
  const links =
    e.role === 'host'
      ? e.members.filter((m) => m !== s.memberId && e.isLive(m, s.now))
      : [e.hostId];
  const mine = s.replica!.heads().join();
  const quiet = 2 * s.cfg.detector.heartbeatMs;
  const suspects = new Map<MemberId, string>();
  for (const member of links) {
    if (!member || member === s.memberId) continue;
    const theirs = s.memberHeads.get(member)?.join();
    if (theirs === mine) continue;
    const looping = (s.fruitlessSync.get(member) ?? 0) > s.cfg.maxFruitlessSync;
    if (!looping && s.now - (s.lastSyncAt.get(member) ?? -Infinity) < quiet) continue;
    // Stalled at two rounds in a row, the same heads shown: a copy that was only slow (a
    // busy core: the frames that catch it up still queued in its socket, or its report in
    // ours) has moved on by the next round. Restarting its exchange would cost both sides
    // a full sync, and on a busy room's busy core slow it down further.
    const key = `${mine}|${theirs ?? ''}`;
    if (!looping && s.repairSuspects.get(member) !== key) {
      suspects.set(member, key);
      continue;
    }
    s.fruitlessSync.delete(member);
    s.inStep.delete(member);
    s.replica!.resetSync(member);
    pushSync(s, member);
  }
  s.repairSuspects = suspects;
}

export function onSync<S>(s: SessionState<S>, m: SyncMsg): void {
  const e = s.election;
  if (!e || !s.replica || m.epoch < e.epoch) return; // an older epoch is refused
  const from = m.from;
  s.lastSyncAt.set(from, s.now);
  // A member that speaks the sync protocol to us (catching up, repairing) gets answers in
  // it, not broadcasts, until its reports show it in step again (fanout.ts).
  if (e.role === 'host') s.inStep.delete(from);
  const data = fromBase64(m.data);
  let changed: boolean;
  if (e.role === 'host') {
    const took = takeFromMember(s, m, data);
    if (took === null) return; // dropped
    changed = took;
  } else {
    changed = s.replica.receiveSync(from, data);
    noteCert(s, from, m.cert);
  }
  let lazy = false;
  if (changed) {
    s.membersChanged();
    // No ack waits on a member outside the host's next K: it shows the change now, writes
    // it and answers a moment later, with whatever else arrives meanwhile (one fsync for
    // many changes).
    lazy = e.role !== 'host' && !e.isHolder(s.cfg.k, s.now);
    if (e.role === 'host' && !s.storage) {
      // Merged a member's changes (a demoted host's, say): anchor them in our ack chain.
      // (Not while the disk fails: a change of ours that is not on disk must not leave.)
      afterHostChange(s, s.replica.anchor(s.now, e.epoch, s.o.app));
    } else if (!lazy) {
      reportHeadsToHost(s);
    }
    stateSoon(s);
    checkJoined(s);
    s.fruitlessSync.delete(from);
  } else {
    const n = (s.fruitlessSync.get(from) ?? 0) + 1;
    s.fruitlessSync.set(from, n);
    if (n > s.cfg.maxFruitlessSync) return; // a sync loop: leave it to repairSync
  }
  if (lazy) lazyReplySoon(s, from);
  // Answered at the end of the turn, after the heads report that the host's acks wait on.
  else pushSyncSoon(s, from);
}

/**
 * Host: a member's sync message. Changes in it are taken only as far as heads
 * certificates vouch for them (certs.ts), worked out on a copy of the document; only
 * changes that apply now are taken (none left waiting for a dependency to come later
 * unchecked), then the message goes through Automerge's sync without them. A member
 * that sent others gets our document to rebase on. Returns whether our heads changed,
 * null when the message was dropped.
 */
function takeFromMember<S>(s: SessionState<S>, m: SyncMsg, data: Uint8Array): boolean | null {
  const replica = s.replica!;
  const decoded = Automerge.decodeSyncMessage(data);
  if (decoded.changes.length === 0) return replica.receiveSync(m.from, data);
  const device = s.deviceOfMember(m.from)!;
  const before = replica.heads().join();
  // The same chunks from several members (an old host's last change after a failover):
  // checked once.
  const key = chunksKey(decoded.changes);
  let refused = 0;
  if (!s.takenChunks.has(key)) {
    if (!s.pushChecks.take(m.from, s.now)) {
      s.drop(device, 'rate-limited', `${m.from} pushed changes more often than they are checked`);
      return null;
    }
    const vouched = vouchedHeads(s, device, m.certs ?? []);
    // Nothing vouched for: nothing to take, no copy of the document to make (a forger's
    // push costs the host a decode, not a clone).
    const fresh = vouched.size > 0 ? replica.tryChunks(decoded.changes) : [];
    const covered = coveredChanges(fresh, vouched);
    replica.applyChanges(fresh.filter((f) => covered.has(f.hash)).map((f) => f.bytes));
    refused = vouched.size > 0 ? fresh.length - covered.size : decoded.changes.length;
    if (refused === 0) s.noteTakenChunks(key);
    // Heads vouched for that this message did not bring (Automerge's sync sends a long
    // history in rounds): the rest may be their ancestors. Not taken now, not refused yet.
    const seen = new Set(fresh.map((f) => f.hash));
    if (refused > 0 && [...vouched].some((h) => !seen.has(h) && !replica.hasHeads([h])))
      refused = 0;
  }
  replica.receiveSync(m.from, Automerge.encodeSyncMessage({ ...decoded, changes: [] }));
  if (refused > 0) {
    s.drop(
      device,
      'uncertified',
      `${refused} changes from ${m.from} no other laptop's host vouches for`,
    );
    rebaseMember(s, m.from, device);
  }
  return replica.heads().join() !== before;
}

function chunksKey(chunks: readonly Uint8Array[]): string {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('base64');
}

/** Host: send `member` our whole document to replace its own (at most once per REBASE_EVERY_MS). */
function rebaseMember<S>(s: SessionState<S>, member: MemberId, device: DeviceId): void {
  if (s.now - (s.rebasedAt.get(member) ?? -Infinity) < REBASE_EVERY_MS) return;
  s.fx.log(`sending ${member} our document to rebase on`);
  s.rebasedAt.set(member, s.now);
  s.inStep.delete(member);
  s.replica!.resetSync(member);
  const data = toBase64(s.replica!.snapshot());
  if (data.length > MAX_SNAPSHOT_CHARS) {
    s.fx.log(
      `no document to rebase on for ${member}: ${data.length} chars is past a snapshot's size`,
    );
    return;
  }
  s.send(device, frame.snapshot(s.memberId!, s.epoch, data, { cert: hostCert(s), rebase: true }));
}
