import { type Result, err, ok } from '../result';
import type { ApplyContext } from '../replication/engine-app';
import { checkRelaySig } from './passcode';
import { isStaffLock } from './passphrase';
import { trustedLock } from './staff-trust';
import { type QueueState, imm } from './types';

/**
 * The session's relay travels in the document, so every member learns it — but the host
 * writes the document, and the host may be a student's modified copy. So the setting is
 * signed by the staff key (the passphrase's), over the session id and the time it was set,
 * and every reader keeps it only if the session's trusted lock verifies it: a host can
 * drop the setting or put back an older signed one, never point the room at a relay of its
 * own. The settings are kept as JSON the queue does not read (core/relay/ checks them).
 */

export interface SignedRelay {
  /** The relay settings as JSON, or "null": the relay was taken away. */
  json: string;
  at: number;
  sig: string;
}

/** Apply `setRelay`: refused unless the trusted lock's key signed it. */
export function setRelay(
  state: QueueState,
  view: QueueState,
  cmd: SignedRelay,
  ctx: ApplyContext,
): Result<unknown> {
  const lock = trustedLock(view, ctx.sessionId);
  if (!lock || !isStaffLock(lock))
    return err('no-lock', 'this session has no staff key to sign its relay with');
  if (!checkRelaySig(lock, ctx.sessionId, cmd.at, cmd.json, cmd.sig))
    return err('wrong-passcode', 'the staff passphrase did not sign this relay setting');
  const prev = sessionRelay(view, ctx.sessionId);
  if (prev && prev.at > cmd.at) return ok({}); // an older setting arriving late
  state.relay = { json: imm(cmd.json), at: cmd.at, sig: imm(cmd.sig) };
  return ok({});
}

/** The relay setting the trusted lock verifies, or null (none, or not signed by it). */
export function sessionRelay(state: QueueState, sessionId: string): SignedRelay | null {
  const r = state.relay;
  if (!r) return null;
  const lock = trustedLock(state, sessionId);
  if (!lock || !isStaffLock(lock)) return null;
  const json = String(r.json);
  const sig = String(r.sig);
  return checkRelaySig(lock, sessionId, r.at, json, sig) ? { json, at: r.at, sig } : null;
}
