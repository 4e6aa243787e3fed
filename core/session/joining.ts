import * as Automerge from '@automerge/automerge';
import { engineCode } from '../errors';
import { electionConfig } from '../election/config';
import { Election } from '../election/election';
import { type DeviceId, type MemberId, type SessionId } from '../ids';
import { fromBase64 } from '../protocol/codec';
import type { Redirect, Snapshot, Welcome } from '../protocol/messages';
import type { SessionDoc } from '../replication/document';
import { Replica } from '../replication/replica';
import * as frame from './frames';
import { handleDecisions } from './hosting';
import { noteCert, unmergedCerts } from './certs';
import { checkJoined } from './joined';
import { saveIdentity } from './identity';
import type { SessionState } from './state';
import { pushSync, reportHeadsToHost, stateSoon } from './sync-schedule';

// Joining a session: hello to a host (or to a member, which names the host), welcome,
// the snapshot, and "joined" once the document holds the session.

export function sendHello<S>(s: SessionState<S>, via: DeviceId, sessionId: SessionId): void {
  s.send(via, frame.hello(sessionId, s.o.deviceId, s.o.name, s.cfg.eligible));
}

/** Start the election for `memberId` over the replica's members (or just us). */
export function startElection<S>(s: SessionState<S>, memberId: MemberId, epoch: number): void {
  s.election = new Election(
    electionConfig(memberId, {
      eligible: s.cfg.eligible,
      stabilityMs: s.cfg.stabilityMs,
      detector: s.cfg.detector,
    }),
    epoch,
  );
  const members = s.replica!.members();
  s.election.seats.setMembers(members.length ? members : [memberId]);
}

export function onWelcome<S>(s: SessionState<S>, from: DeviceId, m: Welcome): void {
  if (!s.joining || m.sessionId !== s.joining.sessionId || s.election) return;
  s.fx.log(`admitted as ${m.memberId} by host ${m.hostId} (epoch ${m.epoch})`);
  s.deviceHints.set(m.hostId, from);
  s.identity = { sessionId: m.sessionId, memberId: m.memberId, epoch: m.epoch };
  saveIdentity(s.fx, s.identity);
  s.useReplica(Replica.empty<S>(s.fx, s.actor(m.memberId)));
  startElection(s, m.memberId, 0);
  s.election!.start(s.now);
  handleDecisions(s, s.election!.onHandover(m.hostId, m.hostId, m.epoch, s.now));
  s.startTicking();
}

/** The host refused us (protocol version, unknown session): the join fails. */
export function onRefuse<S>(
  s: SessionState<S>,
  from: DeviceId,
  code: string,
  message: string,
): void {
  s.fx.log(`refused by ${from}: ${code} ${message}`);
  const w = s.joining;
  if (w && !s.election && from === w.via) {
    s.joining = null;
    s.stop();
    s.fx.emit('joinFailed', { code: engineCode(code), message });
  }
}

/** We asked a member: ask the host it names instead. */
export function onRedirect<S>(s: SessionState<S>, m: Redirect): void {
  if (!s.joining || s.election || !m.hostDevice || m.sessionId !== s.joining.sessionId) return;
  s.joining.via = m.hostDevice;
  sendHello(s, s.joining.via, s.joining.sessionId);
}

/** A joiner's first state, whole: loading a saved document is several times faster than
 * applying its history change by change through sync (1.1 s vs 4.3 s at 5,000 entries). */
export function onSnapshot<S>(s: SessionState<S>, m: Snapshot): void {
  const e = s.election;
  if (!e || !s.replica || m.from !== e.hostId) return;
  if (m.rebase && !s.replica.isEmpty()) return rebase(s, m);
  if (!s.replica.isEmpty()) {
    s.fx.log('snapshot ignored: the replica already has changes (sync goes on)');
    return;
  }
  try {
    if (!s.replica.adoptSnapshot(fromBase64(m.data), s.actor(s.memberId!))) return;
    s.fx.log(`snapshot loaded (${m.data.length} chars)`);
  } catch (err) {
    s.fx.log(
      `snapshot from the host could not be loaded (${(err as Error).message}); syncing instead`,
    );
    return;
  }
  noteCert(s, m.from, m.cert);
  s.membersChanged();
  // Loaded and on disk: the join is done; the sync below only confirms the heads.
  checkJoined(s);
  stateSoon(s);
  pushSync(s, m.from);
  reportHeadsToHost(s);
}

/**
 * Member: the host refused changes this copy holds (no other laptop's host vouches for
 * them: certs.ts) and sent its document instead. Take it whole; what this copy wrote goes
 * on under a new Automerge actor, and its own commands are still in its outbox.
 */
function rebase<S>(s: SessionState<S>, m: Snapshot): void {
  const id = s.identity!;
  const actor = `${id.memberId.replace(/-/g, '')}${toHex(s.o.random.bytes(4))}`;
  const bytes = fromBase64(m.data);
  let next: Automerge.Doc<SessionDoc<S>>;
  try {
    next = Automerge.load<SessionDoc<S>>(bytes, { actor });
  } catch (err) {
    s.fx.log(`the host's document to rebase on could not be loaded: ${(err as Error).message}`);
    return;
  }
  // Changes another laptop's host signed for that the host's document lacks (an old
  // host's last ones, which this copy may be the last to hold) are not ours to drop: the
  // host takes them. Push them first; the host sends its document again later if need be.
  const unmerged = unmergedCerts(s, next);
  if (unmerged > 0) {
    Automerge.free(next);
    s.fx.log(
      `not rebasing yet: ${unmerged} certificates vouch for changes the host lacks; pushing them`,
    );
    s.replica!.resetSync(m.from);
    pushSync(s, m.from);
    return;
  }
  s.replica!.rebase(next, bytes);
  s.identity = { ...id, actor };
  saveIdentity(s.fx, s.identity);
  s.fx.log(`rebased on the host's document (${m.data.length} chars): changes it refused are gone`);
  noteCert(s, m.from, m.cert);
  s.membersChanged();
  stateSoon(s);
  reportHeadsToHost(s);
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
