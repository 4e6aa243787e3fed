import type { ApplyContext } from '../replication/engine-app';
import { type Result, err, ok } from '../result';
import type { QueueCommand } from './commands';
import { LIMITS } from './commands';
import { isActive } from './entry-writes';
import { checkSignups } from './closing';
import { checkCooldown, noteHelped, storeRules } from './fairness';
import {
  MAIN_QUEUE_NAME,
  type QueueInfo,
  activeQueues,
  liveEntries,
  queueInfo,
  queuesOf,
} from './selectors';
import { type Entry, type QueueState, type StoredQueue, MAIN_QUEUE, imm } from './types';

/** The session's queues: which one a command means, and the staff commands that shape them. */

/**
 * The stored queue `id`, ready to write. A session from before several queues gets its
 * one queue written out first (as `queuesOf` has always shown it).
 */
function writable(state: QueueState, view: QueueState, id: string): StoredQueue {
  if (!view.queues && !state.queues) {
    const [main] = queuesOf(view);
    state.queues = { [MAIN_QUEUE]: storeQueue(main!) };
  }
  return state.queues![id]!;
}

function storeQueue(q: Omit<QueueInfo, 'fairness'>): StoredQueue {
  return {
    name: imm(q.name),
    open: q.open,
    tags: imm(JSON.stringify(q.tags)),
    archived: q.archived,
    createdAt: q.createdAt,
    rank: q.rank,
    ...(q.mode !== 'in-person' ? { mode: q.mode } : {}),
  };
}

/** A new session's one queue, "General": open, no tags. */
export function firstQueue(): StoredQueue {
  return {
    name: imm(MAIN_QUEUE_NAME),
    open: true,
    tags: imm('[]'),
    archived: false,
    createdAt: 0,
    rank: 0,
  };
}

/** A queue students can be in, or the error naming why not. */
export function liveQueue(view: QueueState, id: string): Result<QueueInfo> {
  const q = queueInfo(view, id);
  if (!q) return err('unknown-queue', `no queue ${id}`);
  if (q.archived) return err('unknown-queue', `the queue "${q.name}" is archived`);
  return ok(q);
}

/** The queues Help next / Help group take from: the ones named, or every active queue. */
export function servedQueues(
  view: QueueState,
  ids: readonly string[] | undefined,
): Result<string[]> {
  if (!ids) return ok(activeQueues(view).map((q) => q.id));
  for (const id of ids) {
    const q = liveQueue(view, id);
    if (!q.ok) return q;
  }
  return ok([...ids]);
}

/**
 * The queue a join by `owner` goes to: the one named (open), else the first open one —
 * unless its cooldown after being helped still runs for them (fairness.ts).
 */
export function joinQueue(
  view: QueueState,
  id: string | undefined,
  owner: string,
  now: number,
): Result<QueueInfo> {
  let q: QueueInfo | undefined;
  if (id !== undefined) {
    const named = liveQueue(view, id);
    if (!named.ok) return named;
    if (!named.value.open) return err('closed', `the queue "${named.value.name}" is closed`);
    q = named.value;
  } else q = activeQueues(view).find((x) => x.open);
  if (!q) return err('closed', 'the queue is closed');
  const signups = checkSignups(view, now);
  if (!signups.ok) return signups;
  const cool = checkCooldown(q.fairness, q.name, owner, now);
  return cool.ok ? ok(q) : cool;
}

/** Staff marked `e` Done: its queue notes when its student was helped (fairness.ts). */
export function noteDone(state: QueueState, view: QueueState, e: Entry, now: number): void {
  if (queueInfo(view, e.queue)) noteHelped(writable(state, view, e.queue), e.member, now);
}

/** The tag as the queue spells it, or an error when the queue has no such tag. */
export function canonicalTag(q: QueueInfo, tag: string): Result<string> {
  const found = q.tags.find((t) => t.toLowerCase() === tag.toLowerCase());
  return found !== undefined
    ? ok(found)
    : err('validation', `tag: "${tag}" is not a tag of "${q.name}"`);
}

type QueueAdmin = Extract<
  QueueCommand,
  {
    op:
      | 'setOpen'
      | 'setTags'
      | 'createQueue'
      | 'renameQueue'
      | 'archiveQueue'
      | 'setQueueMode'
      | 'setQueueRules';
  }
>;

/** The staff commands on queues themselves. */
export function applyQueueAdmin(
  state: QueueState,
  view: QueueState,
  cmd: QueueAdmin,
  ctx: ApplyContext,
): Result<unknown> {
  switch (cmd.op) {
    case 'setOpen': {
      const ids = cmd.queueId === undefined ? activeQueues(view).map((q) => q.id) : [cmd.queueId];
      for (const id of ids) {
        const q = liveQueue(view, id);
        if (!q.ok) return q;
        if (q.value.open !== cmd.open) writable(state, view, id).open = cmd.open;
      }
      const anyOpen = activeQueues(view).some((q) => (ids.includes(q.id) ? cmd.open : q.open));
      if (view.open !== anyOpen) state.open = anyOpen;
      return ok({});
    }
    case 'setTags': {
      const q = liveQueue(view, cmd.queueId);
      if (!q.ok) return q;
      writable(state, view, cmd.queueId).tags = imm(JSON.stringify(cmd.tags));
      return ok({});
    }
    case 'createQueue': {
      const active = activeQueues(view);
      if (active.length >= LIMITS.queues)
        return err('limit', `a session has at most ${LIMITS.queues} queues`);
      const taken = nameTaken(view, cmd.name, null);
      if (taken) return taken;
      const id = ctx.commandId as string;
      writable(state, view, MAIN_QUEUE);
      const rank = Math.max(...queuesOf(view).map((x) => x.rank)) + 1;
      state.queues![id] = storeQueue({
        id,
        name: cmd.name,
        open: true,
        tags: [],
        archived: false,
        createdAt: ctx.now,
        rank,
        mode: cmd.mode ?? 'in-person',
      });
      if (!view.open) state.open = true;
      return ok({ queueId: id });
    }
    case 'setQueueMode': {
      // Entries keep the mode they joined with; new ones follow the queue's.
      const q = liveQueue(view, cmd.queueId);
      if (!q.ok) return q;
      if (q.value.mode === cmd.mode) return ok({});
      const w = writable(state, view, cmd.queueId);
      if (cmd.mode === 'in-person') delete w.mode;
      else w.mode = cmd.mode;
      return ok({});
    }
    case 'setQueueRules': {
      const q = liveQueue(view, cmd.queueId);
      if (!q.ok) return q;
      storeRules(writable(state, view, cmd.queueId), cmd.cooldownMin, cmd.order);
      return ok({});
    }
    case 'renameQueue': {
      const q = liveQueue(view, cmd.queueId);
      if (!q.ok) return q;
      const taken = nameTaken(view, cmd.name, cmd.queueId);
      if (taken) return taken;
      writable(state, view, cmd.queueId).name = imm(cmd.name);
      return ok({});
    }
    case 'archiveQueue': {
      const q = liveQueue(view, cmd.queueId);
      if (!q.ok) return q;
      if (activeQueues(view).length === 1)
        return err('bad-state', 'a session keeps at least one queue');
      const inLine = liveEntries(view).filter(
        (e) => e.queue === cmd.queueId && isActive(e.status),
      ).length;
      if (inLine > 0)
        return err(
          'bad-state',
          `${inLine} ${inLine === 1 ? 'student is' : 'students are'} still in "${q.value.name}": help or remove them first`,
        );
      const w = writable(state, view, cmd.queueId);
      w.archived = true;
      if (w.open) w.open = false;
      return ok({});
    }
  }
}

function nameTaken(view: QueueState, name: string, except: string | null): Result<never> | null {
  const clash = activeQueues(view).find(
    (q) => q.id !== except && q.name.toLowerCase() === name.toLowerCase(),
  );
  return clash ? err('bad-state', `there is already a queue called "${clash.name}"`) : null;
}
