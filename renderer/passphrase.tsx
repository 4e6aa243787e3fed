import { useState } from 'preact/hooks';
import { MIN_PASSPHRASE_LENGTH } from '../core/api/contract';
import { ErrorLine } from './feedback';
import type { Ctx } from './state';

/**
 * The staff passphrase. `outdated`: a session from an older Baton, whose passcode's login
 * could be replayed from a capture of the Wi-Fi and may be as short as 4 characters — a
 * notice asks staff for a new passphrase. Otherwise a side card changes it: the current
 * passphrase signs the move (the session's id is bound to its first lock), and every TA
 * logs in again with the new one; this laptop does so by itself.
 */
export function NewPassphrase({ ctx, outdated }: { ctx: Ctx; outdated: boolean }) {
  const [open, setOpen] = useState(outdated);
  const [current, setCurrent] = useState('');
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const short = [...value].length < MIN_PASSPHRASE_LENGTH;
  const title = outdated ? 'Choose a new staff passphrase' : 'Staff passphrase';
  return (
    <section
      class={outdated ? 'card notice' : 'card'}
      aria-labelledby="passphrase-title"
      data-testid="passphrase-card"
    >
      <h2 id="passphrase-title">{title}</h2>
      {outdated ? (
        <p class="muted">
          This session's passcode comes from an older Baton: anyone recording the Wi-Fi could reuse
          a TA's login. Choose a passphrase of at least {MIN_PASSPHRASE_LENGTH} characters and tell
          the other TAs; their next login needs it.
        </p>
      ) : (
        <p class="hint">Changing it logs every other TA out: they log in again with the new one.</p>
      )}
      {!open ? (
        <button onClick={() => setOpen(true)}>Change passphrase…</button>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setBusy(true);
            setError(null);
            const params = outdated ? { passphrase: value } : { passphrase: value, current };
            void ctx.call('staff.setPassphrase', params).then((r) => {
              setBusy(false);
              if (!r.ok) return setError(r.error.message);
              setValue('');
              setCurrent('');
              setOpen(outdated);
              ctx.toast('Staff passphrase changed: tell the other TAs');
              ctx.refresh();
            });
          }}
        >
          {!outdated && (
            <>
              <label class="label" for="current-passphrase">
                Current passphrase
              </label>
              <input
                id="current-passphrase"
                type="password"
                value={current}
                autoComplete="current-password"
                onInput={(e) => setCurrent(e.currentTarget.value)}
              />
            </>
          )}
          <label class="label" for="new-passphrase">
            New passphrase
          </label>
          <input
            id="new-passphrase"
            type="password"
            value={value}
            autoComplete="new-password"
            placeholder={`at least ${MIN_PASSPHRASE_LENGTH} characters`}
            onInput={(e) => setValue(e.currentTarget.value)}
          />
          <div class="row">
            <button
              class="primary"
              type="submit"
              disabled={busy || short || (!outdated && !current)}
            >
              {busy ? 'Saving…' : 'Set passphrase'}
            </button>
            {!outdated && (
              <button type="button" class="ghost" onClick={() => setOpen(false)}>
                Cancel
              </button>
            )}
          </div>
          <ErrorLine text={error} />
        </form>
      )}
    </section>
  );
}
