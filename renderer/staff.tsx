import { useEffect, useState } from 'preact/hooks';
import type { EntryView, Method, StaffStatsView } from '../core/api/contract';
import type { Ctx } from './app';
import { ErrorLine } from './chrome';
import { entryStateText, formatDuration, ordinal } from './format';

/** The TA's view: log in, run the queue, announce, see stats, export. */
export function StaffView({ ctx }: { ctx: Ctx }) {
  if (!ctx.status.isStaff) return <Login ctx={ctx} />;
  const q = ctx.queue;
  if (!q) return <p class="muted">Loading the queue…</p>;
  return (
    <div class="staff">
      <div class="staff-main">
        <Controls ctx={ctx} />
        <section class="card queue-card" aria-labelledby="staff-queue-title">
          <h2 id="staff-queue-title">
            Queue{' '}
            <span class="count">
              {q.entries.filter((e) => e.status === 'waiting').length} waiting
            </span>
          </h2>
          {q.entries.length === 0 ? (
            <p class="muted empty">Nobody is waiting. New students appear here by themselves.</p>
          ) : (
            <ol class="queue staff-queue" data-testid="staff-queue">
              {q.entries.map((e) => (
                <StaffEntry key={e.entryId} ctx={ctx} e={e} />
              ))}
            </ol>
          )}
        </section>
        <Finished ctx={ctx} />
      </div>
      <aside class="staff-side">
        <Stats ctx={ctx} />
        <Announcement ctx={ctx} />
      </aside>
    </div>
  );
}

function useAction(ctx: Ctx) {
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
    }
  };
  return { busy, act };
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

function Controls({ ctx }: { ctx: Ctx }) {
  const { busy, act } = useAction(ctx);
  const q = ctx.queue!;
  const waiting = q.entries.some((e) => e.status === 'waiting');
  const exportCsv = async (): Promise<void> => {
    const r = await ctx.call('queue.exportCsv');
    if (!r.ok) return ctx.toast(r.error.message, 'error');
    const url = URL.createObjectURL(new Blob([r.value.csv], { type: 'text/csv' }));
    const a = document.createElement('a');
    a.href = url;
    const day = new Date().toISOString().slice(0, 10);
    a.download = `${(ctx.status.sessionName || 'baton').replace(/[^\w-]+/g, '-')}-${day}.csv`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  return (
    <section class="card controls" aria-label="Queue controls">
      <button
        class="primary big"
        disabled={!waiting || busy !== null}
        onClick={() => void act('next', () => ctx.call('staff.helpNext'))}
        data-testid="help-next"
      >
        {busy === 'next' ? 'Calling…' : 'Help next'}
      </button>
      <button
        class={q.open ? '' : 'primary'}
        disabled={busy !== null}
        onClick={() => void act('open', () => ctx.call('staff.setOpen', { open: !q.open }))}
      >
        {q.open ? 'Close the queue' : 'Open the queue'}
      </button>
      <button onClick={() => void exportCsv()}>Export CSV</button>
      <div class="controls-foot">
        <span class={`queue-state ${q.open ? 'open' : 'closed'}`}>
          {q.open ? 'Open — students can join' : 'Closed — nobody can join'}
        </span>
        <button
          class="ghost small"
          onClick={() => void ctx.call('staff.logout').then(() => ctx.refresh())}
        >
          Log out of staff
        </button>
      </div>
    </section>
  );
}

function StaffEntry({ ctx, e }: { ctx: Ctx; e: EntryView }) {
  const { busy, act } = useAction(ctx);
  const btn = (label: string, method: Method, params: object, cls = '') => (
    <button
      class={cls}
      disabled={busy !== null}
      onClick={() =>
        void act(label, () =>
          (ctx.call as (m: Method, p: object) => ReturnType<Ctx['call']>)(method, params),
        )
      }
      aria-label={`${label} ${e.name}`}
    >
      {busy === label ? '…' : label}
    </button>
  );
  const id = { entryId: e.entryId };
  return (
    <li class={`entry ${e.status}`}>
      <span class="entry-pos">{e.status === 'waiting' ? ordinal(e.position) : '★'}</span>
      <span class="entry-main">
        <span class="entry-name">{e.name}</span>
        <span class="muted">{[e.topic, e.location].filter(Boolean).join(' · ') || '—'}</span>
        {e.conflict && <span class="conflict">{e.conflict}</span>}
      </span>
      <span class="entry-state">{entryStateText(e, Date.now(), 'waiting')}</span>
      <span class="entry-actions">
        {e.status === 'waiting' && btn('Call', 'staff.help', id, 'primary')}
        {e.status === 'called' && btn('Start', 'staff.start', id, 'primary')}
        {e.status !== 'waiting' && btn('Done', 'staff.done', id)}
        {e.status !== 'waiting' && btn('Requeue', 'staff.requeue', { ...id, position: 'front' })}
        {btn('Remove', 'staff.remove', id, 'danger')}
      </span>
    </li>
  );
}

function Finished({ ctx }: { ctx: Ctx }) {
  const { busy, act } = useAction(ctx);
  const finished = ctx.queue?.finished ?? [];
  if (finished.length === 0) return null;
  const label: Record<string, string> = {
    done: 'helped',
    withdrawn: 'withdrew',
    removed: 'removed',
  };
  return (
    <section class="card" aria-labelledby="finished-title">
      <h2 id="finished-title">
        Recently finished
        <button
          class="ghost small"
          disabled={busy !== null}
          onClick={() => void act('clear', () => ctx.call('staff.clearFinished'))}
        >
          Clear
        </button>
      </h2>
      <ul class="finished">
        {finished.slice(0, 12).map((e) => (
          <li key={e.entryId}>
            <span>{e.name}</span>
            <span class="muted">{e.topic}</span>
            <span class={`badge ${e.status}`}>{label[e.status] ?? e.status}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Stats({ ctx }: { ctx: Ctx }) {
  const [stats, setStats] = useState<StaffStatsView | null>(null);
  useEffect(() => {
    void ctx.call('staff.stats').then((r) => r.ok && setStats(r.value));
  }, [ctx.queue]);
  const ms = (v: number | null) => (v === null ? '—' : formatDuration(v));
  return (
    <section class="card stats" aria-label="Today">
      <h2>Today</h2>
      <div class="tiles">
        <div class="tile">
          <span class="tile-num">{stats?.helpedToday ?? '—'}</span>
          <span class="tile-label">helped</span>
        </div>
        <div class="tile">
          <span class="tile-num">{stats?.waiting ?? '—'}</span>
          <span class="tile-label">waiting</span>
        </div>
        <div class="tile">
          <span class="tile-num">{ms(stats?.medianWaitMs ?? null)}</span>
          <span class="tile-label">median wait</span>
        </div>
        <div class="tile">
          <span class="tile-num">{ms(stats?.medianHelpMs ?? null)}</span>
          <span class="tile-label">median help</span>
        </div>
      </div>
    </section>
  );
}

function Announcement({ ctx }: { ctx: Ctx }) {
  const current = ctx.queue?.announcement ?? '';
  const [text, setText] = useState(current);
  const { busy, act } = useAction(ctx);
  useEffect(() => setText(current), [current]);
  return (
    <section class="card" aria-labelledby="ann-title">
      <h2 id="ann-title">Announcement</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void act('ann', () => ctx.call('staff.setAnnouncement', { text }));
        }}
      >
        <textarea
          aria-labelledby="ann-title"
          rows={3}
          maxLength={500}
          value={text}
          placeholder="Shown at the top of every screen"
          onInput={(e) => setText(e.currentTarget.value)}
        />
        <div class="row">
          <button type="submit" class="primary" disabled={busy !== null || text === current}>
            {busy === 'ann' ? 'Posting…' : 'Post'}
          </button>
          {current && (
            <button
              type="button"
              class="ghost"
              disabled={busy !== null}
              onClick={() => void act('ann', () => ctx.call('staff.setAnnouncement', { text: '' }))}
            >
              Remove
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
