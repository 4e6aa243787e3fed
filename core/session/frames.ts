import type { EngineErrorCode } from '../errors';
import type { CommandId, DeviceId, MemberId, SessionId } from '../ids';
import type {
  Ack,
  Changes,
  CommandMsg,
  Handover,
  HeadsCert,
  Have,
  Heartbeat,
  Hello,
  Leave,
  NotHost,
  Redirect,
  Snapshot,
  SyncMsg,
  Welcome,
} from '../protocol/messages';
import { PROTOCOL_VERSION } from '../protocol/version';
import type { Result } from '../result';

// Every frame the session core sends, built in one place from plain values (PROTOCOL.md
// describes each). A leaf: it imports no sibling, so the jobs that send (admission,
// intake, acks, fan-out, sync, heartbeats, hosting, joining) share one spelling of the
// wire and none of them reaches into another to build a frame.

/** A joiner's knock (to a host, or to a member that names the host). */
export const hello = (
  sessionId: SessionId,
  deviceId: DeviceId,
  name: string,
  eligible: boolean,
): Hello => ({
  type: 'hello',
  v: PROTOCOL_VERSION,
  sessionId,
  deviceId,
  memberId: null,
  name,
  eligible,
});

export const welcome = (
  sessionId: SessionId,
  memberId: MemberId,
  hostId: MemberId,
  epoch: number,
): Welcome => ({ type: 'welcome', sessionId, memberId, hostId, epoch });

export const refuse = (code: EngineErrorCode, message: string) =>
  ({ type: 'refuse', error: { code, message } }) as const;

/** A member, asked to admit a joiner: the host to ask instead (and where it runs). */
export const redirect = (
  sessionId: SessionId,
  hostId: MemberId | null,
  hostDevice: DeviceId | null,
  epoch: number,
): Redirect => ({ type: 'redirect', sessionId, hostId, hostDevice, epoch });

/** Past this, the document is too big for one frame: the joiner syncs change by change. */
export const MAX_SNAPSHOT_CHARS = 12 * 1024 * 1024;

/** The whole document: a joiner's first state, or (`rebase`) a member's replacement. */
export const snapshot = (
  from: MemberId,
  epoch: number,
  data: string,
  extra: { cert?: HeadsCert; rebase?: boolean } = {},
): Snapshot => ({ type: 'snapshot', from, epoch, data, ...extra });

/** One frame of changes for every member starting at `base` (fanout.ts). */
export const changes = (
  from: MemberId,
  epoch: number,
  base: readonly string[],
  data: string[],
  cert?: HeadsCert,
): Changes => ({ type: 'changes', from, epoch, base: [...base], data, ...(cert ? { cert } : {}) });

/** The heads a member has written, and those its certificates vouch for; `behind` when it lacked a frame's base. */
export const have = (
  from: MemberId,
  epoch: number,
  heads: readonly string[],
  vouched: readonly string[],
  behind = false,
): Have => ({
  type: 'have',
  from,
  epoch,
  heads: [...heads],
  vouched: [...vouched],
  ...(behind ? { behind } : {}),
});

/** A sync message; a host's carries its heads certificate, a member's pushing changes its certificates. */
export const sync = (
  from: MemberId,
  epoch: number,
  data: string,
  extra: { cert?: HeadsCert; certs?: HeadsCert[] } = {},
): SyncMsg => ({ type: 'sync', from, epoch, data, ...extra });

export const command = (from: MemberId, id: CommandId, body: unknown): CommandMsg => ({
  type: 'cmd',
  from,
  id,
  body,
});

/** The host's answer to a command: `held` copies hold its change (absent on a repeat). */
export const ack = (id: CommandId, epoch: number, result: Result<unknown>, held?: number): Ack =>
  ({ type: 'ack', id, epoch, result, ...(held ? { held } : {}) }) as Ack;

/** Not an acknowledgement: the command stays in its sender's outbox and goes again. */
export const retryAck = (id: CommandId, epoch: number, result: Result<unknown>): Ack =>
  ({ type: 'ack', id, epoch, result, retry: true }) as Ack;

export const notHost = (id: CommandId, hostId: MemberId | null, epoch: number): NotHost => ({
  type: 'not-host',
  id,
  hostId,
  epoch,
});

/** One heartbeat: the election's part for this recipient, the written (and, a member's, vouched) heads, the host's view. */
export const heartbeat = (
  from: MemberId,
  election: Omit<Heartbeat, 'type' | 'from' | 'heads' | 'vouched' | 'live' | 'elig'>,
  heads: string[],
  view: { live?: string; elig?: string; vouched?: string[] },
): Heartbeat => ({ type: 'hb', from, ...election, heads, ...view });

export const handover = (
  from: MemberId,
  epoch: number,
  to: MemberId,
  leaving: boolean,
): Handover => ({
  type: 'handover',
  from,
  epoch,
  to,
  ...(leaving ? { leaving } : {}),
});

export const leave = (from: MemberId, epoch: number): Leave => ({ type: 'leave', from, epoch });
