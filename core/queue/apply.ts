import type { App, ApplyContext } from '../replication/app';
import { type Result, err, ok } from '../result';
import { type QueueCommand, type QueueErrorCode, STAFF_OPS, queueCommandSchema } from './commands';
import {
  type Found,
  activeEntryOf,
  archiveEntry,
  findAnywhere,
  frontOrder,
  isActive,
  move,
  steps,
  trimFinished,
  unarchive,
} from './entry-writes';
import { checkStaffKey, sha256Hex } from './passcode';
import { applyQueueAdmin, canonicalTag, joinQueue, liveQueue, servedQueues } from './queues';
import { reconcileQueue } from './reconcile';
import { MAIN_QUEUE_NAME, entryOf, liveEntries, settingsOf, waitingEntries } from './selectors';
import {
  type Entry,
  type EntryStatus,
  type QueueState,
  MAIN_QUEUE,
  imm,
  storeEntry,
} from './types';

export { KEEP_FINISHED } from './entry-writes';

/** How long staff can undo a Remove, Done or Not found (host time). */
export const UNDO_WINDOW_MS = 60_000;

const UNDOABLE: ReadonlySet<EntryStatus> = new Set(['done', 'removed', 'notfound']);

const fail = (code: QueueErrorCode, message: string) => err(code, message);

/** The queue state of a new session: one open queue, empty, with the staff passcode's verifier. */
export function newQueueState(passcode: QueueState['passcode']): QueueState {
  return {
    passcode,
    open: true,
    queues: {
      [MAIN_QUEUE]: {
        name: imm(MAIN_QUEUE_NAME),
        open: true,
        tags: imm('[]'),
        archived: false,
        createdAt: 0,
        rank: 0,
      },
    },
    lockouts: {},
    announcement: '',
    staff: {},
    entries: {},
    archive: {},
    seq: 0,
  };
}

/**
 * What a wrong passcode returns. The lockout it counts is written to the document (so it
 * outlives a host change), and a failed command would roll that write back: so the
 * command succeeds with this refusal, and the App API reports it as an error.
 */
export interface LoginRefused {
  refused: 'wrong-passcode';
  message: string;
}

/**
 * The queue as an engine app: validates a command, checks who may do it, and applies it
 * to the document. Runs on the host only, inside an Automerge change.
 */
export class QueueApp implements App<QueueState> {
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
    if (result.ok) trimFinished(state, view, ctx, 'entryId' in cmd ? cmd.entryId : undefined);
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
        const q = joinQueue(view, cmd.queueId);
        if (!q.ok) return q;
        const tag = cmd.tag === undefined ? null : canonicalTag(q.value, cmd.tag);
        if (tag && !tag.ok) return tag;
        if (activeEntryOf(view, by)) return fail('already-queued', 'you are already in the queue');
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
          queue: q.value.id,
          tag: tag ? tag.value : null,
          awaySince: null,
          missingSince: null,
          flag: null,
          message: null,
          group: null,
        };
        state.entries[id] = storeEntry(entry);
        return ok({ entryId: id });
      }
      case 'edit': {
        const e = this.owned(view, cmd.entryId, cmd.secret, by);
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
        return ok({});
      }
      case 'withdraw': {
        const e = this.owned(view, cmd.entryId, cmd.secret, by);
        if (!e.ok) return e;
        if (!isActive(e.value.status)) return fail('bad-state', 'the entry is already finished');
        move(state, view, cmd.entryId, 'withdrawn', ctx);
        return ok({});
      }
      case 'here': {
        const e = this.owned(view, cmd.entryId, cmd.secret, by);
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
        const e = this.owned(view, cmd.entryId, cmd.secret, by);
        if (!e.ok) return e;
        if (e.value.status !== 'waiting')
          return fail('bad-state', `only a student waiting in line can be ${cmd.op}`);
        const since = cmd.op === 'away' ? (e.value.awaySince ?? ctx.now) : null;
        if (since !== e.value.awaySince) state.entries[cmd.entryId]!.awaySince = since;
        return ok({});
      }
      case 'login':
        return this.login(state, view, cmd.key, cmd.name, ctx);
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
        this.demoteAway(state, view, line.slice(0, line.indexOf(next)), next.id, ctx);
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
        return ok({ expired: due.length });
      }
      case 'undo':
        return this.undo(state, view, cmd.entryId, ctx);
      case 'restore': {
        const found = findAnywhere(view, cmd.entryId);
        if (!found) return fail('unknown-entry', `no entry ${cmd.entryId}`);
        if (isActive(found.entry.status))
          return fail('bad-state', `${found.entry.name} is still in the queue`);
        return this.putBack(state, view, found, 'waiting', ctx);
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
        return applyQueueAdmin(state, view, cmd, ctx);
    }
  }

  /** Wrong passcodes lock a member out for 1 s after the third, doubling up to 60 s. */
  private login(
    state: QueueState,
    view: QueueState,
    key: string,
    name: string,
    ctx: ApplyContext,
  ): Result<unknown> {
    const by = ctx.sender as string;
    const f = view.lockouts?.[by];
    if (f && ctx.now < f.until) {
      const wait = Math.ceil((f.until - ctx.now) / 1000);
      return fail('too-many-attempts', `too many wrong passcodes: try again in ${wait} s`);
    }
    state.lockouts ??= {};
    if (!checkStaffKey(key, view.passcode)) {
      const count = (f?.count ?? 0) + 1;
      const lockMs = count < 3 ? 0 : Math.min(60_000, 1000 * 2 ** (count - 3));
      state.lockouts[by] = { count, until: ctx.now + lockMs };
      return ok({
        refused: 'wrong-passcode',
        message: 'wrong staff passcode',
      } satisfies LoginRefused);
    }
    if (f) delete state.lockouts[by];
    state.staff[by] = { name: imm(name), since: ctx.now };
    return ok({});
  }

  /**
   * Undo an entry's last Remove, Done or Not found within UNDO_WINDOW_MS: it goes back to
   * the state before (a "not found" student back in line at their old place). A second
   * undo finds nothing finishing to undo and changes nothing.
   */
  private undo(
    state: QueueState,
    view: QueueState,
    id: string,
    ctx: ApplyContext,
  ): Result<unknown> {
    const found = findAnywhere(view, id);
    if (!found) return fail('unknown-entry', `no entry ${id}`);
    const s = steps(found.entry);
    const last = s[s.length - 1];
    if (!last || last.undo || !UNDOABLE.has(last.status) || found.entry.status !== last.status)
      return fail('nothing-to-undo', `nothing to undo for ${found.entry.name}`);
    if (ctx.now - last.at > UNDO_WINDOW_MS)
      return fail(
        'nothing-to-undo',
        `too late to undo (${UNDO_WINDOW_MS / 1000} s): restore ${found.entry.name} from history instead`,
      );
    const before = s[s.length - 2]?.status ?? 'waiting';
    const to: EntryStatus = before === 'missing' || !isActive(before) ? 'waiting' : before;
    return this.putBack(state, view, found, to, ctx);
  }

  /** Put a finished entry back (Undo, Restore); a waiting one goes to its old place. */
  private putBack(
    state: QueueState,
    view: QueueState,
    found: Found,
    to: EntryStatus,
    ctx: ApplyContext,
  ): Result<unknown> {
    const e = found.entry;
    const q = liveQueue(view, e.queue);
    if (!q.ok) return q;
    const other = activeEntryOf(view, e.member);
    if (other) return fail('already-queued', `${e.name} is already back in the queue`);
    unarchive(state, found);
    move(state, view, e.id, to, ctx, { undo: true, order: to === 'waiting' ? e.order : undefined });
    return ok({ status: to });
  }

  /**
   * Away students past the session's limit whom this turn skipped move down one place in
   * their queue's line (never out of it), the furthest back first.
   */
  private demoteAway(
    state: QueueState,
    view: QueueState,
    skipped: Entry[],
    called: string,
    ctx: ApplyContext,
  ): void {
    const { awayLimitMs } = settingsOf(view);
    const over = skipped.filter(
      (e) => e.awaySince !== null && ctx.now - e.awaySince >= awayLimitMs,
    );
    const order = new Map<string, number>();
    for (const e of over.reverse()) {
      const line = waitingEntries(view, [e.queue])
        .filter((w) => w.id !== called)
        .map((w) => ({ ...w, order: order.get(w.id) ?? w.order }))
        .sort((a, b) => a.order - b.order || (a.id < b.id ? -1 : 1));
      const i = line.findIndex((w) => w.id === e.id);
      const behind = line[i + 1];
      if (!behind) continue;
      const after = line[i + 2];
      const next = after ? (behind.order + after.order) / 2 : behind.order + 0.5;
      order.set(e.id, next);
      state.entries[e.id]!.order = next;
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
