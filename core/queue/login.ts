import type { ApplyContext } from '../replication/engine-app';
import { type Result, err, ok } from '../result';
import { checkLegacyKey, checkLoginProof } from './passcode';
import { isStaffLock } from './passphrase';
import { trustedLock } from './staff-trust';
import { type QueueState, imm } from './types';

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
  if (!lock)
    return fail(
      'no-lock',
      "this session's staff lock is not the one it was created with: staff logins are off in it",
    );
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
