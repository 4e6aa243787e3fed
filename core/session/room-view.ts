import type { Election } from '../election/election';
import type { MemberId } from '../ids';
import type { EngineConfig } from './config';

// Heartbeats without the full mesh. Every copy heartbeating every other one costs the
// room N² frames (≈ 40,000 a second with 100 members): at 50–100 members that alone
// fills two cores. Instead, the host and its electorate (the first ELECTORATE live,
// eligible members in successorship order besides the host: those who decide and veto a
// failover) heartbeat everyone (the electorate every other round to the rest), and
// everyone else only the host (and the electorate when it loses the host) — and everyone
// only when it hears none of them (the host and its electorate all gone at once). What a
// copy no longer hears for itself (another student's laptop, a TA's), the host's heartbeat
// tells it: a bitmap of the members live and eligible in the host's view, in member order.
// The election still decides on what a copy hears itself; the bitmap only feeds what the
// app shows (who is live, staff on duty, the successor list) and who is in the electorate.

/**
 * What the room view reads of a copy's session state (SessionState has it all; this leaf
 * names only what it needs, so it imports nothing of the session core).
 */
export interface RoomFacts {
  readonly election: Election | null;
  readonly memberId: MemberId | null;
  readonly now: number;
  readonly cfg: Pick<EngineConfig, 'k' | 'hostViewFreshMs'>;
  hostView: { at: number; live: Set<MemberId>; successors: MemberId[] } | null;
  hostReachable(): boolean;
}

/** Members, besides the host, that heartbeat everyone (at least the K holders and two more). */
export const ELECTORATE = 3;

/** Whom this copy heartbeats this round. */
export function heartbeatTargets(s: RoomFacts): readonly MemberId[] {
  const e = s.election!;
  const me = s.memberId;
  const host = e.hostId;
  const all = (): MemberId[] => e.members.filter((m) => m !== me);
  if (!host || host === me) return all();
  // The first live, eligible members after the host, as the host sees them (members who
  // left or died stay in the document's order, but elect nobody).
  const electorate = roomSuccessors(s)
    .filter((m) => m !== host)
    .slice(0, Math.max(ELECTORATE, s.cfg.k + 2));
  const hostAndElectorate = (): MemberId[] =>
    all().filter((m) => m === host || electorate.includes(m));
  // The electorate heartbeats the host and itself every round, the rest every other round:
  // what they need of it is that it is live (for a failover and the successor list), and
  // the phi detector learns the longer interval.
  if (electorate.includes(me!)) return e.round % 2 === 0 ? all() : hostAndElectorate();
  // The rest heartbeat the host alone while they hear it; the electorate too when they
  // lose it (their heads and what they last heard of the host count in the failover);
  // everyone only when they hear neither (the host and its electorate all went at once),
  // so that the rest of the order can elect.
  if (s.hostReachable()) return [host];
  const heard = electorate.some((m) => e.isLive(m, s.now));
  return heard ? hostAndElectorate() : all();
}

/** Host: who is live and who may host, as bitmaps over the member order (base64). */
export function hostView(s: RoomFacts): { live: string; elig: string } {
  const e = s.election!;
  const live = e.members.map((m) => m === s.memberId || e.isLive(m, s.now));
  const successors = new Set(e.successors(s.now));
  const elig = e.members.map((m) => successors.has(m));
  return { live: bits(live), elig: bits(elig) };
}

/** Member: the host's view, as its last heartbeat told it. */
export function noteHostView(s: RoomFacts, live?: string, elig?: string): void {
  if (live === undefined || elig === undefined) return;
  const order = s.election!.members;
  const l = unbits(live, order.length);
  const g = unbits(elig, order.length);
  const eligible = new Set(order.filter((_, i) => g[i]));
  s.hostView = {
    at: s.now,
    live: new Set(order.filter((_, i) => l[i])),
    // The bitmaps are over the member order; the successors go in successorship order.
    successors: s.election!.seats.rank.filter((m) => eligible.has(m)),
  };
}

/** The host's view of the room, if it is fresh enough to show. */
function freshHostView(s: RoomFacts): RoomFacts['hostView'] {
  const v = s.hostView;
  return v && s.hostReachable() && s.now - v.at < s.cfg.hostViewFreshMs ? v : null;
}

/** Live from here, or (for what the app shows) in the host's recent view. */
export function roomLive(s: RoomFacts, id: MemberId): boolean {
  const e = s.election;
  if (!e) return false;
  if (id === s.memberId || e.isLive(id, s.now)) return true;
  return !!freshHostView(s)?.live.has(id);
}

/** The successor list the app shows: the host's view when it is fresh, else our own. */
export function roomSuccessors(s: RoomFacts): MemberId[] {
  const e = s.election;
  if (!e) return [];
  const v = freshHostView(s);
  if (e.role === 'host' || !v) return e.successors(s.now);
  const host = e.hostId;
  return host ? [host, ...v.successors.filter((m) => m !== host)] : v.successors;
}

function bits(flags: boolean[]): string {
  const bytes = new Uint8Array(Math.ceil(flags.length / 8));
  flags.forEach((f, i) => {
    if (f) bytes[i >> 3]! |= 1 << (i & 7);
  });
  return Buffer.from(bytes).toString('base64');
}

function unbits(b64: string, n: number): boolean[] {
  const bytes = Buffer.from(b64, 'base64');
  return Array.from({ length: n }, (_, i) => ((bytes[i >> 3] ?? 0) & (1 << (i & 7))) !== 0);
}
