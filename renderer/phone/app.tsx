import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { PhoneView } from '../../core/phone/wire';
import { ClosingBanner } from '../closing';
import { countdown, formatEstimate } from '../format';
import { useNow } from '../hooks';
import { chime } from '../sound';
import { MODE_TEXT, ModeBadge, ModePick, OnlineBadge, joinsOnline } from '../online';
import { FeedbackForm } from '../visit-feedback';
import { type LinkEvents, type LinkState, type Pending, PhoneLink } from './link';

/** The phone page: join from a QR code, keep your place, follow the room from laptop to laptop. */

const LABEL: Record<string, string> = {
  join: 'Joining the queue',
  withdraw: 'Withdrawing',
  away: 'Stepping away',
  back: 'Coming back',
  here: "Telling the TA you're here",
  edit: 'Saving',
  feedback: 'Sending your feedback',
};

/**
 * The phone page: the same for a phone on the room's Wi-Fi (the page came from a laptop:
 * phone.tsx) and for one anywhere else (a static web host, through the relay: web.tsx).
 */
export function Phone(props: {
  makeLink?: (events: LinkEvents) => PhoneLink;
  /** Who it is connecting to first (shown until the first view). */
  first?: string;
}) {
  const [view, setView] = useState<PhoneView | null>(null);
  const [link, setLink] = useState<LinkState>({
    kind: 'connecting',
    to: props.first ?? location.host,
  });
  const [pending, setPending] = useState<Pending[]>([]);
  const [error, setError] = useState<string | null>(null);
  /** The visit this page just sent feedback on (thanked until the next one; asked again if refused). */
  const [thanked, setThanked] = useState<{ entryId: string; cid: string } | null>(null);
  const thankedCid = useRef<string | null>(null);
  const phone = useMemo(() => {
    const events: LinkEvents = {
      view: setView,
      state: setLink,
      pending: (p) => setPending([...p]),
      result: (cid, r) => {
        setError(r.ok ? null : (r.error?.message ?? 'failed'));
        if (!r.ok && cid === thankedCid.current) setThanked(null);
      },
    };
    return props.makeLink ? props.makeLink(events) : new PhoneLink(location.host, events);
  }, []);
  useEffect(() => setPending([...phone.pending]), [phone]);
  const entry = view?.entry ?? null;
  const called = entry?.status === 'called';
  useAlert(called, `🔔 ${entry?.helper ?? 'A TA'} is calling you`);
  useAlert(entry?.status === 'missing', "⚠ The TA couldn't find you");

  return (
    <div class="phone">
      <header class="phone-top">
        <strong>{view?.sessionName || 'Baton'}</strong>
        <LinkLine link={link} />
      </header>
      {link.kind === 'off' ? (
        <section class="card" data-testid="phones-off">
          <h1>Phone joining is off</h1>
          <p>{link.message}</p>
        </section>
      ) : !view ? (
        <section class="card">
          <p class="muted">Connecting to the room…</p>
        </section>
      ) : (
        <>
          <ClosingBanner closing={view.closing ?? null} />
          {view.announcement && (
            <p class="announcement" role="note">
              {view.announcement}
            </p>
          )}
          {called && <CalledScreen entry={entry} />}
          {!entry && view.feedbackFor && view.feedbackFor.entryId !== thanked?.entryId && (
            <FeedbackForm
              key={view.feedbackFor.entryId}
              entryId={view.feedbackFor.entryId}
              helper={view.feedbackFor.helper}
              send={(f) => {
                const entryId = view.feedbackFor!.entryId;
                const cid = phone.send({ m: 'feedback', entryId, ...f });
                thankedCid.current = cid;
                setThanked({ entryId, cid });
                return Promise.resolve(null);
              }}
            />
          )}
          {!entry && thanked && (
            <p class="thanks" role="status">
              Thanks — your feedback went to the staff.
            </p>
          )}
          {entry ? (
            <MyPlace view={view} send={(c) => phone.send(c)} />
          ) : (
            <Join
              view={view}
              busy={pending.some((p) => p.cmd.m === 'join')}
              send={(c) => phone.send(c)}
            />
          )}
          {pending.length > 0 && (
            <ul class="pending" data-testid="pending">
              {pending.map((p) => (
                <li key={p.cid}>
                  <span class="spinner" aria-hidden="true" /> {LABEL[p.cmd.m] ?? p.cmd.m} — sending…
                </li>
              ))}
            </ul>
          )}
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <p class="keep-open">Keep this page open to be alerted when it is your turn.</p>
        </>
      )}
    </div>
  );
}

function LinkLine({ link }: { link: LinkState }) {
  if (link.kind === 'open')
    return (
      <span class="via" data-testid="via">
        {link.moved ? `Reconnected via ${link.via}` : `via ${link.via}`}
      </span>
    );
  if (link.kind === 'lost')
    return (
      <span class="via bad" data-testid="via">
        No laptop answers ({link.tried} tried) — still trying…
      </span>
    );
  if (link.kind === 'connecting')
    return (
      <span class="via" data-testid="via">
        Reconnecting via {link.to}…
      </span>
    );
  return null;
}

function Join(props: { view: PhoneView; busy: boolean; send(c: Pending['cmd']): void }) {
  const { view } = props;
  const [name, setName] = useState('');
  const [topic, setTopic] = useState('');
  const [location, setLocation] = useState('');
  const open = view.queues.filter((q) => q.open);
  const [queueId, setQueueId] = useState<string | null>(null);
  const queue = open.find((q) => q.queueId === queueId) ?? open[0];
  // A topic tag of the chosen queue, so that a TA's Help group calls phones too.
  const [picked, setTag] = useState<string | null>(null);
  const tag = picked !== null && queue?.tags.includes(picked) ? picked : null;
  const mode = queue?.mode ?? 'in-person';
  const [wantOnline, setWantOnline] = useState(false);
  const online = joinsOnline(mode, wantOnline);
  const [meeting, setMeeting] = useState('');
  if (!view.open)
    return (
      <section class="card" data-testid="queue-closed">
        <h1>The queue is closed</h1>
        <p class="muted">A TA opens it when office hours start. This page updates by itself.</p>
      </section>
    );
  return (
    <section class="card">
      <h1>Get in line</h1>
      <p class="muted">
        {view.waiting} waiting ·{' '}
        {view.staffOnDuty === 0
          ? 'no TA here yet'
          : `${view.staffOnDuty} ${view.staffOnDuty === 1 ? 'TA' : 'TAs'} helping`}
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          chime('joined'); // a tap now lets the page play the call sound later
          props.send({
            m: 'join',
            name,
            topic,
            location: online ? '' : location,
            ...(queue ? { queueId: queue.queueId } : {}),
            ...(tag ? { tag } : {}),
            ...(mode !== 'in-person' ? { online } : {}),
            ...(online && meeting.trim() ? { meeting: meeting.trim() } : {}),
          });
        }}
      >
        {open.length > 1 && (
          <>
            <label class="label" for="p-queue">
              Queue
            </label>
            <select
              id="p-queue"
              value={queue?.queueId}
              onChange={(e) => setQueueId(e.currentTarget.value)}
            >
              {open.map((q) => (
                <option key={q.queueId} value={q.queueId}>
                  {q.name} — {MODE_TEXT[q.mode]} ({q.waiting} waiting)
                </option>
              ))}
            </select>
          </>
        )}
        <label class="label" for="p-name">
          Name
        </label>
        <input
          id="p-name"
          value={name}
          maxLength={80}
          autoComplete="name"
          onInput={(e) => setName(e.currentTarget.value)}
        />
        {queue && queue.tags.length > 0 && (
          <fieldset class="tags-pick" data-testid="p-tags">
            <legend class="label">Topic</legend>
            {[null, ...queue.tags].map((t) => (
              <label key={t ?? ''} class={`chip${tag === t ? ' on' : ''}`}>
                <input type="radio" name="p-tag" checked={tag === t} onChange={() => setTag(t)} />
                {t ?? 'Other'}
              </label>
            ))}
          </fieldset>
        )}
        <label class="label" for="p-topic">
          What do you need help with?
        </label>
        <input
          id="p-topic"
          value={topic}
          maxLength={200}
          onInput={(e) => setTopic(e.currentTarget.value)}
        />
        {mode !== 'in-person' && open.length === 1 && (
          <p>
            <ModeBadge mode={mode} />
          </p>
        )}
        {mode === 'both' && <ModePick online={wantOnline} onChange={setWantOnline} />}
        {online ? (
          <>
            <label class="label" for="p-meeting">
              Your meeting link (optional)
            </label>
            <input
              id="p-meeting"
              type="url"
              value={meeting}
              maxLength={500}
              placeholder="or leave empty: the TA sends theirs"
              onInput={(e) => setMeeting(e.currentTarget.value)}
            />
          </>
        ) : (
          <>
            <label class="label" for="p-location">
              Where are you sitting?
            </label>
            <input
              id="p-location"
              value={location}
              maxLength={80}
              onInput={(e) => setLocation(e.currentTarget.value)}
            />
          </>
        )}
        <button class="primary big" type="submit" disabled={props.busy || !name.trim()}>
          {props.busy ? 'Sending…' : 'Get in line'}
        </button>
      </form>
    </section>
  );
}

function MyPlace({ view, send }: { view: PhoneView; send(c: Pending['cmd']): void }) {
  const e = view.entry!;
  const id = { entryId: e.entryId };
  const away = e.status === 'waiting' && e.awaySince !== null;
  const estimate = formatEstimate(view.estimate);
  // The place is kept for graceLeftMs from this view's arrival (the laptop's clock, not ours).
  const arrived = useMemo(() => Date.now(), [view]);
  const now = useNow(e.status === 'missing' ? 1_000 : 60_000);
  const graceLeft = (e.graceLeftMs ?? 0) - (now - arrived);
  // One tap on Withdraw asks first: a place in line lost by a stray tap is not given back.
  const [confirming, setConfirming] = useState(false);
  const keep = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) keep.current?.focus();
  }, [confirming]);
  return (
    <section class={`card my-entry ${e.status}`} data-testid="phone-entry">
      {/* Heard once per change of place or state, never the countdown below. */}
      <p class="sr-only" role="status">
        {e.status === 'missing'
          ? "The TA couldn't find you. Tap I'm here to keep your place."
          : e.status === 'waiting'
            ? `You are #${e.position} in line.`
            : ''}
      </p>
      {e.status === 'waiting' && (
        <>
          <p class="eyebrow">{away ? "You're away · place kept" : 'Your place in line'}</p>
          <p class="position" data-testid="phone-position">
            #{e.position}
          </p>
          <p class="lead">
            {e.position === 1 ? "You're next." : `${e.position - 1} ahead of you.`}
            {estimate ? ` Wait: ${estimate}.` : ''}
          </p>
        </>
      )}
      {e.status === 'helping' && <p class="lead">{e.helper ?? 'A TA'} is with you.</p>}
      {e.status === 'called' && <p class="lead">{e.helper ?? 'A TA'} is calling you.</p>}
      {e.status === 'missing' && (
        <>
          <p class="lead" data-testid="phone-grace">
            The TA couldn't find you. Your place is kept for <strong>{countdown(graceLeft)}</strong>{' '}
            — tap "I'm here" and you go back to the front.
          </p>
          <button class="primary big" onClick={() => send({ m: 'here', ...id })}>
            I'm here
          </button>
        </>
      )}
      <p class="muted">
        <OnlineBadge entry={e} /> {[e.topic, e.location].filter(Boolean).join(' · ')}
        {e.queueName && view.queues.length > 1 ? ` · ${e.queueName}` : ''}
      </p>
      {e.status === 'waiting' && !confirming && (
        <div class="row center">
          <button onClick={() => send({ m: away ? 'back' : 'away', ...id })}>
            {away ? "I'm back" : 'Step away'}
          </button>
          <button class="danger" onClick={() => setConfirming(true)}>
            Withdraw
          </button>
        </div>
      )}
      {e.status === 'waiting' && confirming && (
        <div
          class="confirm"
          role="group"
          aria-labelledby="withdraw-q"
          data-testid="withdraw-confirm"
        >
          <p id="withdraw-q" class="lead">
            Withdraw from the line? You would lose your place (#{e.position}).
          </p>
          <div class="row center">
            <button ref={keep} class="primary" onClick={() => setConfirming(false)}>
              Keep my place
            </button>
            <button
              class="danger"
              onClick={() => {
                setConfirming(false);
                send({ m: 'withdraw', ...id });
              }}
            >
              Withdraw
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

function CalledScreen({ entry }: { entry: NonNullable<PhoneView['entry']> }) {
  const { helper, location } = entry;
  const [gone, setGone] = useState(false);
  if (gone) return null;
  const who = helper ?? 'A TA';
  return (
    <div
      class="called-screen"
      role="alertdialog"
      aria-labelledby="called-title"
      data-testid="called-screen"
    >
      <p id="called-title" class="called-big">
        It's your turn!
      </p>
      {!entry.online ? (
        <p>
          {who} is calling you{location ? ` — ${where(location)}` : ''}.
        </p>
      ) : entry.helperMeeting ? (
        <a
          class="button big"
          href={entry.helperMeeting}
          target="_blank"
          rel="noopener noreferrer"
          data-testid="join-meeting"
          onClick={() => setGone(true)}
        >
          Join {helper ?? 'the TA'}'s meeting
        </a>
      ) : (
        <p>
          {who} {entry.meeting ? 'joins your meeting now.' : 'will contact you now.'}
        </p>
      )}
      <button class={entry.online ? 'big' : 'primary big'} onClick={() => setGone(true)}>
        {entry.online ? 'OK' : 'On my way'}
      </button>
    </div>
  );
}

/**
 * When called, or when the TA could not find the student: vibrate where the browser allows,
 * chime, and flash the tab title with `text` — a phone in a pocket or another tab still
 * hears of it.
 */
function useAlert(active: boolean, text: string) {
  const title = useRef(document.title);
  useEffect(() => {
    if (!active) return;
    navigator.vibrate?.([400, 200, 400, 200, 400]);
    chime('called');
    let on = false;
    const flash = setInterval(() => {
      on = !on;
      document.title = on ? text : title.current;
    }, 800);
    const again = setInterval(() => chime('called'), 4_000);
    const stop = setTimeout(() => clearInterval(again), 60_000);
    return () => {
      clearInterval(flash);
      clearInterval(again);
      clearTimeout(stop);
      document.title = title.current;
    };
  }, [active]);
}

/** "table 4" → "at table 4"; "at home", "in the lab", "online" as typed. */
export function where(location: string): string {
  return /^(at|in|on|by|near|online|remote|zoom)\b/i.test(location.trim())
    ? location.trim()
    : `at ${location.trim()}`;
}
