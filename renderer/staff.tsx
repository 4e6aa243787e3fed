import { FeedbackSummary } from './visit-feedback';
import { ClosingCard } from './closing-card';
import { MyMeetingCard } from './online';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { UNDO_WINDOW_MS, type EntryView } from '../core/api/contract';
import { Dialog, ErrorLine } from './feedback';
import { useFocusOnOpen } from './hooks';
import { formatAgo } from './format';
import { QueueCard, undoEntry, useAction } from './staff-queue';
import { UndoBar } from './undo-bar';
import { downloadCsv } from './download';
import { NewPassphrase } from './passphrase';
import { PhonesCard } from './phones';
import { Announcement, QueuesCard, Stats, Timers } from './staff-side';
import type { Ctx } from './state';
import { PendingList } from './student';

/** The TA's view: log in, run the queues, announce, see stats, export. */
export function StaffView({ ctx }: { ctx: Ctx }) {
  const serving = useServing(ctx);
  if (!ctx.status.isStaff) return <Login ctx={ctx} />;
  const q = ctx.queue;
  if (!q) return <p class="muted">Loading the queue…</p>;
  const many = q.queues.length > 1;
  return (
    <div class="staff">
      <div class="staff-main">
        <UndoBar ctx={ctx} />
        {q.passphraseOutdated && <NewPassphrase ctx={ctx} outdated />}
        <Controls ctx={ctx} serving={serving.ids} />
        <PendingList q={q} />
        {many && <ServingPicker ctx={ctx} {...serving} />}
        {q.queues.map((queue) => (
          <QueueCard
            key={queue.queueId}
            ctx={ctx}
            queue={queue}
            many={many}
            nextId={nextId(q.entries, serving.ids)}
          />
        ))}
        <Finished ctx={ctx} />
      </div>
      <aside class="staff-side">
        <Stats ctx={ctx} />
        <FeedbackSummary ctx={ctx} />
        <PhonesCard ctx={ctx} />
        <Announcement ctx={ctx} />
        <QueuesCard ctx={ctx} />
        <MyMeetingCard ctx={ctx} />
        <ClosingCard ctx={ctx} />
        <Timers ctx={ctx} />
        {!q.passphraseOutdated && <NewPassphrase ctx={ctx} outdated={false} />}
      </aside>
    </div>
  );
}

const SERVING_KEY = 'baton.serving';

/** Which queues this TA serves with Help next: remembered on this laptop, default all. */
function useServing(ctx: Ctx) {
  const [chosen, setChosen] = useState<string[] | null>(() => {
    try {
      return JSON.parse(localStorage.getItem(SERVING_KEY) ?? 'null') as string[] | null;
    } catch {
      return null;
    }
  });
  const all = ctx.queue?.queues.map((x) => x.queueId) ?? [];
  const ids = chosen ? all.filter((id) => chosen.includes(id)) : all;
  const set = (next: string[]): void => {
    setChosen(next);
    localStorage.setItem(SERVING_KEY, JSON.stringify(next));
  };
  return { ids: ids.length ? ids : all, set };
}

function ServingPicker(props: { ctx: Ctx; ids: string[]; set(ids: string[]): void }) {
  const q = props.ctx.queue!;
  return (
    <fieldset class="card serving" data-testid="serving">
      <legend>Help next takes from</legend>
      {q.queues.map((x) => (
        <label key={x.queueId} class={`chip${props.ids.includes(x.queueId) ? ' on' : ''}`}>
          <input
            type="checkbox"
            checked={props.ids.includes(x.queueId)}
            onChange={(e) =>
              props.set(
                e.currentTarget.checked
                  ? [...props.ids, x.queueId]
                  : props.ids.filter((id) => id !== x.queueId),
              )
            }
          />
          {x.name} <span class="muted">{x.waiting}</span>
        </label>
      ))}
    </fieldset>
  );
}

function Login({ ctx }: { ctx: Ctx }) {
  const [passcode, setPasscode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <section class="card narrow" aria-labelledby="login-title">
      <h2 id="login-title">Staff login</h2>
      <p class="muted">The staff passcode was set by the TA who started this session.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          void ctx.call('staff.login', { passcode }).then((r) => {
            setBusy(false);
            if (!r.ok) setError(r.error.message);
            else ctx.refresh();
          });
        }}
      >
        <label class="label" for="staff-passcode">
          Passcode
        </label>
        <input
          id="staff-passcode"
          type="password"
          value={passcode}
          autoComplete="current-password"
          onInput={(e) => setPasscode(e.currentTarget.value)}
        />
        <button class="primary" type="submit" disabled={busy || !passcode}>
          {busy ? 'Checking…' : 'Log in'}
        </button>
        <ErrorLine text={error} />
      </form>
    </section>
  );
}

/**
 * The student Help next calls now: the first in line, not away, in a queue this TA serves
 * (the entries come in the line's order, as the host's `helpNext` takes them).
 */
function nextId(entries: EntryView[], serving: string[]): string | null {
  const e = entries.find(
    (x) => x.status === 'waiting' && x.awaySince === null && serving.includes(x.queueId),
  );
  return e?.entryId ?? null;
}

/** Staff keys, away from text fields: N calls the next student, ? lists the keys, Esc closes the list. */
function useStaffKeys(onNext: () => void, onSheet: () => void, onClose: () => void): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') return onClose();
      if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
      const t = e.target as HTMLElement | null;
      if (t && (['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName) || t.isContentEditable)) return;
      if (document.querySelector('[aria-modal="true"]') && e.key !== '?') return;
      if (e.key === 'n' || e.key === 'N') {
        e.preventDefault();
        onNext();
      } else if (e.key === '?') {
        e.preventDefault();
        onSheet();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onNext, onSheet, onClose]);
}

function ShortcutSheet({ onClose }: { onClose(): void }) {
  const first = useFocusOnOpen();
  return (
    <Dialog id="shortcuts" title="Keyboard shortcuts" onClose={onClose}>
      <dl class="shortcuts">
        <dt>
          <kbd>N</kbd>
        </dt>
        <dd>Help next: call the student marked “Next”</dd>
        <dt>
          <kbd>Tab</kbd>
        </dt>
        <dd>
          Move between a student's buttons; after Help next, Done or Undo the keys stay on Help next
        </dd>
        <dt>
          <kbd>?</kbd>
        </dt>
        <dd>This list</dd>
        <dt>
          <kbd>Esc</kbd>
        </dt>
        <dd>Close it</dd>
      </dl>
      <div class="row">
        <button class="primary" ref={first} onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

function Controls({ ctx, serving }: { ctx: Ctx; serving: string[] }) {
  const { busy, act } = useAction(ctx);
  const [sheet, setSheet] = useState(false);
  const next = useRef<HTMLButtonElement>(null);
  const onNext = useCallback(() => next.current?.click(), []);
  const onSheet = useCallback(() => setSheet((x) => !x), []);
  const onClose = useCallback(() => setSheet(false), []);
  useStaffKeys(onNext, onSheet, onClose);
  const q = ctx.queue!;
  const ready = nextId(q.entries, serving) !== null;
  const exportCsv = async (): Promise<void> => {
    const r = await ctx.call('queue.exportCsv');
    if (!r.ok) return ctx.toast(r.error.message, 'error');
    const day = new Date().toISOString().slice(0, 10);
    downloadCsv(
      r.value.csv,
      `${(ctx.status.sessionName || 'baton').replace(/[^\w-]+/g, '-')}-${day}.csv`,
    );
  };
  const many = q.queues.length > 1;
  return (
    <section class="card controls" aria-label="Queue controls">
      <button
        class="primary big"
        disabled={!ready || busy !== null}
        onClick={() =>
          void act('next', () =>
            ctx.call('staff.helpNext', many ? { queueIds: serving } : undefined),
          )
        }
        data-testid="help-next"
        ref={next}
        aria-keyshortcuts="N"
      >
        {busy === 'next' ? 'Calling…' : 'Help next'}
      </button>
      <button
        class={q.open ? '' : 'primary'}
        disabled={busy !== null}
        onClick={() => void act('open', () => ctx.call('staff.setOpen', { open: !q.open }))}
      >
        {q.open
          ? many
            ? 'Close all queues'
            : 'Close the queue'
          : many
            ? 'Open all queues'
            : 'Open the queue'}
      </button>
      <button onClick={() => void exportCsv()}>Export CSV</button>
      <div class="controls-foot">
        <span class={`queue-state ${q.open ? 'open' : 'closed'}`}>
          {q.open ? 'Open — students can join' : 'Closed — nobody can join'}
        </span>
        <span class="muted duty-staff">
          &nbsp;· {q.staffOnDuty.count} {q.staffOnDuty.count === 1 ? 'TA' : 'TAs'} on duty
        </span>
        <button class="ghost small" onClick={() => setSheet(true)} aria-keyshortcuts="?">
          Shortcuts <kbd>?</kbd>
        </button>
        <button class="ghost small" onClick={() => ctx.logout()}>
          Log out of staff
        </button>
      </div>
      {sheet && <ShortcutSheet onClose={() => setSheet(false)} />}
    </section>
  );
}

const FINISHED_LABEL: Record<string, string> = {
  done: 'helped',
  withdrawn: 'withdrew',
  removed: 'removed',
  notfound: 'not found',
};

/**
 * Whether a finished row still offers Undo (the host judges by its own clock; this one
 * only decides whether to show the button): Done, Remove and Not found, within the window.
 */
function undoable(e: EntryView): boolean {
  return (
    ['done', 'removed', 'notfound'].includes(e.status) &&
    e.finishedAt !== null &&
    Date.now() - e.finishedAt < UNDO_WINDOW_MS
  );
}

/** Recently finished entries, and the whole history on demand: either can be restored. */
function Finished({ ctx }: { ctx: Ctx }) {
  const { busy, act } = useAction(ctx);
  const [history, setHistory] = useState<EntryView[] | null>(null);
  const live = ctx.queue?.finished ?? [];
  useEffect(() => {
    if (history) void ctx.call('queue.history').then((r) => r.ok && setHistory(r.value));
  }, [ctx.queue]);
  const list = history ?? live.slice(0, 12);
  if (list.length === 0 && !history) return null;
  return (
    <section class="card" aria-labelledby="finished-title">
      <h2 id="finished-title">
        {history ? 'History' : 'Recently finished'}
        <span class="push" />
        <button
          class="ghost small"
          onClick={() =>
            history
              ? setHistory(null)
              : void ctx.call('queue.history').then((r) => r.ok && setHistory(r.value))
          }
        >
          {history ? 'Recent only' : 'All history'}
        </button>
        {!history && (
          <button
            class="ghost small"
            disabled={busy !== null}
            onClick={() => void act('clear', () => ctx.call('staff.clearFinished'))}
          >
            Clear
          </button>
        )}
      </h2>
      <ul class="finished" data-testid="finished">
        {list.map((e) => (
          <li key={e.entryId}>
            <span>{e.name}</span>
            <span class="muted">
              {e.topic}
              {e.finishedAt ? ` · ${formatAgo(Date.now() - e.finishedAt)}` : ''}
            </span>
            <span class={`badge ${e.status}`}>{FINISHED_LABEL[e.status] ?? e.status}</span>
            {undoable(e) && (
              <button
                class="ghost small"
                disabled={busy !== null}
                aria-label={`Undo ${FINISHED_LABEL[e.status] ?? e.status}: ${e.name}`}
                onClick={() =>
                  void act(`undo-${e.entryId}`, () =>
                    undoEntry(ctx, e.entryId).then(() => ({ ok: true })),
                  )
                }
              >
                Undo
              </button>
            )}
            <button
              class="ghost small"
              disabled={busy !== null}
              aria-label={`Restore ${e.name}`}
              onClick={() =>
                void act(`restore-${e.entryId}`, () =>
                  ctx.call('staff.restore', { entryId: e.entryId }),
                )
              }
            >
              Restore
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
