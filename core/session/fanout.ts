import type { MemberId } from '../ids';
import { fromBase64, toBase64 } from '../protocol/codec';
import type { Changes } from '../protocol/messages';
import { checkJoined } from './joining';
import type { SessionState } from './state';
import { lazyReportSoon, pushSync, reportHeadsToHost, stateSoon } from './sync-schedule';

// The host's fan-out, in the shape of Raft's AppendEntries: at the end of a turn, the
// turn's new changes are encoded once and the same frame goes to every member known to
// be in step (it holds everything up to the previous turn's heads); a member behind or
// rejoining gets Automerge's sync protocol, as before. A member learns it missed a
// broadcast when the next one does not fit (it lacks the base) and says so in a `have`
// (`behind`); the host then syncs it. The host's work per command is then one encoding
// plus one send per member, instead of one sync-protocol step per member.

/** Host, end of turn: broadcast to the due members in step; returns those that need sync. */
export function broadcastChanges<S>(s: SessionState<S>, due: MemberId[]): MemberId[] {
  const base = s.broadcastHeads;
  const replica = s.replica;
  if (s.cfg.fanout !== 'broadcast' || !base || !replica || s.election?.role !== 'host') return due;
  const baseKey = base.join();
  const inStep = due.filter((m) => s.inStep.get(m) === baseKey);
  if (inStep.length === 0) return due;
  const heads = replica.heads();
  if (heads.join() !== baseKey) {
    const msg: Changes = {
      type: 'changes',
      from: s.memberId!,
      epoch: s.epoch,
      base: [...base],
      data: replica.changesSince(base).map(toBase64),
    };
    // One message object for all: the driver encodes it once.
    for (const m of inStep) {
      const device = s.deviceOfMember(m);
      if (!device) continue;
      s.send(device, msg);
      s.lastSyncAt.set(m, s.now);
      s.inStep.set(m, heads.join());
    }
  }
  const sent = new Set(inStep);
  return due.filter((m) => !sent.has(m));
}

/** Host, after a turn: what the next broadcast starts from. */
export function turnDone<S>(s: SessionState<S>): void {
  if (s.election?.role === 'host' && s.replica) s.broadcastHeads = s.replica.heads();
}

/** Host: a member reported its heads; it is in step when they are the last broadcast's. */
export function noteReport<S>(
  s: SessionState<S>,
  from: MemberId,
  heads: readonly string[],
  behind: boolean,
): void {
  if (behind) {
    // It lacked a broadcast's base: sync it from a fresh start.
    s.inStep.delete(from);
    s.replica?.resetSync(from);
    pushSync(s, from);
    return;
  }
  if (!s.broadcastHeads || !s.replica) return;
  const key = heads.join();
  if (key === s.broadcastHeads.join() || key === s.replica.heads().join()) s.inStep.set(from, key);
}

/** Host: start over (a new term, or no longer hosting). */
export function resetFanout<S>(s: SessionState<S>): void {
  s.inStep.clear();
  s.broadcastHeads = null;
}

/** Member: the host's broadcast of new changes. */
export function onChanges<S>(s: SessionState<S>, m: Changes): void {
  const e = s.election;
  if (!e || !s.replica || m.epoch < e.epoch || m.from !== e.hostId) return;
  s.lastSyncAt.set(m.from, s.now);
  const outcome = s.replica.applyBroadcast(m.base, m.data.map(fromBase64));
  if (outcome === 'gap') {
    // A broadcast went missing: tell the host at once; it answers with the sync protocol.
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
