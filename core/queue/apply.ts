import { trustedStaff, trustedState } from './staff-trust';
import type { App, ApplyContext } from '@baton/engine';
import { type Result, err, ok } from '../result';
import {
  LIMITS,
  type QueueCommand,
  type QueueErrorCode,
  STAFF_OPS,
  queueCommandSchema,
} from './commands';
import {
  activeEntryOf,
  carriedEntries,
  archiveEntry,
  findAnywhere,
  frontOrder,
  isActive,
  move,
  trimFinished,
} from './entry-writes';
import { demoteAway } from './away';
import { login, setPassphrase } from './login';
import { setRelay } from './relay-setting';
import { editMeeting, joinMode, setMeeting, setStaffNote } from './online';
import type { PhoneCmdFields } from '../phone/wire';
import { provesOwner } from './owner-proof';
import { putBack, undo } from './undo';
import {
  applyQueueAdmin,
  canonicalTag,
  firstQueue,
  joinQueue,
  liveQueue,
  noteDone,
  servedQueues,
} from './queues';
import { reconcileQueue } from './reconcile';
import { closeIfDue, setClosing } from './closing';
import { giveFeedback } from './feedback';
import { entryOf, liveEntries, settingsOf, waitingEntries } from './selectors';
import { type Entry, type EntryStatus, type QueueState, MAIN_QUEUE, imm } from './types';
import { storeEntry } from './entry-store';

export { KEEP_FINISHED } from './entry-writes';
export { type LoginRefused } from './login';
export { UNDO_WINDOW_MS } from './undo';

const fail = (code: QueueErrorCode, message: string) => err(code, message);

/** The queue state of a new session: one open queue, empty, with the staff passcode's verifier. */
export function newQueueState(passcode: QueueState['passcode']): QueueState {
  return {
    passcode,
    open: true,
    queues: { [MAIN_QUEUE]: firstQueue() },
    lockouts: {},
    announcement: '',
    staff: {},
    entries: {},
    archive: {},
    seq: 0,
  };
}

/** Commands that never move an entry to a finished status. */
const NEVER_FINISHES: ReadonlySet<QueueCommand['op']> = new Set([
  'join',
  'feedback',
  'edit',
  'away',
  'back',
  'here',
]);

/**
 * The queue as an engine app: validates a command, checks who may do it, and applies it
 * to the document. Runs on the host only, inside an Automerge change.
 */
/** A student's command on their own entry. */
type OwnedCommand = Extract<QueueCommand, { op: 'edit' | 'withdraw' | 'here' | 'away' | 'back' }>;

/** The fields a phone signed for `cmd` (the phone API's names). */
function phoneFields(cmd: OwnedCommand): PhoneCmdFields {
  const f: PhoneCmdFields = { m: cmd.op, entryId: cmd.entryId };
  if (cmd.op === 'edit') {
    if (cmd.name !== undefined) f.name = cmd.name;
    if (cmd.topic !== undefined) f.topic = cmd.topic;
    if (cmd.location !== undefined) f.location = cmd.location;
  }
  return f;
}

export class QueueApp implements App<QueueState> {
  /**
   * Logged-in staff come first in the successorship order: a student's laptop hosts only
   * while no staff laptop is live. Only staff the session's lock proves count (a record a
   * host wrote without a login does not put its laptop first).
   */
  preferredHosts(read: (path: readonly string[]) => unknown, sessionId: string): string[] {
    const passcode = read(['passcode']) as QueueState['passcode'];
    const rotations = read(['rotations']) as QueueState['rotations'];
    const staff = (read(['staff']) ?? {}) as QueueState['staff'];
    return Object.keys(trustedStaff({ passcode, rotations, staff }, sessionId));
  }

  constructor(
    private readonly base: (Omit<QueueState, 'open'> & { open?: boolean }) | null = null,
  ) {}

  init(): QueueState {
    if (!this.base) throw new Error('a queue session is created with a passcode verifier');
    return { open: true, ...this.base };
  }

  apply(
    state: QueueState,
    raw: unknown,
    ctx: ApplyContext,
    view: QueueState = state,
  ): Result<unknown> {
    const parsed = queueCommandSchema.safeParse(raw);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      return fail('validation', i ? `${i.path.join('.') || 'command'}: ${i.message}` : 'invalid');
    }
    const cmd = parsed.data;
    // Staff are the members the session's lock proves, not whoever the document lists.
    view = trustedState(view, ctx.sessionId);
    if (STAFF_OPS.has(cmd.op) && !view.staff[ctx.sender]) {
      return fail('not-staff', 'staff only: log in with the staff passcode first');
    }
    const result = this.run(state, view, cmd, ctx);
    // Only a command that can finish an entry can take the finished list past its bound
    // (a join in a long line would otherwise scan the whole line for nothing).
    if (result.ok && !NEVER_FINISHES.has(cmd.op))
      trimFinished(state, view, ctx, 'entryId' in cmd ? cmd.entryId : undefined);
    return result;
  }

  reconcile(state: QueueState, ctx: { now: number; epoch: number }, view: QueueState): void {
    reconcileQueue(state, ctx.now, view);
  }

  /** Reads come from `view` (plain, fast), writes go to `state` (the Automerge draft). */
  private run(
    state: QueueState,
    view: QueueState,
    cmd: QueueCommand,
    ctx: ApplyContext,
  ): Result<unknown> {
    const by = ctx.sender as string;
    switch (cmd.op) {
      case 'join': {
        const member = cmd.owner ?? by;
        const q = joinQueue(view, cmd.queueId, member, ctx.now);
        if (!q.ok) return q;
        const tag = cmd.tag === undefined ? null : canonicalTag(q.value, cmd.tag);
        if (tag && !tag.ok) return tag;
        const mode = joinMode(q.value, cmd);
        if (!mode.ok) return mode;
        if (activeEntryOf(view, member))
          return fail('already-queued', 'you are already in the queue');
        if (cmd.owner && carriedEntries(view, by) >= LIMITS.phoneEntriesPerLaptop)
          return fail(
            'limit',
            `this laptop already carries ${LIMITS.phoneEntriesPerLaptop} phones in the line; join from another laptop's code`,
          );
        const id = ctx.commandId as string;
        const order = view.seq + 1;
        state.seq = order;
        const entry: Entry = {
          id,
          name: cmd.name,
          topic: cmd.topic,
          location: cmd.location,
          member,
          ownerHash: cmd.ownerHash,
          createdAt: ctx.now,
          order,
          status: 'waiting',
          helper: null,
          history: { [id]: { status: 'waiting', at: ctx.now, by, order } },
          conflict: null,
          queue: q.value.id,
          tag: tag ? tag.value : null,
          awaySince: null,
          missingSince: null,
          flag: null,
          message: null,
          group: null,
          staffNote: null,
          ...mode.value,
        };
        state.entries[id] = storeEntry(entry);
        return ok({ entryId: id });
      }
      case 'edit': {
        const e = this.owned(view, cmd, by, ctx);
        if (!e.ok) return e;
        if (!isActive(e.value.status)) return fail('bad-state', 'the entry is finished');
        let tag: string | null | undefined = cmd.tag;
        if (typeof cmd.tag === 'string') {
          const q = liveQueue(view, e.value.queue);
          const t = q.ok ? canonicalTag(q.value, cmd.tag) : q;
          if (!t.ok) return t;
          tag = t.value;
        }
        const d = state.entries[cmd.entryId]!;
        if (cmd.name !== undefined) d.name = imm(cmd.name);
        if (cmd.topic !== undefined) d.topic = imm(cmd.topic);
        if (cmd.location !== undefined) d.location = imm(cmd.location);
        if (tag !== undefined && tag !== e.value.tag) d.tag = tag === null ? null : imm(tag);
        return editMeeting(d, e.value.online, cmd.meeting);
      }
      case 'withdraw': {
        const e = this.owned(view, cmd, by, ctx);
        if (!e.ok) return e;
        if (!isActive(e.value.status)) return fail('bad-state', 'the entry is already finished');
        move(state, view, cmd.entryId, 'withdrawn', ctx);
        return ok({});
      }
      case 'here': {
        const e = this.owned(view, cmd, by, ctx);
        if (!e.ok) return e;
        if (e.value.status !== 'missing')
          return fail('bad-state', 'only a student staff could not find can say "I\'m here"');
        const line = waitingEntries(view, [e.value.queue]);
        move(state, view, cmd.entryId, 'waiting', ctx, { order: frontOrder(state, view, line) });
        state.entries[cmd.entryId]!.flag = imm('Back after "not found"');
        return ok({});
      }
      case 'away':
      case 'back': {
        const e = this.owned(view, cmd, by, ctx);
        if (!e.ok) return e;
        if (e.value.status !== 'waiting')
          return fail('bad-state', `only a student waiting in line can be ${cmd.op}`);
        const since = cmd.op === 'away' ? (e.value.awaySince ?? ctx.now) : null;
        if (since !== e.value.awaySince) state.entries[cmd.entryId]!.awaySince = since;
        return ok({});
      }
      case 'login':
        return login(state, view, cmd, ctx);
      case 'setPassphrase':
        return setPassphrase(state, view, cmd, ctx);
      case 'logout':
        if (view.staff[by]) delete state.staff[by];
        return ok({});
      case 'helpNext': {
        const served = servedQueues(view, cmd.queueIds);
        if (!served.ok) return served;
        const line = waitingEntries(view, served.value);
        const next = line.find((e) => e.awaySince === null);
        if (!next)
          return fail(
            'queue-empty',
            line.length ? 'everyone waiting is away' : 'nobody is waiting',
          );
        move(state, view, next.id, 'called', ctx, { helper: by });
        demoteAway(state, view, line.slice(0, line.indexOf(next)), next.id, ctx);
        return ok({ entryId: next.id });
      }
      case 'helpGroup': {
        const served = servedQueues(view, cmd.queueIds);
        if (!served.ok) return served;
        const tag = cmd.tag.toLowerCase();
        const group = waitingEntries(view, served.value).filter(
          (e) => e.awaySince === null && e.tag?.toLowerCase() === tag,
        );
        if (group.length === 0) return fail('queue-empty', `nobody is waiting with "${cmd.tag}"`);
        for (const e of group)
          move(state, view, e.id, 'called', ctx, { helper: by, group: ctx.commandId });
        return ok({ entryIds: group.map((e) => e.id) });
      }
      case 'help':
      case 'start':
      case 'done':
      case 'remove':
      case 'cantFind': {
        const e = entryOf(view, cmd.entryId);
        if (!e) return fail('unknown-entry', `no entry ${cmd.entryId}`);
        const from: Record<typeof cmd.op, EntryStatus[]> = {
          help: ['waiting'],
          start: ['called', 'missing'],
          done: ['called', 'helping', 'missing'],
          remove: ['waiting', 'called', 'helping', 'missing'],
          cantFind: ['called', 'helping'],
        };
        if (!from[cmd.op].includes(e.status))
          return fail('bad-state', `cannot ${cmd.op} an entry that is ${e.status}`);
        const to: Record<typeof cmd.op, EntryStatus> = {
          help: 'called',
          start: 'helping',
          done: 'done',
          remove: 'removed',
          cantFind: 'missing',
        };
        const helper = cmd.op === 'help' ? by : cmd.op === 'start' ? (e.helper ?? by) : undefined;
        move(state, view, cmd.entryId, to[cmd.op], ctx, { helper });
        if (cmd.op === 'done') noteDone(state, view, e, ctx.now);
        return ok({});
      }
      case 'expire': {
        const { graceMs } = settingsOf(view);
        const due = liveEntries(view).filter(
          (e) =>
            e.status === 'missing' &&
            e.missingSince !== null &&
            e.missingSince + graceMs <= ctx.now,
        );
        for (const e of due) move(state, view, e.id, 'notfound', ctx);
        return ok({ expired: due.length, closed: closeIfDue(state, view, ctx) });
      }
      case 'undo':
        return undo(state, view, cmd.entryId, ctx);
      case 'restore': {
        const found = findAnywhere(view, cmd.entryId);
        if (!found) return fail('unknown-entry', `no entry ${cmd.entryId}`);
        if (isActive(found.entry.status))
          return fail('bad-state', `${found.entry.name} is still in the queue`);
        return putBack(state, view, found, 'waiting', ctx);
      }
      case 'message': {
        const e = entryOf(view, cmd.entryId);
        if (!e) return fail('unknown-entry', `no entry ${cmd.entryId}`);
        if (!isActive(e.status)) return fail('bad-state', `${e.name} is no longer in the queue`);
        const message = { text: cmd.text, by, at: ctx.now };
        state.entries[cmd.entryId]!.message = imm(JSON.stringify(message));
        return ok({});
      }
      case 'requeue': {
        const e = entryOf(view, cmd.entryId);
        if (!e) return fail('unknown-entry', `no entry ${cmd.entryId}`);
        if (!isActive(e.status)) return fail('bad-state', `cannot requeue a ${e.status} entry`);
        const line = waitingEntries(view, [e.queue]).filter((w) => w.id !== e.id);
        const k = cmd.position === 'front' ? 1 : cmd.position === 'back' ? Infinity : cmd.position;
        let order: number;
        if (line.length === 0 || k > line.length) order = state.seq = view.seq + 1;
        else if (k <= 1) order = line[0]!.order - 1;
        else order = (line[k - 2]!.order + line[k - 1]!.order) / 2;
        move(state, view, cmd.entryId, 'waiting', ctx, { order });
        return ok({});
      }
      case 'setAnnouncement':
        state.announcement = imm(cmd.text);
        return ok({});
      case 'setClosing':
        return setClosing(state, cmd, ctx.now);
      case 'feedback':
        return giveFeedback(state, view, cmd, ctx);
      case 'setRelay':
        return setRelay(state, view, cmd, ctx);
      case 'setPhones':
        if (!cmd.enabled !== !!view.phonesOff) state.phonesOff = !cmd.enabled;
        return ok({});
      case 'clearFinished': {
        const finished = liveEntries(view).filter((e) => !isActive(e.status));
        for (const e of finished) archiveEntry(state, e, ctx);
        return ok({ cleared: finished.length });
      }
      case 'setTimers':
        if (cmd.graceMs !== undefined) state.graceMs = cmd.graceMs;
        if (cmd.awayLimitMs !== undefined) state.awayLimitMs = cmd.awayLimitMs;
        return ok(settingsOf({ ...view, ...cmd }));
      case 'setOpen':
      case 'setTags':
      case 'createQueue':
      case 'renameQueue':
      case 'archiveQueue':
      case 'setQueueMode':
      case 'setQueueRules':
        return applyQueueAdmin(state, view, cmd, ctx);
      case 'setMeeting':
        return setMeeting(state, cmd, by, ctx);
      case 'staffNote':
        return setStaffNote(state, view, cmd, by, ctx);
    }
  }

  /** The entry, if the sender may change it: staff (not for a phone), or its student (owner-proof.ts). */
  private owned(view: QueueState, cmd: OwnedCommand, by: string, ctx: ApplyContext): Result<Entry> {
    const e = entryOf(view, cmd.entryId);
    if (!e) return fail('unknown-entry', `no entry ${cmd.entryId}`);
    if (view.staff[by] && !cmd.forPhone) return ok(e);
    if (!provesOwner(e.ownerHash, cmd, ctx.commandId, phoneFields(cmd)))
      return fail('not-owner', 'only the student who joined (or staff) can change this entry');
    return ok(e);
  }
}
