import type { MemberId, SessionId } from '../ids';
import type { WriteSink } from './effects';

/** What a copy remembers of the session it belongs to, across restarts. */
export interface Identity {
  sessionId: SessionId;
  memberId: MemberId;
  /** Highest epoch this copy has seen; it never goes back. */
  epoch: number;
}

/** The store key of the identity file. */
export const IDENTITY_KEY = 'identity.json';

/** The identity in a stored IDENTITY_KEY blob, or null; throws on a file that is not one. */
export function parseIdentity(raw: Uint8Array | null): Identity | null {
  if (!raw) return null;
  const parsed = JSON.parse(Buffer.from(raw).toString('utf8')) as Identity;
  if (typeof parsed?.sessionId !== 'string' || typeof parsed?.memberId !== 'string')
    throw new Error('not an identity (no session id or member id)');
  return { ...parsed, epoch: Number(parsed.epoch) || 0 };
}

export function saveIdentity(store: WriteSink, id: Identity): void {
  store.save(IDENTITY_KEY, Buffer.from(JSON.stringify(id)));
}
