import { useEffect, useState } from 'preact/hooks';
import type { QueueView } from '../core/api/contract';
import { ErrorLine } from './feedback';
import { formatClock } from './format';
import { useAction } from './staff-queue';
import type { Ctx } from './state';

type AtClose = NonNullable<QueueView['closing']>['atClose'];

/** "17:45" today (this laptop's clock) as a time, or null for an empty field. */
function todayAt(hhmm: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!m) return null;
  const d = new Date();
  d.setHours(Number(m[1]), Number(m[2]), 0, 0);
  return d.getTime();
}

/** Staff: when sign-ups end, when the queues close, and what happens to those still waiting. */
export function ClosingCard({ ctx }: { ctx: Ctx }) {
  const c = ctx.queue?.closing ?? null;
  const [signups, setSignups] = useState(c?.signupsEnd ? formatClock(c.signupsEnd) : '');
  const [close, setClose] = useState(c?.closeAt ? formatClock(c.closeAt) : '');
  const [atClose, setAtClose] = useState<AtClose>(c?.atClose ?? 'keep');
  const [error, setError] = useState<string | null>(null);
  const { busy, act } = useAction(ctx);
  useEffect(() => {
    setSignups(c?.signupsEnd ? formatClock(c.signupsEnd) : '');
    setClose(c?.closeAt ? formatClock(c.closeAt) : '');
    setAtClose(c?.atClose ?? 'keep');
  }, [c?.signupsEnd, c?.closeAt, c?.atClose]);
  const save = (clear: boolean): void => {
    setError(null);
    const signupsEnd = clear ? null : todayAt(signups);
    const closeAt = clear ? null : todayAt(close);
    if (!clear && signupsEnd === null && closeAt === null)
      return setError('set a time for sign-ups to end, for the queue to close, or both');
    void act('closing', async () => {
      const r = await ctx.call('staff.setClosing', { signupsEnd, closeAt, atClose });
      if (!r.ok) setError(r.error.message);
      return { ok: true };
    });
  };
  return (
    <section class="card" aria-labelledby="closing-title" data-testid="closing-card">
      <h2 id="closing-title">Closing time</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save(false);
        }}
      >
        <label class="label" for="signups-end">
          Sign-ups end at
        </label>
        <input
          id="signups-end"
          type="time"
          value={signups}
          onInput={(e) => setSignups(e.currentTarget.value)}
        />
        <label class="label" for="close-at">
          The queue closes at
        </label>
        <input
          id="close-at"
          type="time"
          value={close}
          onInput={(e) => setClose(e.currentTarget.value)}
        />
        <label class="label" for="at-close">
          Students still waiting then
        </label>
        <select
          id="at-close"
          value={atClose}
          onChange={(e) => setAtClose(e.currentTarget.value as AtClose)}
        >
          <option value="keep">are still helped</option>
          <option value="remove">are taken off the line</option>
        </select>
        <div class="row">
          <button type="submit" class="primary" disabled={busy !== null}>
            Save
          </button>
          {c && (
            <button type="button" class="ghost" disabled={busy !== null} onClick={() => save(true)}>
              Clear
            </button>
          )}
        </div>
        <ErrorLine text={error} />
      </form>
    </section>
  );
}
