import type { Store } from '../store/store';
import type { RecentSession } from './contract';

/**
 * The sessions this copy has been in, with the last-known addresses of their members, so
 * "Recent sessions" can rejoin by address when mDNS finds nothing (blocked multicast).
 * Kept in the copy's own settings store; never replicated.
 */

const KEY = 'recent-sessions.json';
const MAX_SESSIONS = 20;
const MAX_ADDRESSES = 30;
/** How long one saved address gets to answer, and how many are tried: then it is reported. */
export const REJOIN_TRY_MS = 3_000;
export const REJOIN_MAX_TRIES = 8;

export class RecentSessions {
  constructor(private readonly store: Store) {}

  list(): RecentSession[] {
    const raw = this.store.load(KEY);
    if (!raw) return [];
    try {
      const v = JSON.parse(new TextDecoder().decode(raw)) as RecentSession[];
      return Array.isArray(v) ? v.filter((s) => typeof s?.sessionId === 'string') : [];
    } catch {
      return [];
    }
  }

  get(sessionId: string): RecentSession | null {
    return this.list().find((s) => s.sessionId === sessionId) ?? null;
  }

  /** Note a session and the addresses its members were just reachable at (newest first). */
  note(s: { sessionId: string; name: string; addresses: string[] }, now: number): void {
    const all = this.list();
    const had = all.find((x) => x.sessionId === s.sessionId);
    const addresses = [...new Set([...s.addresses, ...(had?.addresses ?? [])])].slice(
      0,
      MAX_ADDRESSES,
    );
    const next: RecentSession = {
      sessionId: s.sessionId,
      name: s.name || had?.name || '',
      lastAt: now,
      addresses,
    };
    if (
      had &&
      had.name === next.name &&
      same(had.addresses, addresses) &&
      now - had.lastAt < 60_000
    )
      return; // nothing new: spare the disk
    const rest = all.filter((x) => x.sessionId !== s.sessionId);
    this.store.save(
      KEY,
      new TextEncoder().encode(JSON.stringify([next, ...rest].slice(0, MAX_SESSIONS))),
    );
  }
}

const same = (a: string[], b: string[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);
