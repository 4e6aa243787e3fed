import { ImmutableString } from '@automerge/automerge';
import { createHash } from 'node:crypto';
import { checkLoginProof, checkRotation } from './passcode';
import { isStaffLock } from './passphrase';
import type { PasscodeVerifier, QueueState, StaffLock, StaffRecord } from './types';

/**
 * What every copy believes about staff, whoever wrote the document. The host writes every
 * change, and a host may be a student's laptop running a modified Baton: so no copy takes
 * a staff record or the staff lock on the host's word.
 *
 * - The lock is anchored: a session's id is derived from its lock (`anchoredSessionId`, a
 *   version-8 UUID of a SHA-256 over the lock), and every copy knows the id it created or
 *   joined. A lock that does not hash to the id is no lock: nobody logs in, nobody is staff.
 * - A staff record carries the login proof that made it (the staff key's signature over
 *   the session's salt, the member and the login command's id), and counts only if the
 *   anchored lock's key made it for that member.
 *
 * - A new passphrase is a new lock appended to `rotations`, signed by the key of the lock
 *   before it; a copy trusts the end of the chain it can verify from the anchor.
 *
 * A host can therefore write no staff record a copy believes and swap no lock in. Sessions
 * created before the anchor (a random version-4 id) keep the older trust: their lock and
 * records are taken as written (SECURITY.md says so).
 */

const ANCHOR_TEXT = 'baton session anchor v1';

/** The id of a session whose staff lock is `lock`: 128 bits of SHA-256, as a UUID v8. */
export function anchoredSessionId(lock: StaffLock): string {
  const h = createHash('sha256')
    .update(`${ANCHOR_TEXT}\n${lock.salt}\n${lock.N}\n${lock.r}\n${lock.p}\n${lock.publicKey}`)
    .digest()
    .subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x80; // version 8: custom (RFC 9562)
  h[8] = (h[8]! & 0x3f) | 0x80; // the RFC variant
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** Was this session's id derived from its lock (every session created since the anchor)? */
export const isAnchored = (sessionId: string): boolean =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(sessionId);

/**
 * The lock a copy of session `sessionId` trusts: the document's, if it anchors to the id
 * (a session from before the anchor: the document's as written); null when the document
 * holds a lock the session was not created with.
 */
export function trustedLock(
  state: Pick<QueueState, 'passcode' | 'rotations'>,
  sessionId: string,
): PasscodeVerifier | null {
  const lock = state.passcode;
  if (!lock) return null;
  if (!isAnchored(sessionId)) return lock;
  if (!isStaffLock(lock) || anchoredSessionId(lock) !== sessionId) return null;
  // Then each rotation the lock before it signed; the chain ends at the first that is not.
  let current = lock;
  for (const r of Array.isArray(state.rotations) ? state.rotations : []) {
    const sig = str(r?.sig);
    if (sig === null || !isStaffLock(r.lock) || !rotated(current, r.lock, sig)) break;
    current = r.lock;
  }
  return current;
}

function rotated(from: StaffLock, to: StaffLock, sig: string): boolean {
  return cached(`rot|${from.publicKey}|${to.publicKey}|${to.salt}|${sig}`, () =>
    checkRotation(from, to, sig),
  );
}

/** Verified signatures, so that reading the staff on every state change costs a lookup. */
const checked = new Map<string, boolean>();

function cached(key: string, check: () => boolean): boolean {
  let ok = checked.get(key);
  if (ok === undefined) {
    ok = check();
    if (checked.size >= 4096) checked.clear();
    checked.set(key, ok);
  }
  return ok;
}

/** A string field as written (plain or immutable), or null for anything else a forger wrote. */
const str = (x: unknown): string | null =>
  typeof x === 'string' ? x : x instanceof ImmutableString ? x.toString() : null;

function proven(lock: StaffLock, member: string, r: StaffRecord): boolean {
  const proof = str(r?.proof);
  const cmd = str(r?.cmd);
  if (proof === null || cmd === null) return false;
  return cached(`login|${lock.publicKey}|${lock.salt}|${member}|${cmd}|${proof}`, () =>
    checkLoginProof(lock, member, cmd, proof),
  );
}

/** The staff records of `state` that the session's anchored lock proves (see above). */
export function trustedStaff(
  state: Pick<QueueState, 'passcode' | 'rotations' | 'staff'>,
  sessionId: string,
): Record<string, StaffRecord> {
  const all = state.staff !== null && typeof state.staff === 'object' ? state.staff : {};
  if (!isAnchored(sessionId)) return all;
  const lock = trustedLock(state, sessionId);
  if (!lock || !isStaffLock(lock)) return {};
  const out: Record<string, StaffRecord> = {};
  for (const [id, r] of Object.entries(all)) if (proven(lock, id, r)) out[id] = r;
  return out;
}

const views = new WeakMap<object, { sessionId: string; view: QueueState }>();

/**
 * `state` as a copy of `sessionId` may believe it: the same object but for `staff`, which
 * holds only proven records. Cached per state object (a document's state is immutable).
 */
export function trustedState(state: QueueState, sessionId: string): QueueState {
  const hit = views.get(state);
  if (hit && hit.sessionId === sessionId) return hit.view;
  const staff = trustedStaff(state, sessionId);
  const view = staff === state.staff ? state : { ...state, staff };
  views.set(state, { sessionId, view });
  return view;
}
