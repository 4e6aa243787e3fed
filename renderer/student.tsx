import { FeedbackAsk } from './visit-feedback';
import { useState } from 'preact/hooks';
import type { EntryView, QueueInfoView, QueueView } from '../core/api/contract';
import { ErrorLine } from './feedback';
import {
  MeetingAction,
  MeetingField,
  ModeBadge,
  ModePick,
  OnlineBadge,
  joinsOnline,
} from './online';
import {
  countdown,
  entryStateText,
  formatAgo,
  formatClock,
  formatEstimate,
  ordinal,
} from './format';
import { useNow } from './hooks';
import type { Ctx } from './state';

const PENDING_LABEL: Record<string, string> = {
  'queue.join': 'Joining the queue',
  'queue.withdraw': 'Withdrawing',
  'queue.edit': 'Saving your changes',
  'queue.here': "Telling the TA you're here",
  'queue.away': 'Stepping away',
  'queue.back': 'Coming back',
  'staff.setAnnouncement': 'Posting the announcement',
  'staff.setOpen': 'Opening or closing the queue',
  'staff.helpNext': 'Calling the next student',
  'staff.message': 'Sending the note',
};

/** A student's view: join, my place in line and wait estimate, away, edit, withdraw. */
export function StudentView({ ctx }: { ctx: Ctx }) {
  const q = ctx.queue;
  const [picked, setPicked] = useState<string | null>(null);
  if (!q) return <p class="muted">Loading the queue…</p>;
  const mine = q.entries.find((e) => e.entryId === q.myEntryId) ?? null;
  const joining = q.pending.some((p) => p.method === 'queue.join');
  const firstOpen = q.queues.find((x) => x.open) ?? q.queues[0];
  const shown = q.queues.find((x) => x.queueId === (mine?.queueId ?? picked)) ?? firstOpen ?? null;
  return (
    <div class="student">
      <div class="student-main">
        <OnDuty q={q} />
        {!mine && <FeedbackAsk ctx={ctx} />}
        {mine ? (
          <MyEntry ctx={ctx} entry={mine} q={q} />
        ) : (
          <JoinForm ctx={ctx} q={q} joining={joining} queue={shown} onQueue={setPicked} />
        )}
        <PendingList q={q} />
      </div>
      <QueueList q={q} queue={shown} />
    </div>
  );
}

/** "2 TAs helping", or a plain warning when no TA is here. */
function OnDuty({ q }: { q: QueueView }) {
  const n = q.staffOnDuty.count;
  if (n === 0)
    return (
      <p class="duty none" role="status" data-testid="on-duty">
        No TA is here right now. You can still get in line: a TA will see the queue when they
        arrive.
      </p>
    );
  return (
    <p class="duty" data-testid="on-duty">
      <span class="dot ok" aria-hidden="true" /> {n} {n === 1 ? 'TA' : 'TAs'} helping
      <span class="muted"> · {q.staffOnDuty.names.join(', ')}</span>
    </p>
  );
}

function MyEntry({ ctx, entry, q }: { ctx: Ctx; entry: EntryView; q: QueueView }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const now = useNow();
  const act = async (key: string, fn: () => ReturnType<Ctx['call']>): Promise<void> => {
    setBusy(key);
    const r = await fn();
    setBusy(null);
    if (!r.ok) ctx.toast(r.error.message, 'error');
  };
  const id = { entryId: entry.entryId };
  const estimate = formatEstimate(q.myEstimate);
  const away = entry.status === 'waiting' && entry.awaySince !== null;
  const queue = q.queues.find((x) => x.queueId === entry.queueId);
  if (editing)
    return <EditEntry ctx={ctx} entry={entry} queue={queue} onClose={() => setEditing(false)} />;
  return (
    <section class={`card my-entry ${entry.status}${away ? ' away' : ''}`} data-testid="my-entry">
      {/* What a screen reader hears: once per change of place or state, never the countdown
          that re-renders this card every second (the call itself is the alert dialog). */}
      <p class="sr-only" role="status" data-testid="my-announcement">
        {announcement(entry, away)}
      </p>
      {entry.status === 'waiting' && !away && (
        <>
          <p class="eyebrow">Your place in line{q.queues.length > 1 ? ` · ${queue?.name}` : ''}</p>
          <p class="position" data-testid="my-position">
            #{entry.position}
          </p>
          <p class="lead">
            {entry.position === 1
              ? "You're next."
              : `${entry.position - 1} ${entry.position === 2 ? 'person' : 'people'} ahead of you.`}
            {estimate ? ` Wait: ${estimate}.` : ''}
          </p>
          {entry.repeat && queue?.order === 'fresh' && (
            <p class="muted" data-testid="fresh-first-note">
              You were helped earlier today: in this queue, students not yet helped go first.
            </p>
          )}
        </>
      )}
      {away && (
        <>
          <p class="eyebrow">You're away · place kept</p>
          <p class="position" data-testid="my-position">
            #{entry.position}
          </p>
          <p class="lead">
            The TA skips you while you're away. After {Math.round(q.timers.awayLimitMs / 60_000)}{' '}
            min you move down one place each time someone is called — never out of the line.
          </p>
        </>
      )}
      {entry.status === 'called' && (
        <>
          <p class="eyebrow">It's your turn</p>
          <p class="position called-text">{entry.helper ?? 'A TA'} is calling you</p>
          {entry.online ? (
            <MeetingAction entry={entry} />
          ) : (
            <p class="lead">
              Head over now{entry.location ? ` — they'll look for you at ${entry.location}` : ''}.
              {entry.group ? ' You are being helped together with others on the same topic.' : ''}
            </p>
          )}
        </>
      )}
      {entry.status === 'missing' && (
        <>
          <p class="eyebrow">The TA couldn't find you</p>
          <p class="position called-text">Are you still here?</p>
          <p class="lead" data-testid="grace">
            You keep your place until {formatClock(entry.graceEndsAt ?? now)} (
            {countdown((entry.graceEndsAt ?? now) - now)} left). Tap "I'm here" and you go back to
            the front.
          </p>
          <button
            class="primary big"
            disabled={busy !== null}
            onClick={() => void act('here', () => ctx.call('queue.here', id))}
          >
            {busy === 'here' ? 'Sending…' : "I'm here"}
          </button>
        </>
      )}
      {entry.status === 'helping' && (
        <>
          <p class="eyebrow">Being helped</p>
          <p class="position called-text">{entry.helper ?? 'A TA'} is with you</p>
          {entry.online && <MeetingAction entry={entry} />}
        </>
      )}
      {entry.message && (
        <p class="note" role="note" data-testid="message">
          <strong>{entry.message.from}:</strong> {entry.message.text}
          <span class="muted"> · {formatAgo(now - entry.message.at)}</span>
        </p>
      )}
      {entry.conflict && <p class="conflict">{entry.conflict}</p>}
      <dl class="entry-facts">
        <dt>Topic</dt>
        <dd>
          {entry.tag && <span class="badge tag">{entry.tag}</span>}{' '}
          {entry.topic || (entry.tag ? '' : '—')}
        </dd>
        <dt>Where</dt>
        <dd>
          {entry.online ? (
            <>
              <OnlineBadge entry={entry} /> {entry.meeting ?? 'the TA sends a link'}
            </>
          ) : (
            entry.location || '—'
          )}
        </dd>
        <dt>Joined</dt>
        <dd>{formatAgo(now - entry.createdAt)}</dd>
      </dl>
      {entry.status === 'waiting' && (
        <div class="row center">
          {away ? (
            <button
              class="primary"
              disabled={busy !== null}
              onClick={() => void act('back', () => ctx.call('queue.back', id))}
            >
              {busy === 'back' ? 'Sending…' : "I'm back"}
            </button>
          ) : (
            <button
              disabled={busy !== null}
              onClick={() => void act('away', () => ctx.call('queue.away', id))}
            >
              {busy === 'away' ? 'Sending…' : 'Step away'}
            </button>
          )}
          <button disabled={busy !== null} onClick={() => setEditing(true)}>
            Edit
          </button>
          <button
            class="danger"
            disabled={busy !== null}
            onClick={() => void act('withdraw', () => ctx.call('queue.withdraw', id))}
          >
            {busy === 'withdraw' ? 'Withdrawing…' : 'Withdraw from the queue'}
          </button>
        </div>
      )}
    </section>
  );
}

/** The one sentence a change of place or state is announced with. */
function announcement(entry: EntryView, away: boolean): string {
  if (away) return `You're away. Your place, #${entry.position}, is kept.`;
  switch (entry.status) {
    case 'waiting':
      return entry.position === 1 ? "You're next in line." : `You are #${entry.position} in line.`;
    case 'missing':
      return "The TA couldn't find you. Tap I'm here to keep your place.";
    case 'helping':
      return `${entry.helper ?? 'A TA'} is with you.`;
    default:
      return ''; // called: the alert dialog says it, and takes focus
  }
}

/** Change my name, topic, tag or seat while in line. */
function EditEntry(props: {
  ctx: Ctx;
  entry: EntryView;
  queue: QueueInfoView | undefined;
  onClose(): void;
}) {
  const { ctx, entry } = props;
  const [name, setName] = useState(entry.name);
  const [topic, setTopic] = useState(entry.topic);
  const [location, setLocation] = useState(entry.location);
  const [tag, setTag] = useState<string | null>(entry.tag);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    const r = await ctx.call('queue.edit', { entryId: entry.entryId, name, topic, location, tag });
    setBusy(false);
    if (!r.ok) setError(r.error.message);
    else props.onClose();
  };
  return (
    <section class="card" aria-labelledby="edit-title" data-testid="edit-entry">
      <h2 id="edit-title">Edit my entry</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <EntryFields
          name={name}
          topic={topic}
          location={location}
          tag={tag}
          tags={props.queue?.tags ?? []}
          onName={setName}
          onTopic={setTopic}
          onLocation={setLocation}
          onTag={setTag}
          idPrefix="edit"
        />
        <div class="row">
          <button class="primary" type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
          <button type="button" class="ghost" onClick={props.onClose}>
            Cancel
          </button>
        </div>
        <ErrorLine text={error} />
      </form>
    </section>
  );
}

/** The fields a student fills in to join, and again to edit. */
function EntryFields(p: {
  name: string;
  topic: string;
  location: string;
  tag: string | null;
  tags: string[];
  onName(v: string): void;
  onTopic(v: string): void;
  onLocation(v: string): void;
  onTag(v: string | null): void;
  idPrefix: string;
  /** Online: no seat to ask for. */
  online?: boolean;
}) {
  return (
    <>
      <label class="label" for={`${p.idPrefix}-name`}>
        Name
      </label>
      <input
        id={`${p.idPrefix}-name`}
        value={p.name}
        maxLength={80}
        onInput={(e) => p.onName(e.currentTarget.value)}
      />
      {p.tags.length > 0 && (
        <fieldset class="tags-pick">
          <legend class="label">Topic</legend>
          {[null, ...p.tags].map((t) => (
            <label key={t ?? ''} class={`chip${p.tag === t ? ' on' : ''}`}>
              <input
                type="radio"
                name={`${p.idPrefix}-tag`}
                checked={p.tag === t}
                onChange={() => p.onTag(t)}
              />
              {t ?? 'Other'}
            </label>
          ))}
        </fieldset>
      )}
      <label class="label" for={`${p.idPrefix}-topic`}>
        What do you need help with?
      </label>
      <input
        id={`${p.idPrefix}-topic`}
        value={p.topic}
        maxLength={200}
        placeholder="Lab 3, recursion"
        onInput={(e) => p.onTopic(e.currentTarget.value)}
      />
      {!p.online && (
        <>
          <label class="label" for={`${p.idPrefix}-location`}>
            Where are you sitting?
          </label>
          <input
            id={`${p.idPrefix}-location`}
            value={p.location}
            maxLength={80}
            placeholder="Row 4, by the window"
            onInput={(e) => p.onLocation(e.currentTarget.value)}
          />
        </>
      )}
    </>
  );
}

function JoinForm(props: {
  ctx: Ctx;
  q: QueueView;
  joining: boolean;
  queue: QueueInfoView | null;
  onQueue(id: string): void;
}) {
  const { ctx, q, queue } = props;
  const [name, setName] = useState(ctx.status.name);
  const [topic, setTopic] = useState('');
  const [location, setLocation] = useState('');
  const [tag, setTag] = useState<string | null>(null);
  const [picked, setPicked] = useState(false);
  const [meeting, setMeeting] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const mode = queue?.mode ?? 'in-person';
  const online = joinsOnline(mode, picked);
  const submit = async (): Promise<void> => {
    setError(null);
    setBusy(true);
    const r = await ctx.call('queue.join', {
      name,
      topic,
      location: online ? '' : location,
      ...(queue ? { queueId: queue.queueId } : {}),
      ...(tag ? { tag } : {}),
      ...(mode !== 'in-person' ? { online } : {}),
      ...(online && meeting.trim() ? { meeting: meeting.trim() } : {}),
    });
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
        {q.queues.length > 1 && (
          <fieldset class="queue-pick">
            <legend class="label">Which queue?</legend>
            {q.queues.map((x) => (
              <label
                key={x.queueId}
                class={`queue-option${queue?.queueId === x.queueId ? ' on' : ''}${x.open ? '' : ' shut'}`}
              >
                <input
                  type="radio"
                  name="join-queue"
                  disabled={!x.open}
                  checked={queue?.queueId === x.queueId}
                  onChange={() => {
                    props.onQueue(x.queueId);
                    setTag(null);
                  }}
                />
                <span class="queue-option-name">{x.name}</span>
                <ModeBadge mode={x.mode} />
                <span class="muted">{x.open ? `${x.waiting} waiting` : 'closed'}</span>
              </label>
            ))}
          </fieldset>
        )}
        {q.queues.length === 1 && mode !== 'in-person' && (
          <p>
            <ModeBadge mode={mode} />
          </p>
        )}
        {mode === 'both' && <ModePick online={picked} onChange={setPicked} />}
        <EntryFields
          name={name}
          topic={topic}
          location={location}
          tag={tag}
          tags={queue?.tags ?? []}
          onName={setName}
          onTopic={setTopic}
          onLocation={setLocation}
          onTag={setTag}
          idPrefix="join"
          online={online}
        />
        {online && <MeetingField id="join-meeting" value={meeting} onInput={setMeeting} />}
        <button class="primary big" type="submit" disabled={busy || props.joining || !queue?.open}>
          {busy || props.joining ? 'Sending…' : 'Join the queue'}
        </button>
        <ErrorLine text={error} />
      </form>
    </section>
  );
}

/** What this copy sent that the host has not acknowledged yet, and why it waits if known. */
export function PendingList({ q }: { q: QueueView }) {
  if (q.pending.length === 0) return null;
  return (
    <ul class="pending" aria-live="polite" data-testid="pending">
      {q.pending.map((p) => (
        <li key={p.commandId}>
          <span class="spinner" aria-hidden="true" />
          <span>
            {PENDING_LABEL[p.method] ?? p.method} — sending…
            {p.reason && <span class="pending-reason">{p.reason}</span>}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** The line of one queue (the student's, or the one they are looking at). */
export function QueueList({ q, queue }: { q: QueueView; queue: QueueInfoView | null }) {
  const entries = q.entries.filter((e) => !queue || e.queueId === queue.queueId);
  const waiting = entries.filter((e) => e.status === 'waiting').length;
  const closed = queue ? !queue.open : !q.open;
  return (
    <section class="card queue-card" aria-labelledby="queue-title">
      <h2 id="queue-title">
        {q.queues.length > 1 && queue ? queue.name : 'Queue'}{' '}
        <span class="count">{waiting} waiting</span>
        {closed && <span class="badge closed-badge">closed</span>}
      </h2>
      {entries.length === 0 ? (
        <p class="muted empty">Nobody is waiting.</p>
      ) : (
        <ol class="queue" data-testid="queue">
          {entries.map((e) => (
            <li
              key={e.entryId}
              class={`entry ${e.status}${e.mine ? ' mine' : ''}${e.awaySince !== null ? ' away' : ''}`}
            >
              <span class="entry-pos">{e.status === 'waiting' ? ordinal(e.position) : '★'}</span>
              <span class="entry-main">
                <span class="entry-name">
                  {e.name}
                  {e.mine && <span class="badge you">you</span>}
                  {e.tag && <span class="badge tag">{e.tag}</span>}
                </span>
                <span class="muted">
                  {e.online && <OnlineBadge entry={e} />}{' '}
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
