import type { MemberId, SessionId } from '../ids';
import type { Store } from '../store/store';

/** What a copy remembers of the session it belongs to, across restarts. */
export interface Identity {
  sessionId: SessionId;
  memberId: MemberId;
  /** Highest epoch this copy has seen; it never goes back. */
  epoch: number;
}

const KEY = 'identity.json';

export function loadIdentity(store: Store): Identity | null {
  const raw = store.load(KEY);
  if (!raw) return null;
  const parsed = JSON.parse(Buffer.from(raw).toString('utf8')) as Identity;
  if (typeof parsed.sessionId !== 'string' || typeof parsed.memberId !== 'string') return null;
  return { ...parsed, epoch: Number(parsed.epoch) || 0 };
}

export function saveIdentity(store: Store, id: Identity): void {
  store.save(KEY, Buffer.from(JSON.stringify(id)));
}
