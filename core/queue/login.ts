import type { ApplyContext } from '../replication/engine-app';
import { type Result, err, ok } from '../result';
import { checkLegacyKey, checkLoginProof, checkRotation } from './passcode';
import { isStaffLock } from './passphrase';
import { isAnchored, trustedLock } from './staff-trust';
import { type QueueState, type StaffLock, imm } from './types';

/**
 * What a wrong passcode returns. The lockout it counts is written to the document (so it
 * outlives a host change), and a failed command would roll that write back: so the
 * command succeeds with this refusal, and the App API reports it as an error.
 */
export interface LoginRefused {
  refused: 'wrong-passcode';
  message: string;
}

const fail = err;
export const NO_LOCK =
  "this session's staff lock is not the one it was created with: staff logins are off in it";

/** Wrong passcodes lock a member out for 1 s after the third, doubling up to 60 s. */
export function login(
  state: QueueState,
  view: QueueState,
  cmd: { proof?: string | undefined; key?: string | undefined; name: string },
  ctx: ApplyContext,
): Result<unknown> {
  const by = ctx.sender as string;
  const f = view.lockouts?.[by];
  if (f && ctx.now < f.until) {
    const wait = Math.ceil((f.until - ctx.now) / 1000);
    return fail('too-many-attempts', `too many wrong passcodes: try again in ${wait} s`);
  }
  state.lockouts ??= {};
  // A session's lock takes only proofs (signatures bound to this member and this
  // command); a session from before takes only its legacy derived key. The lock is the
  // one the session was created with (staff-trust.ts), whatever a host wrote since.
  const lock = trustedLock(view, ctx.sessionId);
  if (!lock) return fail('no-lock', NO_LOCK);
  const good = isStaffLock(lock)
    ? cmd.proof !== undefined && checkLoginProof(lock, by, ctx.commandId, cmd.proof)
    : cmd.key !== undefined && checkLegacyKey(cmd.key, lock);
  if (!good) {
    const count = (f?.count ?? 0) + 1;
    const lockMs = count < 3 ? 0 : Math.min(60_000, 1000 * 2 ** (count - 3));
    state.lockouts[by] = { count, until: ctx.now + lockMs };
    return ok({
      refused: 'wrong-passcode',
      message: 'wrong staff passcode',
    } satisfies LoginRefused);
  }
  if (f) delete state.lockouts[by];
  // The proof goes with the record: every copy checks it before it counts `by` as staff.
  state.staff[by] = {
    name: imm(cmd.name),
    since: ctx.now,
    ...(cmd.proof !== undefined ? { proof: imm(cmd.proof), cmd: imm(ctx.commandId) } : {}),
  };
  return ok({});
}

/**
 * A new staff lock. A session whose id anchors its first lock moves on only to a lock the
 * current one's key signed (staff-trust.ts), appended to its rotations: every staff record
 * proven under the old lock stops counting, and each TA logs in again with the new
 * passphrase. A session from before the anchor takes the new lock as it comes (how its
 * legacy verifier is upgraded).
 */
export function setPassphrase(
  state: QueueState,
  view: QueueState,
  cmd: { lock: StaffLock; sig?: string | undefined },
  ctx: ApplyContext,
): Result<unknown> {
  if (!isAnchored(ctx.sessionId)) {
    state.passcode = { ...cmd.lock };
    return ok({});
  }
  const current = trustedLock(view, ctx.sessionId);
  if (!current || !isStaffLock(current)) return fail('no-lock', NO_LOCK);
  if (cmd.sig === undefined || !checkRotation(current, cmd.lock, cmd.sig))
    return fail('wrong-passcode', 'the current staff passphrase did not sign the new one');
  const next = { lock: { ...cmd.lock }, sig: imm(cmd.sig) };
  if (state.rotations) state.rotations.push(next);
  else state.rotations = [next];
  return ok({});
}
