import { useState } from 'preact/hooks';
import type { EntryView, QueueView } from '../core/api/contract';
import type { Ctx } from './app';
import { ErrorLine } from './chrome';
import { entryStateText, formatAgo, formatEstimate, ordinal } from './format';

const PENDING_LABEL: Record<string, string> = {
  'queue.join': 'Joining the queue',
  'queue.withdraw': 'Withdrawing',
  'queue.edit': 'Saving your changes',
};

/** A student's view: join, my place in line and wait estimate, withdraw. */
export function StudentView({ ctx }: { ctx: Ctx }) {
  const q = ctx.queue;
  if (!q) return <p class="muted">Loading the queue…</p>;
  const mine = q.entries.find((e) => e.entryId === q.myEntryId) ?? null;
  const joining = q.pending.some((p) => p.method === 'queue.join');
  return (
    <div class="student">
      <div class="student-main">
        {mine ? (
          <MyEntry ctx={ctx} entry={mine} q={q} />
        ) : (
          <JoinForm ctx={ctx} q={q} joining={joining} />
        )}
        <PendingList q={q} />
      </div>
      <QueueList q={q} />
    </div>
  );
}

function MyEntry({ ctx, entry, q }: { ctx: Ctx; entry: EntryView; q: QueueView }) {
  const [busy, setBusy] = useState(false);
  const withdraw = async (): Promise<void> => {
    setBusy(true);
    const r = await ctx.call('queue.withdraw', { entryId: entry.entryId });
    setBusy(false);
    if (!r.ok) ctx.toast(r.error.message, 'error');
  };
  const estimate = formatEstimate(q.myEstimate);
  return (
    <section class={`card my-entry ${entry.status}`} aria-live="polite" data-testid="my-entry">
      {entry.status === 'waiting' && (
        <>
          <p class="eyebrow">Your place in line</p>
          <p class="position" data-testid="my-position">
            #{entry.position}
          </p>
          <p class="lead">
            {entry.position === 1
              ? "You're next."
              : `${entry.position - 1} ${entry.position === 2 ? 'person' : 'people'} ahead of you.`}
            {estimate ? ` Wait: ${estimate}.` : ''}
          </p>
        </>
      )}
      {entry.status === 'called' && (
        <>
          <p class="eyebrow">It's your turn</p>
          <p class="position called-text">{entry.helper ?? 'A TA'} is calling you</p>
          <p class="lead">
            Head over now{entry.location ? ` — they'll look for you at ${entry.location}` : ''}.
          </p>
        </>
      )}
      {entry.status === 'helping' && (
        <>
          <p class="eyebrow">Being helped</p>
          <p class="position called-text">{entry.helper ?? 'A TA'} is with you</p>
        </>
      )}
      <dl class="entry-facts">
        <dt>Topic</dt>
        <dd>{entry.topic || '—'}</dd>
        <dt>Where</dt>
        <dd>{entry.location || '—'}</dd>
        <dt>Joined</dt>
        <dd>{formatAgo(Date.now() - entry.createdAt)}</dd>
      </dl>
      {entry.status === 'waiting' && (
        <button class="danger" disabled={busy} onClick={() => void withdraw()}>
          {busy ? 'Withdrawing…' : 'Withdraw from the queue'}
        </button>
      )}
    </section>
  );
}

function JoinForm({ ctx, q, joining }: { ctx: Ctx; q: QueueView; joining: boolean }) {
  const [name, setName] = useState(ctx.status.name);
  const [topic, setTopic] = useState('');
  const [location, setLocation] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (): Promise<void> => {
    setError(null);
    setBusy(true);
    const r = await ctx.call('queue.join', { name, topic, location });
    setBusy(false);
    if (!r.ok) setError(r.error.message);
  };
  if (!q.open)
    return (
      <section class="card closed" data-testid="queue-closed">
        <h2>The queue is closed</h2>
        <p class="muted">A TA opens it when office hours start. This page updates by itself.</p>
      </section>
    );
  return (
    <section class="card" aria-labelledby="join-title">
      <h2 id="join-title">Get in line</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label class="label" for="join-name">
          Name
        </label>
        <input
          id="join-name"
          value={name}
          maxLength={80}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <label class="label" for="join-topic">
          What do you need help with?
        </label>
        <input
          id="join-topic"
          value={topic}
          maxLength={200}
          placeholder="Lab 3, recursion"
          onInput={(e) => setTopic(e.currentTarget.value)}
        />
        <label class="label" for="join-location">
          Where are you sitting?
        </label>
        <input
          id="join-location"
          value={location}
          maxLength={80}
          placeholder="Row 4, by the window"
          onInput={(e) => setLocation(e.currentTarget.value)}
        />
        <button class="primary big" type="submit" disabled={busy || joining}>
          {busy || joining ? 'Sending…' : 'Join the queue'}
        </button>
        <ErrorLine text={error} />
      </form>
    </section>
  );
}

function PendingList({ q }: { q: QueueView }) {
  if (q.pending.length === 0) return null;
  return (
    <ul class="pending" aria-live="polite" data-testid="pending">
      {q.pending.map((p) => (
        <li key={p.commandId}>
          <span class="spinner" aria-hidden="true" />
          {PENDING_LABEL[p.method] ?? p.method} — sending…
        </li>
      ))}
    </ul>
  );
}

export function QueueList({ q }: { q: QueueView }) {
  const waiting = q.entries.filter((e) => e.status === 'waiting').length;
  return (
    <section class="card queue-card" aria-labelledby="queue-title">
      <h2 id="queue-title">
        Queue <span class="count">{waiting} waiting</span>
        {!q.open && <span class="badge closed-badge">closed</span>}
      </h2>
      {q.entries.length === 0 ? (
        <p class="muted empty">Nobody is waiting.</p>
      ) : (
        <ol class="queue" data-testid="queue">
          {q.entries.map((e) => (
            <li key={e.entryId} class={`entry ${e.status}${e.mine ? ' mine' : ''}`}>
              <span class="entry-pos">{e.status === 'waiting' ? ordinal(e.position) : '★'}</span>
              <span class="entry-main">
                <span class="entry-name">
                  {e.name}
                  {e.mine && <span class="badge you">you</span>}
                </span>
                <span class="muted">
                  {[e.topic, e.location].filter(Boolean).join(' · ') || '—'}
                </span>
              </span>
              <span class="entry-state">{entryStateText(e, Date.now())}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
