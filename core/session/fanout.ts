import type { MemberId } from '../ids';
import { fromBase64, toBase64 } from '../protocol/codec';
import type { Changes } from '../protocol/messages';
import { checkJoined } from './joining';
import type { SessionState } from './state';
import { lazyReportSoon, pushSync, reportHeadsToHost, stateSoon } from './sync-schedule';

// The host's fan-out, in the shape of Raft's AppendEntries: at the end of a turn, the
// changes each member lacks are encoded once per starting point and the same frame goes
// to every member starting there. The host knows where a member starts from what it
// last sent it (`inStep`) or, for a member it has not sent to yet in this term (a new
// host's whole room, a joiner, one that missed a frame), from the heads the member
// reported (`catchUpDue`): so after a failover the room is brought up to date with one
// frame, not one sync exchange per member. A member lacking a frame's base says so in a
// `have` (`behind`); a member holding changes the host lacks (an old host's last,
// unacknowledged ones) shows heads the host does not know. Both get Automerge's sync
// protocol, as does everyone in the `sync` fan-out mode kept for the comparison bench.

/** Host, end of turn: send each due member what it lacks; returns those that need sync. */
export function fanOut<S>(s: SessionState<S>, due: MemberId[]): MemberId[] {
  const replica = s.replica;
  if (s.cfg.fanout !== 'broadcast' || !replica || s.election?.role !== 'host') {
    s.catchUpDue.clear();
    return due;
  }
  const heads = replica.heads();
  const headsKey = heads.join();
  const groups = new Map<string, { base: readonly string[]; members: MemberId[] }>();
  const needSync: MemberId[] = [];
  const targets = new Set([...due, ...s.catchUpDue.keys()]);
  for (const m of targets) {
    const base = s.catchUpDue.get(m) ?? s.inStep.get(m);
    if (!base) {
      needSync.push(m);
      continue;
    }
    const key = base.join();
    if (key === headsKey) {
      s.inStep.set(m, heads);
      continue;
    }
    const g = groups.get(key) ?? { base, members: [] };
    g.members.push(m);
    groups.set(key, g);
  }
  s.catchUpDue.clear();
  for (const g of groups.values()) {
    // One message object per starting point: the driver encodes it once for all.
    const msg: Changes = {
      type: 'changes',
      from: s.memberId!,
      epoch: s.epoch,
      base: [...g.base],
      data: replica.changesSince(g.base).map(toBase64),
    };
    for (const m of g.members) {
      const device = s.deviceOfMember(m);
      if (!device) continue;
      s.send(device, msg);
      s.lastSyncAt.set(m, s.now);
      s.inStep.set(m, heads);
    }
  }
  return needSync;
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
      const heads = s.peerHeads.get(m);
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
      s.send(device, {
        type: 'have',
        from: s.memberId!,
        epoch: e.epoch,
        heads: s.replica.heads(),
        behind: true,
      });
    return;
  }
  if (outcome === 'nothing') return;
  s.membersChanged();
  stateSoon(s);
  checkJoined(s);
  // As for sync: the host's next K answer at the end of the turn, everyone else lazily.
  if (e.isHolder(s.cfg.k, s.now)) reportHeadsToHost(s);
  else lazyReportSoon(s);
}
