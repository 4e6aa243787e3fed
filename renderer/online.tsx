import { useEffect, useState } from 'preact/hooks';
import type { EntryView, QueueInfoView } from '../core/api/contract';
import { ErrorLine } from './feedback';
import type { Ctx } from './state';

/**
 * In person and online in one line (#26): what each queue and entry is, made unmistakable
 * — a badge on every queue and every online entry — the choice a student makes in a mixed
 * queue, the meeting link instead of a seat, and a TA's own meeting link.
 */

export type Mode = QueueInfoView['mode'];

export const MODE_TEXT: Record<Mode, string> = {
  'in-person': 'In person',
  online: 'Online',
  both: 'In person + online',
};

/** Whether a join to a queue of `mode` is online: an online queue, or the student's pick. */
export function joinsOnline(mode: Mode, picked: boolean): boolean {
  return mode === 'online' || (mode === 'both' && picked);
}

/** "Online", "In person + online": on every queue name students and staff see. */
export function ModeBadge({ mode }: { mode: Mode }) {
  return (
    <span class={`badge mode-badge ${mode}`} data-testid="mode-badge">
      {MODE_TEXT[mode]}
    </span>
  );
}

/** The online badge of an entry (in-person entries have their seat instead). */
export function OnlineBadge({ entry }: { entry: Pick<EntryView, 'online'> }) {
  if (!entry.online) return null;
  return <span class="badge mode-badge online">Online</span>;
}

/** A mixed queue: the student says how they join. */
export function ModePick(props: { online: boolean; onChange(online: boolean): void }) {
  return (
    <fieldset class="mode-pick" data-testid="mode-pick">
      <legend class="label">How are you joining?</legend>
      {[false, true].map((o) => (
        <label key={String(o)} class={`chip${props.online === o ? ' on' : ''}`}>
          <input
            type="radio"
            name="join-mode"
            checked={props.online === o}
            onChange={() => props.onChange(o)}
          />
          {o ? 'Online' : 'In the room'}
        </label>
      ))}
    </fieldset>
  );
}

/** An online student's own meeting link (optional: else the TA's is used). */
export function MeetingField(props: { value: string; onInput(v: string): void; id: string }) {
  return (
    <>
      <label class="label" for={props.id}>
        Your meeting link (optional)
      </label>
      <input
        id={props.id}
        type="url"
        inputMode="url"
        value={props.value}
        maxLength={500}
        placeholder="https://… — or leave empty: the TA sends theirs"
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    </>
  );
}

/** What an online student does when called: the TA's meeting, or the TA joins theirs. */
export function MeetingAction({ entry }: { entry: EntryView }) {
  const who = entry.helper ?? 'The TA';
  if (entry.helperMeeting)
    return (
      <a
        class="button primary big"
        href={entry.helperMeeting}
        target="_blank"
        rel="noopener noreferrer"
        data-testid="join-meeting"
      >
        Join {who}'s meeting
      </a>
    );
  if (entry.meeting)
    return (
      <p class="lead" data-testid="meeting-note">
        {who} joins your meeting: <a href={entry.meeting}>{entry.meeting}</a>
      </p>
    );
  return (
    <p class="lead" data-testid="meeting-note">
      {who} will contact you.
    </p>
  );
}

/** Staff: the meeting to open for an online entry (the student's, else this TA's own). */
export function OpenMeeting(props: { entry: EntryView; myMeeting: string | null }) {
  const { entry } = props;
  if (!entry.online) return null;
  const link = entry.meeting ?? (entry.status !== 'waiting' ? props.myMeeting : null);
  if (!link) return null;
  return (
    <a
      class="meeting-link"
      href={link}
      target="_blank"
      rel="noopener noreferrer"
      data-testid="open-meeting"
    >
      {entry.meeting ? 'Open their meeting' : 'Open your meeting'}
    </a>
  );
}

/** Staff: a queue's mode, changed in place. */
export function ModeSelect(props: { ctx: Ctx; queue: QueueInfoView }) {
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <select
        aria-label={`How students join ${props.queue.name}`}
        value={props.queue.mode}
        onChange={(e) => {
          setError(null);
          void props.ctx
            .call('staff.setQueueMode', {
              queueId: props.queue.queueId,
              mode: e.currentTarget.value as Mode,
            })
            .then((r) => !r.ok && setError(r.error.message));
        }}
      >
        {(Object.keys(MODE_TEXT) as Mode[]).map((m) => (
          <option key={m} value={m}>
            {MODE_TEXT[m]}
          </option>
        ))}
      </select>
      <ErrorLine text={error} />
    </>
  );
}

/** Staff: this TA's own meeting link, which the online students they call get. */
export function MyMeetingCard({ ctx }: { ctx: Ctx }) {
  const saved = ctx.queue?.myMeeting ?? '';
  const [link, setLink] = useState(saved);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  useEffect(() => setLink(saved), [saved]);
  if (!ctx.queue?.queues.some((q) => q.mode !== 'in-person') && !saved) return null;
  return (
    <section class="card" aria-labelledby="meeting-title" data-testid="my-meeting">
      <h2 id="meeting-title">Your meeting link</h2>
      <p class="hint">Online students you call get it with one click.</p>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          void ctx.call('staff.setMeeting', { link: link.trim() }).then((r) => {
            if (!r.ok) setError(r.error.message);
            else setDone(true);
          });
        }}
      >
        <input
          aria-label="Your meeting link"
          type="url"
          value={link}
          placeholder="https://zoom.us/j/…"
          onInput={(e) => {
            setLink(e.currentTarget.value);
            setDone(false);
          }}
        />
        <button type="submit" class="small">
          {done ? 'Saved' : 'Save'}
        </button>
      </form>
      <ErrorLine text={error} />
    </section>
  );
}
