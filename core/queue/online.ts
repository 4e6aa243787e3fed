import type { ApplyContext } from '../replication/engine-app';
import { type Result, err, ok } from '../result';
import type { QueueCommand } from './commands';
import { LIMITS } from './commands';
import type { QueueInfo } from './selectors';
import { type QueueState, imm } from './types';
import { type StoredEntry } from './entry-store';

/**
 * In person and online in one line: a queue is in person, online or both, and each entry
 * says which it is — online entries carry a meeting link instead of a seat, and each TA may
 * keep a meeting link of their own that the online students they call get (views.ts).
 */

/** Whether a join to `q` is online, and its meeting link; or why it cannot be. */
export function joinMode(
  q: QueueInfo,
  cmd: { online?: boolean | undefined; meeting?: string | undefined },
): Result<{ online: boolean; meeting: string | null }> {
  const online = cmd.online ?? q.mode === 'online';
  if (online && q.mode === 'in-person')
    return err('validation', `"${q.name}" is in person: come to the room, or join an online queue`);
  if (!online && q.mode === 'online')
    return err(
      'validation',
      `"${q.name}" is online: join it online (with a meeting link, or the TA's)`,
    );
  if (!online && cmd.meeting !== undefined)
    return err('validation', 'meeting: a meeting link is for joining online');
  return ok({ online, meeting: online ? (cmd.meeting ?? null) : null });
}

/** An edit of an entry's meeting link (online entries only). */
export function editMeeting(
  d: StoredEntry,
  online: boolean,
  meeting: string | null | undefined,
): Result<unknown> {
  if (meeting === undefined) return ok({});
  if (!online) return err('validation', 'meeting: this entry is in person');
  d.meeting = meeting === null ? null : imm(meeting);
  return ok({});
}

type OnlineAdmin = Extract<QueueCommand, { op: 'setMeeting' }>;

/** `setMeeting`: the TA's own link (staff only: STAFF_OPS). */
export function setMeeting(
  state: QueueState,
  cmd: OnlineAdmin,
  by: string,
  _ctx: ApplyContext,
): Result<unknown> {
  if (cmd.link === '') {
    if (state.meetings?.[by] !== undefined) delete state.meetings[by];
    return ok({});
  }
  // Through the draft each time: `state.meetings ??= {}` would hand back the plain object.
  if (!state.meetings) state.meetings = {};
  state.meetings[by] = imm(cmd.link.slice(0, LIMITS.meeting));
  return ok({});
}

/** A TA's meeting link, or null. */
export function meetingOf(state: QueueState, member: string | null): string | null {
  if (member === null) return null;
  const m = state.meetings?.[member];
  return m === undefined ? null : String(m);
}

/** `staffNote`: a note on an entry that staff see and its student does not (STAFF_OPS). */
export function setStaffNote(
  state: QueueState,
  view: QueueState,
  cmd: Extract<QueueCommand, { op: 'staffNote' }>,
  by: string,
  ctx: ApplyContext,
): Result<unknown> {
  const d = state.entries[cmd.entryId];
  if (!d || !view.entries[cmd.entryId]) return err('unknown-entry', `no entry ${cmd.entryId}`);
  d.staffNote = cmd.text === '' ? null : imm(JSON.stringify({ text: cmd.text, by, at: ctx.now }));
  return ok({});
}
