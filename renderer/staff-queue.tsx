import { EntryNoteForm, StaffNoteLine } from './entry-notes';
import { OnlineBadge, OpenMeeting } from './online';
import { useState } from 'preact/hooks';
import type { EntryStatus, EntryView, Method, QueueInfoView } from '../core/api/contract';
import { entryStateText, formatClock, ordinal } from './format';
import { useNow } from './hooks';
import type { Ctx } from './state';

/**
 * One queue as staff run it: the students being helped, then the line — always in its
 * order, each student's tag a badge, the one Help next calls marked. Tags are a way to call
 * several students at once (the Help group bar above the line), never a reordering of it.
 */

/** Staff actions that finish an entry: the undo bar offers Undo for 60 s after each. */
const UNDOABLE: Partial<Record<Method, { what: string; states: EntryStatus[] }>> = {
  'staff.remove': { what: 'removed', states: ['removed'] },
  'staff.done': { what: 'marked done', states: ['done'] },
  'staff.cantFind': { what: 'marked not found', states: ['missing', 'notfound'] },
};

export function useAction(ctx: Ctx) {
  const [busy, setBusy] = useState<string | null>(null);
  const act = async (
    key: string,
    fn: () => Promise<{ ok: boolean; error?: { message: string } }>,
  ) => {
    setBusy(key);
    try {
      const r = await fn();
      if (!r.ok) ctx.toast(r.error?.message ?? 'failed', 'error');
      return r.ok;
    } finally {
      setBusy(null);
      keepFocus();
    }
  };
  return { busy, act };
}

/**
 * After an action the button pressed may be gone (a Done row leaves the line) or was
 * disabled while it ran (Help next): the keys would fall to the page. They stay on Help
 * next instead, where a TA works from.
 */
export function keepFocus(): void {
  setTimeout(() => {
    const at = document.activeElement;
    if (at && at !== document.body) return;
    document.querySelector<HTMLButtonElement>('[data-testid="help-next"]')?.focus();
  }, 0);
}

/** Call a staff method; after Remove / Done / Not found, the undo bar offers Undo for 60 s. */
export function staffCall(ctx: Ctx, method: Method, params: object, who: string) {
  const call = ctx.call as (m: Method, p: object) => ReturnType<Ctx['call']>;
  return call(method, params).then((r) => {
    const u = UNDOABLE[method];
    const entryId = (params as { entryId?: string }).entryId;
    if (r.ok && u && entryId)
      ctx.offerUndo({ entryId, text: `${who} ${u.what}`, states: u.states });
    return r;
  });
}

/** Take back an entry's last Remove, Done or Not found (the undo bar, a history row). */
export async function undoEntry(ctx: Ctx, entryId: string): Promise<void> {
  const u = await ctx.call('staff.undo', { entryId });
  if (!u.ok) ctx.toast(u.error.message, 'error');
  ctx.dropUndo(entryId);
  keepFocus();
}

export function QueueCard(props: {
  ctx: Ctx;
  queue: QueueInfoView;
  many: boolean;
  /** The entry Help next calls now (over the queues this TA serves), or null. */
  nextId: string | null;
}) {
  const { ctx, queue } = props;
  const { busy, act } = useAction(ctx);
  const q = ctx.queue!;
  const entries = q.entries.filter((e) => e.queueId === queue.queueId);
  const working = entries.filter((e) => e.status !== 'waiting');
  const waiting = entries.filter((e) => e.status === 'waiting');
  // Who waits with each tag, in the queue's tag order, then tags no longer defined.
  const groups = new Map<string, EntryView[]>();
  for (const t of queue.tags) groups.set(t, []);
  for (const e of waiting) if (e.tag) groups.set(e.tag, [...(groups.get(e.tag) ?? []), e]);
  const tagged = [...groups].filter(([, list]) => list.length > 0);
  return (
    <section
      class="card queue-card"
      aria-labelledby={`q-${queue.queueId}`}
      data-testid="staff-queue-card"
    >
      <h2 id={`q-${queue.queueId}`}>
        {props.many ? queue.name : 'Queue'} <span class="count">{waiting.length} waiting</span>
        {!queue.open && <span class="badge closed-badge">closed</span>}
        {props.many && (
          <button
            class="ghost small push"
            disabled={busy !== null}
            onClick={() =>
              void act('open', () =>
                ctx.call('staff.setOpen', { open: !queue.open, queueId: queue.queueId }),
              )
            }
          >
            {queue.open ? `Close ${queue.name}` : `Open ${queue.name}`}
          </button>
        )}
      </h2>
      {entries.length === 0 ? (
        <p class="muted empty">Nobody is waiting. New students appear here by themselves.</p>
      ) : (
        <>
          {working.length > 0 && (
            <ol class="queue staff-queue" data-testid="staff-queue">
              {working.map((e) => (
                <StaffEntry key={e.entryId} ctx={ctx} e={e} />
              ))}
            </ol>
          )}
          {tagged.length > 0 && (
            <div class="group-bar" role="group" aria-label="Help group" data-testid="group-bar">
              <span class="muted">Help group:</span>
              {tagged.map(([tag, list]) => {
                const ready = list.filter((e) => e.awaySince === null).length;
                return (
                  <button
                    key={tag}
                    class="small"
                    aria-label={`Help group ${tag}`}
                    disabled={busy !== null || ready === 0}
                    onClick={() =>
                      void act(`group-${tag}`, () =>
                        ctx.call('staff.helpGroup', { tag, queueIds: [queue.queueId] }),
                      )
                    }
                  >
                    <span class="badge tag">{tag}</span> {ready}
                  </button>
                );
              })}
            </div>
          )}
          {waiting.length > 0 && (
            <ol class="queue staff-queue" data-testid="staff-queue" aria-label="The line, in order">
              {waiting.map((e) => (
                <StaffEntry key={e.entryId} ctx={ctx} e={e} next={e.entryId === props.nextId} />
              ))}
            </ol>
          )}
        </>
      )}
    </section>
  );
}

function StaffEntry({ ctx, e, next = false }: { ctx: Ctx; e: EntryView; next?: boolean }) {
  const { busy, act } = useAction(ctx);
  const [writing, setWriting] = useState<'message' | 'note' | false>(false);
  const now = useNow(e.awaySince !== null || e.status === 'missing' ? 1_000 : 30_000);
  const btn = (label: string, method: Method, params: object, cls = '') => (
    <button
      class={cls}
      disabled={busy !== null}
      onClick={() => void act(label, () => staffCall(ctx, method, params, e.name))}
      aria-label={`${label} ${e.name}`}
    >
      {busy === label ? '…' : label}
    </button>
  );
  const id = { entryId: e.entryId };
  const away = e.status === 'waiting' && e.awaySince !== null;
  return (
    <li class={`entry ${e.status}${away ? ' away' : ''}${next ? ' next' : ''}`}>
      <span class="entry-pos">{e.status === 'waiting' ? ordinal(e.position) : '★'}</span>
      <span class="entry-main">
        <span class="entry-name">
          {e.name}
          {next && (
            <span class="badge next-badge" title="Help next calls this student">
              Next
            </span>
          )}
          {away && <span class="badge away-badge">Away</span>}
          <OnlineBadge entry={e} />
          {e.tag && <span class="badge tag">{e.tag}</span>}
          {e.group && e.status !== 'waiting' && <span class="badge">group</span>}
          {e.flag && <span class="badge flag">{e.flag}</span>}
          {e.repeat && (
            <span class="badge" title="Helped in this queue earlier today" data-testid="repeat">
              helped earlier
            </span>
          )}
        </span>
        <span class="muted">{[e.topic, e.location].filter(Boolean).join(' · ') || '—'}</span>
        <OpenMeeting entry={e} myMeeting={ctx.queue?.myMeeting ?? null} />
        {e.conflict && <span class="conflict">{e.conflict}</span>}
        {e.status === 'missing' && e.graceEndsAt !== null && (
          <span class="conflict">
            Not found — keeps the place until {formatClock(e.graceEndsAt)}
          </span>
        )}
        <StaffNoteLine e={e} />
        {writing && (
          <EntryNoteForm
            ctx={ctx}
            e={e}
            kind={writing}
            busy={busy !== null}
            onDone={() => setWriting(false)}
          />
        )}
      </span>
      <span class="entry-state">{entryStateText(e, now, 'waiting')}</span>
      <span class="entry-actions">
        {e.status === 'waiting' && btn('Call', 'staff.help', id, 'primary')}
        {(e.status === 'called' || e.status === 'missing') &&
          btn('Start', 'staff.start', id, 'primary')}
        {(e.status === 'called' || e.status === 'helping') &&
          btn("Can't find", 'staff.cantFind', id)}
        {e.status !== 'waiting' && btn('Done', 'staff.done', id)}
        {e.status !== 'waiting' && btn('Requeue', 'staff.requeue', { ...id, position: 'front' })}
        {!writing && (
          <button
            class="ghost"
            onClick={() => setWriting('message')}
            aria-label={`Message ${e.name}`}
          >
            Message
          </button>
        )}
        {!writing && (
          <button
            class="ghost"
            onClick={() => setWriting('note')}
            aria-label={`Staff note on ${e.name}`}
          >
            Note
          </button>
        )}
        {btn('Remove', 'staff.remove', id, 'danger')}
      </span>
    </li>
  );
}
