import type { MemberId } from '../ids';
import { fromBase64, toBase64 } from '../protocol/codec';
import type { Changes } from '../protocol/messages';
import * as frame from './frames';
import { hostCert, noteCert, vouchedToReport } from './certs';
import { checkJoined } from './joined';
import type { SessionState } from './state';
import {
  lazyReportSoon,
  pushSync,
  reportHeadsToHost,
  reportHeadsToHostNow,
  stateSoon,
} from './sync-schedule';

// The host's fan-out, in the shape of Raft's AppendEntries: the changes each member
// lacks are encoded once per starting point and the same frame goes to every member
// starting there. The host knows where a member starts from what it last sent it
// (`inStep`) or, for a member it has not sent to yet in this term (a new host's whole
// room, a joiner, one that missed a frame), from the heads the member reported
// (`catchUpDue`): so after a failover the room is brought up to date with one frame, not
// one sync exchange per member. A member lacking a frame's base says so in a `have`
// (`behind`); a member holding changes the host lacks (an old host's last,
// unacknowledged ones) shows heads the host does not know. Both get Automerge's sync
// protocol, as does everyone in the `sync` fan-out mode kept for the comparison bench.
//
// Who gets a change when: the next K holders (the ack waits on them), the command's
// sender and members being caught up, at the end of the turn; everyone else once the ack
// has gone when the room's last frame is at least s.cfg.batchMs old (so the ack's round trip
// never queues behind a hundred frames, on the host or on a shared core), else with the
// next batch, at most s.cfg.batchMs after the last (one frame for everything meanwhile). Applying a change costs a member
// about as much for one change as for several (Automerge copies the containers a change
// touches: ≈ 1 ms for one change to a 450-key map, 4 ms at 2,000 keys), so under load a
// room of 100 does four applies a second each instead of one per command, while a quiet
// room sees every change at once. What the delay buys was measured on the room bench
// (100 members, 40 commands/s, 2 cores): 100 ms → ack p50 ≈ 450 ms; 250 ms → ≈ 110 ms.

/**
 * Host: send each due member what it lacks, `first` now and the rest in the next batch;
 * returns those that need the sync protocol instead.
 */
export function fanOut<S>(
  s: SessionState<S>,
  due: readonly MemberId[],
  first: ReadonlySet<MemberId>,
): MemberId[] {
  const replica = s.replica;
  if (s.cfg.fanout !== 'broadcast' || !replica || s.election?.role !== 'host') {
    s.catchUpDue.clear();
    return [...due];
  }
  const heads = replica.heads();
  const headsKey = heads.join();
  const groups = new Map<string, { base: readonly string[]; members: MemberId[] }>();
  const needSync: MemberId[] = [];
  const batching = s.now - s.lastBatchAt < s.cfg.batchMs;
  // An ack waits on the holders: the room gets the change once it is released (or with
  // the batch), so the ack's round trip never queues behind a hundred frames.
  const afterAck = !batching && s.acks.waiting;
  let sentToRoom = false;
  for (const m of new Set([...due, ...s.catchUpDue.keys()])) {
    const caughtUp = s.catchUpDue.get(m);
    const base = caughtUp ?? s.inStep.get(m);
    if (!base) {
      needSync.push(m);
      continue;
    }
    const key = base.join();
    if (key === headsKey) {
      s.inStep.set(m, heads);
      continue;
    }
    if (!caughtUp && !first.has(m)) {
      if (batching || afterAck) {
        s.batchDue.add(m);
        continue;
      }
      sentToRoom = true;
    }
    const g = groups.get(key) ?? { base, members: [] };
    g.members.push(m);
    groups.set(key, g);
  }
  s.catchUpDue.clear();
  if (sentToRoom) s.lastBatchAt = s.now;
  if (s.batchDue.size > 0)
    s.fx.timer(
      'fanout',
      batching ? Math.max(0, s.lastBatchAt + s.cfg.batchMs - s.now) : s.cfg.batchMs,
    );
  for (const g of groups.values()) {
    // One message object per starting point: the driver encodes it once for all.
    const msg = frame.changes(
      s.memberId!,
      s.epoch,
      g.base,
      replica.changesSince(g.base).map(toBase64),
      hostCert(s),
    );
    for (const m of g.members) {
      const device = s.deviceOfMember(m);
      if (!device) continue;
      s.send(device, msg);
      s.lastSyncAt.set(m, s.now);
      s.inStep.set(m, heads);
      s.batchDue.delete(m);
    }
  }
  return needSync;
}

/** Host, acks just released: a room that waited only on them gets its frame now. */
export function afterAcks<S>(s: SessionState<S>): void {
  if (s.batchDue.size > 0 && !s.acks.waiting && s.now - s.lastBatchAt >= s.cfg.batchMs)
    onFanoutTimer(s);
}

/** Host, the `fanout` timer: the batch for members no ack waits on. */
export function onFanoutTimer<S>(s: SessionState<S>): void {
  const due = [...s.batchDue];
  if (due.length === 0) return; // emptied by a new term meanwhile
  s.batchDue.clear();
  s.lastBatchAt = s.now;
  for (const m of fanOut(s, due, new Set(due))) pushSync(s, m);
}

/** Host: a member reported the heads it holds (a `have` or a heartbeat). */
export function noteReport<S>(
  s: SessionState<S>,
  from: MemberId,
  heads: readonly string[],
  behind: boolean,
): void {
  const replica = s.replica;
  if (!replica || s.election?.role !== 'host') return;
  if (behind) {
    // It lacked a frame's base: start over from what it holds, or sync it afresh.
    s.inStep.delete(from);
    if (catchUp(s, from, heads)) return;
    replica.resetSync(from);
    pushSync(s, from);
    return;
  }
  if (s.cfg.fanout !== 'broadcast') return;
  const sent = s.inStep.get(from);
  if (sent) {
    // In step: a report behind what we sent is just late. Heads we do not know mean it
    // holds changes we lack: sync both ways.
    if (heads.join() !== sent.join() && !replica.hasHeads(heads)) {
      s.inStep.delete(from);
      replica.resetSync(from);
      pushSync(s, from);
    }
    return;
  }
  catchUp(s, from, heads);
}

/** Host, new term: catch every live member up from the heads its last heartbeat reported. */
export function catchUpRoom<S>(s: SessionState<S>): void {
  const e = s.election;
  if (!e || s.cfg.fanout !== 'broadcast') return;
  for (const m of e.members)
    if (m !== s.memberId && e.isLive(m, s.now)) {
      const heads = s.memberHeads.get(m);
      if (heads) catchUp(s, m, heads);
    }
}

/** Host: bring `m` up to date from `heads` at the end of the turn, if we hold them. */
function catchUp<S>(s: SessionState<S>, m: MemberId, heads: readonly string[]): boolean {
  // Empty heads are a copy without the document: it gets a snapshot, not all history.
  if (s.cfg.fanout !== 'broadcast' || heads.length === 0 || !s.replica?.hasHeads(heads))
    return false;
  s.catchUpDue.set(m, [...heads]);
  s.fx.timer('turn', 0);
  return true;
}

/** Host: start over (a new term, or no longer hosting). */
export function resetFanout<S>(s: SessionState<S>): void {
  s.inStep.clear();
  s.catchUpDue.clear();
  s.batchDue.clear();
}

/** Member: the host's frame of new changes. */
export function onChanges<S>(s: SessionState<S>, m: Changes): void {
  const e = s.election;
  if (!e || !s.replica || m.epoch < e.epoch) return;
  // From our host, or from the host of a newer term whose heartbeat is still on its way
  // (its frames may overtake each other): its changes are as good as its sync messages.
  if (m.from !== e.hostId && m.epoch === e.epoch) return;
  s.lastSyncAt.set(m.from, s.now);
  const outcome = s.replica.applyBroadcast(m.base, m.data.map(fromBase64));
  if (outcome === 'gap') {
    // A frame went missing: tell the host at once what we hold; it starts over from there.
    const device = s.deviceOfMember(m.from);
    if (device)
      s.send(device, frame.have(s.memberId!, e.epoch, s.replica.heads(), vouchedToReport(s), true));
    return;
  }
  noteCert(s, m.from, m.cert);
  if (outcome === 'nothing') return;
  s.membersChanged();
  stateSoon(s);
  checkJoined(s);
  // As for sync: the host's next K answer at the end of the turn, everyone else lazily.
  if (e.isHolder(s.cfg.k, s.now)) reportHeadsToHost(s);
  else lazyReportSoon(s);
}

/**
 * The end of the turn: write the turn's changes once (group commit), then report our
 * heads to the host and push sync, holders first. Nothing that depends on a change being
 * on disk leaves before this write (the driver persists before it sends).
 */
export function onTurnEnd<S>(s: SessionState<S>): void {
  // Only what is waited on is written now; a lazy reply's changes wait for its flush.
  if (s.reportDue || s.syncDue.size > 0 || !s.lazyArmed) s.replica?.flush();
  if (s.reportDue) {
    s.reportDue = false;
    reportHeadsToHostNow(s);
  }
  const first = new Set(s.syncFirst);
  const due = [...first, ...[...s.syncDue].filter((m) => !first.has(m))];
  s.syncDue.clear();
  s.syncFirst.clear();
  for (const m of fanOut(s, due, first)) pushSync(s, m);
  // Last: the app's view of the new state (the UI) never delays an ack.
  if (s.stateDue && s.replica) {
    s.stateDue = false;
    s.preferredChanged();
    s.fx.emit('state', { heads: s.replica.heads() });
    s.releaseParkedAcks();
  }
}
