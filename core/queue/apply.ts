import type { App, ApplyContext } from '../replication/app';
import { type Result, err, ok } from '../result';
import { type QueueCommand, type QueueErrorCode, STAFF_OPS, queueCommandSchema } from './commands';
import { checkStaffKey, sha256Hex } from './passcode';
import { reconcileQueue } from './reconcile';
import { entryOf, liveEntries, waitingEntries } from './selectors';
import {
  type Entry,
  type EntryStatus,
  type QueueState,
  ACTIVE_STATUSES,
  archiveForm,
  imm,
  storeEntry,
  storeTransition,
} from './types';

/** Finished entries kept in the live list (for staff to see) before the oldest are archived. */
export const KEEP_FINISHED = 50;

const fail = (code: QueueErrorCode, message: string) => err(code, message);

const isActive = (s: EntryStatus): boolean => (ACTIVE_STATUSES as readonly string[]).includes(s);

/** The queue state of a new session: open, empty, with the staff passcode's verifier. */
export function newQueueState(passcode: QueueState['passcode']): QueueState {
  return { passcode, open: true, announcement: '', staff: {}, entries: {}, archive: {}, seq: 0 };
}

/** Failed logins per member, for backoff. In memory on the host: a new host starts afresh. */
interface LoginFailures {
  count: number;
  until: number;
}

/**
 * The queue as an engine app: validates a command, checks who may do it, and applies it
 * to the document. Runs on the host only, inside an Automerge change.
 */
export class QueueApp implements App<QueueState> {
  private readonly failures = new Map<string, LoginFailures>();

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
    if (STAFF_OPS.has(cmd.op) && !view.staff[ctx.sender]) {
      return fail('not-staff', 'staff only: log in with the staff passcode first');
    }
    const result = this.run(state, view, cmd, ctx);
    if (result.ok) trimFinished(state, view, ctx);
    return result;
  }

  reconcile(state: QueueState, ctx: { now: number; epoch: number }): void {
    reconcileQueue(state, ctx.now);
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
        if (!view.open) return fail('closed', 'the queue is closed');
        const mine = liveEntries(view).find((e) => e.member === by && isActive(e.status));
        if (mine) return fail('already-queued', 'you are already in the queue');
        const id = ctx.commandId as string;
        const order = view.seq + 1;
        state.seq = order;
        const entry: Entry = {
          id,
          name: cmd.name,
          topic: cmd.topic,
          location: cmd.location,
          member: by,
          ownerHash: cmd.ownerHash,
          createdAt: ctx.now,
          order,
          status: 'waiting',
          helper: null,
          history: { [id]: { status: 'waiting', at: ctx.now, by, order } },
          conflict: null,
        };
        state.entries[id] = storeEntry(entry);
        return ok({ entryId: id });
      }
      case 'edit': {
        const e = this.owned(view, cmd.entryId, cmd.secret, by);
        if (!e.ok) return e;
        if (!isActive(e.value.status)) return fail('bad-state', 'the entry is finished');
        const d = state.entries[cmd.entryId]!;
        if (cmd.name !== undefined) d.name = imm(cmd.name);
        if (cmd.topic !== undefined) d.topic = imm(cmd.topic);
        if (cmd.location !== undefined) d.location = imm(cmd.location);
        return ok({});
      }
      case 'withdraw': {
        const e = this.owned(view, cmd.entryId, cmd.secret, by);
        if (!e.ok) return e;
        if (!isActive(e.value.status)) return fail('bad-state', 'the entry is already finished');
        move(state, view, cmd.entryId, 'withdrawn', ctx);
        return ok({});
      }
      case 'login': {
        const f = this.failures.get(by);
        if (f && ctx.now < f.until) {
          const wait = Math.ceil((f.until - ctx.now) / 1000);
          return fail('too-many-attempts', `too many wrong passcodes: try again in ${wait} s`);
        }
        if (!checkStaffKey(cmd.key, view.passcode)) {
          const count = (f?.count ?? 0) + 1;
          const lockMs = count < 3 ? 0 : Math.min(60_000, 1000 * 2 ** (count - 3));
          this.failures.set(by, { count, until: ctx.now + lockMs });
          return fail('wrong-passcode', 'wrong staff passcode');
        }
        this.failures.delete(by);
        state.staff[by] = { name: imm(cmd.name), since: ctx.now };
        return ok({});
      }
      case 'logout':
        if (view.staff[by]) delete state.staff[by];
        return ok({});
      case 'helpNext': {
        const next = waitingEntries(view)[0];
        if (!next) return fail('queue-empty', 'nobody is waiting');
        move(state, view, next.id, 'called', ctx, by);
        return ok({ entryId: next.id });
      }
      case 'help':
      case 'start':
      case 'done':
      case 'remove': {
        const e = entryOf(view, cmd.entryId);
        if (!e) return fail('unknown-entry', `no entry ${cmd.entryId}`);
        const from: Record<typeof cmd.op, EntryStatus[]> = {
          help: ['waiting'],
          start: ['called'],
          done: ['called', 'helping'],
          remove: ['waiting', 'called', 'helping'],
        };
        if (!from[cmd.op].includes(e.status))
          return fail('bad-state', `cannot ${cmd.op} an entry that is ${e.status}`);
        const to: Record<typeof cmd.op, EntryStatus> = {
          help: 'called',
          start: 'helping',
          done: 'done',
          remove: 'removed',
        };
        const helper = cmd.op === 'help' ? by : cmd.op === 'start' ? (e.helper ?? by) : undefined;
        move(state, view, cmd.entryId, to[cmd.op], ctx, helper);
        return ok({});
      }
      case 'requeue': {
        const e = entryOf(view, cmd.entryId);
        if (!e) return fail('unknown-entry', `no entry ${cmd.entryId}`);
        if (!isActive(e.status)) return fail('bad-state', `cannot requeue a ${e.status} entry`);
        const line = waitingEntries(view).filter((w) => w.id !== e.id);
        const k = cmd.position === 'front' ? 1 : cmd.position === 'back' ? Infinity : cmd.position;
        let order: number;
        if (line.length === 0 || k > line.length) order = state.seq = view.seq + 1;
        else if (k <= 1) order = line[0]!.order - 1;
        else order = (line[k - 2]!.order + line[k - 1]!.order) / 2;
        move(state, view, cmd.entryId, 'waiting', ctx, null, order);
        return ok({});
      }
      case 'setOpen':
        state.open = cmd.open;
        return ok({});
      case 'setAnnouncement':
        state.announcement = imm(cmd.text);
        return ok({});
      case 'clearFinished': {
        const finished = liveEntries(view).filter((e) => !isActive(e.status));
        for (const e of finished) archiveEntry(state, e, ctx);
        return ok({ cleared: finished.length });
      }
    }
  }

  /** The entry, if `by` may change it: staff, or the holder of its owner secret. */
  private owned(
    view: QueueState,
    entryId: string,
    secret: string | undefined,
    by: string,
  ): Result<Entry> {
    const e = entryOf(view, entryId);
    if (!e) return fail('unknown-entry', `no entry ${entryId}`);
    if (view.staff[by]) return ok(e);
    if (secret === undefined || sha256Hex(secret) !== e.ownerHash)
      return fail('not-owner', 'only the student who joined (or staff) can change this entry');
    return ok(e);
  }
}

function move(
  state: QueueState,
  view: QueueState,
  id: string,
  status: EntryStatus,
  ctx: ApplyContext,
  helper?: string | null,
  order?: number,
): void {
  // Write only what changes: every write is an Automerge op the document keeps forever.
  const before = entryOf(view, id)!;
  const e = state.entries[id]!;
  e.status = imm(status);
  const nextHelper = status === 'waiting' ? null : helper === undefined ? before.helper : helper;
  if (nextHelper !== before.helper) e.helper = nextHelper === null ? null : imm(nextHelper);
  if (order !== undefined && order !== before.order) e.order = order;
  if (before.conflict !== null) e.conflict = null;
  const t = { status, at: ctx.now, by: ctx.sender as string };
  e.history[ctx.commandId] = storeTransition(order === undefined ? t : { ...t, order });
}

/**
 * Keep at most KEEP_FINISHED finished entries in the live list; archive the oldest.
 * Judged on `view` (the state before this command), so it may lag by one entry.
 */
function trimFinished(state: QueueState, view: QueueState, ctx: ApplyContext): void {
  const finished = liveEntries(view).filter((e) => !isActive(e.status));
  if (finished.length <= KEEP_FINISHED) return;
  finished.sort((a, b) => finishedAt(a) - finishedAt(b));
  for (const e of finished.slice(0, finished.length - KEEP_FINISHED)) archiveEntry(state, e, ctx);
}

function finishedAt(e: Entry): number {
  let at = e.createdAt;
  for (const t of Object.values(e.history)) if (t.at > at) at = t.at;
  return at;
}

/** Move a finished entry (as read from the view) into this minute's archive shard. */
function archiveEntry(state: QueueState, e: Entry, ctx: ApplyContext): void {
  if (!state.entries[e.id]) return;
  const shard = `${ctx.epoch}.${Math.floor(ctx.now / 60_000)}`;
  state.archive[shard] ??= {};
  state.archive[shard][e.id] = archiveForm(e);
  delete state.entries[e.id];
}
