import { storageErrorCode } from '../errors';
import type { Peer } from '../engine/peer';
import type { MemberId } from '../ids';
import type { QueueState } from '../queue/types';
import type { MemberView, Status } from './contract';
import { memberNameIn, staffOnDuty, trustedApp } from './views';

/** What the status views read of the engine: a peer, or a stand-in in a unit test. */
export type PeerFacts = Pick<
  Peer<QueueState>,
  | 'doc'
  | 'memberId'
  | 'sessionId'
  | 'role'
  | 'hostId'
  | 'epoch'
  | 'successors'
  | 'hostReachable'
  | 'isLive'
  | 'storage'
>;

/** Whether a member's laptop is live from here (this copy always is). */
export function liveness(peer: PeerFacts | null): {
  me: string | null;
  isLive(id: string): boolean;
} {
  const me = peer?.memberId ?? null;
  return { me, isLive: (id) => id === me || !!peer?.isLive(id as MemberId) };
}

/**
 * The members in successorship order (member ids sort in issue order), live or not, each
 * under one name: as staff logged in, else as the person joined — the name the queue shows.
 */
export function membersView(peer: PeerFacts | null): MemberView[] {
  const members = peer?.doc?.baton?.members ?? {};
  return Object.keys(members)
    .sort()
    .map((id) => ({
      memberId: id,
      name: memberNameIn(peer, id, id.slice(0, 8)),
      live: !!peer?.isLive(id as MemberId),
    }));
}

/** What to tell the user about this laptop's disk, or null when all is well. */
export function storageProblem(
  peer: PeerFacts | null,
  recovering: { movedTo: string; found: boolean } | null,
): string | null {
  const s = peer?.storage;
  if (s) {
    const full = storageErrorCode(s.code) === 'storage-full';
    return (
      (full
        ? "This laptop's disk is full. "
        : `This laptop cannot save to its disk (${s.code}: ${s.message}). `) +
      (peer?.role === 'host'
        ? 'No other laptop can take over hosting, so changes wait (nothing is lost) until it can save again; '
        : 'Baton keeps running and showing the queue, but saves nothing and will not host until it can write again; ') +
      'it goes on by itself once space is freed.'
    );
  }
  if (recovering)
    return (
      `The saved copy of this session could not be read (moved aside to ${recovering.movedTo}). ` +
      (recovering.found
        ? 'Getting it back from the other laptops…'
        : 'No other laptop of this session is on the network yet: it comes back when one is.')
    );
  return null;
}

/** The `status` answer: who this copy is, who hosts, whom it hears. */
export function statusView(
  peer: PeerFacts | null,
  name: string,
  problem: string | null = null,
): Status {
  const doc = peer?.doc;
  const state = trustedApp(peer);
  const me = peer?.memberId ?? null;
  return {
    sessionId: peer?.sessionId ?? null,
    sessionName: doc?.baton?.session?.name ?? '',
    memberId: me,
    name,
    role: peer?.role ?? 'none',
    hostId: peer?.hostId ?? null,
    epoch: peer?.epoch ?? 0,
    members: membersView(peer),
    successors: peer?.successors() ?? [],
    isStaff: !!(me && state?.staff[me]),
    connected: !!peer?.hostReachable(),
    staffOnDuty: state ? staffOnDuty(state, liveness(peer)) : { count: 0, names: [] },
    storage: { ok: !peer?.storage, problem },
  };
}
