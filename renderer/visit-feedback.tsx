import { useState } from 'preact/hooks';
import type { EntryView, QueueView } from '../core/api/contract';
// The limits from the phone wire: the phone page shows this form too, without the contract.
import { FEEDBACK_TEXT_MAX, FEEDBACK_WINDOW_MS } from '../core/phone/wire';
import { ErrorLine } from './feedback';
import type { Ctx } from './state';

/**
 * Feedback after a visit (core/queue/feedback.ts): the student is asked once, after being
 * helped — resolved, partly or not, and a line if they like — and may say no; staff see
 * the counts and the comments, with a name only where the student chose to give it.
 */

const SKIPPED_KEY = 'baton.feedback.skipped';
type Outcome = 'resolved' | 'partly' | 'not';
const OUTCOME_TEXT: Record<Outcome, string> = {
  resolved: 'Resolved',
  partly: 'Partly',
  not: 'Not resolved',
};

function skipped(): string[] {
  try {
    return JSON.parse(localStorage.getItem(SKIPPED_KEY) ?? '[]') as string[];
  } catch {
    return [];
  }
}

/** My latest visit, if it was helped and still takes feedback (an older one is never asked). */
function visitToAsk(q: QueueView): EntryView | null {
  const e = q.finished.find((x) => x.mine);
  if (!e || !e.feedbackOpen || e.finishedAt === null) return null;
  if (Date.now() - e.finishedAt >= FEEDBACK_WINDOW_MS) return null;
  return e;
}

/** What the student said: sent by the laptop's App API or the phone's link. */
export interface FeedbackGiven {
  outcome: Outcome;
  text: string;
  named: boolean;
}

/**
 * "How did it go?" after being helped, for one visit — the laptop's student view and the
 * phone page both show it. `send` resolves to an error message, or null once sent.
 */
export function FeedbackForm(props: {
  entryId: string;
  helper: string | null;
  send(f: FeedbackGiven): Promise<string | null>;
}) {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [words, setWords] = useState('');
  const [named, setNamed] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [, setTick] = useState(0);
  if (skipped().includes(props.entryId)) return null;
  const skip = (): void => {
    localStorage.setItem(SKIPPED_KEY, JSON.stringify([...skipped(), props.entryId].slice(-20)));
    setTick((n) => n + 1);
  };
  return (
    <section class="card feedback-ask" aria-labelledby="fb-title" data-testid="feedback-ask">
      <h2 id="fb-title">How did it go{props.helper ? ` with ${props.helper}` : ''}?</h2>
      <p class="muted">Optional. Staff see what you say, not who said it — unless you choose.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!outcome) return setError('pick one of the three');
          setBusy(true);
          setError(null);
          // Trimmed here: a phone signs exactly what the host will apply.
          void props.send({ outcome, text: words.trim(), named }).then((message) => {
            setBusy(false);
            setError(message);
          });
        }}
      >
        <fieldset class="tags-pick" aria-label="How did it go?">
          {(Object.keys(OUTCOME_TEXT) as Outcome[]).map((o) => (
            <label key={o} class={`chip${outcome === o ? ' on' : ''}`}>
              <input
                type="radio"
                name="fb-outcome"
                checked={outcome === o}
                onChange={() => setOutcome(o)}
              />
              {OUTCOME_TEXT[o]}
            </label>
          ))}
        </fieldset>
        <label class="label" for="fb-text">
          Anything to add? (optional)
        </label>
        <input
          id="fb-text"
          value={words}
          maxLength={FEEDBACK_TEXT_MAX}
          onInput={(e) => setWords(e.currentTarget.value)}
        />
        <label class="check">
          <input
            type="checkbox"
            checked={named}
            onChange={(e) => setNamed(e.currentTarget.checked)}
          />
          Show my name to staff with it
        </label>
        <div class="row">
          <button class="primary" type="submit" disabled={busy}>
            Send
          </button>
          <button class="ghost" type="button" onClick={skip}>
            No thanks
          </button>
        </div>
        <ErrorLine text={error} />
      </form>
    </section>
  );
}

/** Student on a laptop: asked about the latest visit. */
export function FeedbackAsk({ ctx }: { ctx: Ctx }) {
  const visit = ctx.queue ? visitToAsk(ctx.queue) : null;
  if (!visit) return null;
  return (
    <FeedbackForm
      key={visit.entryId}
      entryId={visit.entryId}
      helper={visit.helper}
      send={(f) =>
        ctx.call('queue.feedback', { entryId: visit.entryId, ...f }).then((r) => {
          if (!r.ok) return r.error.message;
          ctx.toast('Thanks — your feedback went to the staff', 'info');
          return null;
        })
      }
    />
  );
}

/** Staff: the feedback so far, counts and the latest comments. */
export function FeedbackSummary({ ctx }: { ctx: Ctx }) {
  const [all, setAll] = useState(false);
  const f = ctx.queue?.feedback;
  if (!f || f.resolved + f.partly + f.not === 0) return null;
  const shown = all ? f.comments : f.comments.slice(0, 3);
  return (
    <section class="card" aria-labelledby="fbs-title" data-testid="feedback-summary">
      <h2 id="fbs-title">Feedback</h2>
      <p>
        <strong>{f.resolved}</strong> resolved · <strong>{f.partly}</strong> partly ·{' '}
        <strong>{f.not}</strong> not resolved
      </p>
      {shown.length > 0 && (
        <ul class="feedback-comments">
          {shown.map((c, i) => (
            <li key={i}>
              <span class={`badge fb-${c.outcome}`}>{OUTCOME_TEXT[c.outcome]}</span> “{c.text}”
              {c.name && <span class="muted"> — {c.name}</span>}
            </li>
          ))}
        </ul>
      )}
      {f.comments.length > 3 && (
        <button class="ghost small" onClick={() => setAll(!all)}>
          {all ? 'Fewer' : `All ${f.comments.length} comments`}
        </button>
      )}
    </section>
  );
}
