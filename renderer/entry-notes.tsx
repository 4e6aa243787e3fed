import { useState } from 'preact/hooks';
import type { EntryView } from '../core/api/contract';
import type { Ctx } from './state';

/**
 * A TA's two ways to write on an entry (#26): a message to the student (their copy shows
 * it), with quick replies for what TAs type again and again; and a note for staff only
 * ("tried gdb; see line 40"), which the next TA sees on the row and the student never does.
 */

export const QUICK_REPLIES = [
  'Please add your error message to your question.',
  "I'm at the whiteboard by the door.",
  'Please share your screen when I join.',
  'Back in a few minutes: keep your place.',
];

type Kind = 'message' | 'note';

export function EntryNoteForm(props: {
  ctx: Ctx;
  e: EntryView;
  kind: Kind;
  busy: boolean;
  onDone(): void;
}) {
  const { ctx, e, kind } = props;
  const [text, setText] = useState(kind === 'note' ? (e.staffNote?.text ?? '') : '');
  const [sending, setSending] = useState(false);
  const send = async (): Promise<void> => {
    setSending(true);
    const r =
      kind === 'message'
        ? await ctx.call('staff.message', { entryId: e.entryId, text })
        : await ctx.call('staff.note', { entryId: e.entryId, text });
    setSending(false);
    if (!r.ok) return ctx.toast(r.error.message, 'error');
    ctx.toast(kind === 'message' ? `Message sent to ${e.name}` : `Note saved on ${e.name}`);
    props.onDone();
  };
  return (
    <form
      class="note-form"
      data-testid={`${kind}-form`}
      onSubmit={(ev) => {
        ev.preventDefault();
        void send();
      }}
    >
      {kind === 'message' && (
        <span class="quick-replies" aria-label="Quick replies">
          {QUICK_REPLIES.map((q) => (
            <button type="button" class="chip small-chip" key={q} onClick={() => setText(q)}>
              {q}
            </button>
          ))}
        </span>
      )}
      <input
        aria-label={kind === 'message' ? `Message to ${e.name}` : `Staff note on ${e.name}`}
        value={text}
        maxLength={300}
        placeholder={
          kind === 'message'
            ? "I'm at the whiteboard by the door"
            : 'For the next TA: tried gdb, see line 40'
        }
        onInput={(ev) => setText(ev.currentTarget.value)}
      />
      <button
        class="primary small"
        type="submit"
        disabled={(kind === 'message' && !text.trim()) || sending || props.busy}
      >
        {kind === 'message' ? 'Send' : text.trim() ? 'Save note' : 'Clear note'}
      </button>
      <button class="ghost small" type="button" onClick={props.onDone}>
        Cancel
      </button>
    </form>
  );
}

/** The staff-only note on a row. */
export function StaffNoteLine({ e }: { e: EntryView }) {
  if (!e.staffNote) return null;
  return (
    <span class="staff-note" data-testid="staff-note">
      <strong>Staff note · {e.staffNote.from}:</strong> {e.staffNote.text}
    </span>
  );
}
