import type { MemberId, SessionId } from '../ids';
import { MAX_EPOCH } from '../protocol/version';
import type { WriteSink } from '../replication/write-sink';

/** What a copy remembers of the session it belongs to, across restarts. */
export interface Identity {
  sessionId: SessionId;
  memberId: MemberId;
  /** Highest epoch this copy has seen; it never goes back. */
  epoch: number;
  /** The Automerge actor it writes as, once it has rebased on its host's document (state.ts). */
  actor?: string;
}

/** The store key of the identity file. */
export const IDENTITY_KEY = 'identity.json';

/** The identity in a stored IDENTITY_KEY blob, or null; throws on a file that is not one. */
export function parseIdentity(raw: Uint8Array | null): Identity | null {
  if (!raw) return null;
  const parsed = JSON.parse(Buffer.from(raw).toString('utf8')) as Identity;
  if (typeof parsed?.sessionId !== 'string' || typeof parsed?.memberId !== 'string')
    throw new Error('not an identity (no session id or member id)');
  const epoch = Number(parsed.epoch) || 0;
  // An epoch no frame can carry (a data dir from before the bound, when a forged heartbeat
  // could push it past 2^53) would split this copy from the room for good: start over at 0,
  // the room's epochs teach it the current one.
  const { actor, ...rest } = parsed;
  return {
    ...rest,
    epoch: epoch >= 0 && epoch <= MAX_EPOCH ? epoch : 0,
    ...(typeof actor === 'string' && /^([0-9a-f]{2}){16,32}$/.test(actor) ? { actor } : {}),
  };
}

export function saveIdentity(store: WriteSink, id: Identity): void {
  store.save(IDENTITY_KEY, Buffer.from(JSON.stringify(id)));
}
