import { ModeSelect } from './online';
import { useEffect, useState } from 'preact/hooks';
import type { QueueInfoView, StaffStatsView } from '../core/api/contract';
import { ErrorLine } from './feedback';
import { formatDuration } from './format';
import { useAction } from './staff-queue';
import type { Ctx } from './state';

/** The staff view's side column: today's figures, the announcement, queues and timers. */

export function Stats({ ctx }: { ctx: Ctx }) {
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
      <button class="ghost small wrap" onClick={() => ctx.openPanel('history')}>
        History across sessions…
      </button>
    </section>
  );
}

export function Announcement({ ctx }: { ctx: Ctx }) {
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

/** The session's queues: add one, rename, archive, and each one's topic tags. */
export function QueuesCard({ ctx }: { ctx: Ctx }) {
  const q = ctx.queue!;
  const [name, setName] = useState('');
  const { busy, act } = useAction(ctx);
  return (
    <section class="card" aria-labelledby="queues-title" data-testid="queues-card">
      <h2 id="queues-title">Queues and tags</h2>
      <ul class="queue-admin">
        {q.queues.map((x) => (
          <QueueAdmin key={x.queueId} ctx={ctx} queue={x} alone={q.queues.length === 1} />
        ))}
      </ul>
      <form
        class="row queue-add"
        onSubmit={(e) => {
          e.preventDefault();
          void act('add', () => ctx.call('staff.createQueue', { name })).then(
            (ok) => ok && setName(''),
          );
        }}
      >
        <input
          aria-label="New queue name"
          placeholder="e.g. Check-offs"
          value={name}
          maxLength={60}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <button type="submit" disabled={!name.trim() || busy !== null}>
          Add queue
        </button>
      </form>
    </section>
  );
}

function QueueAdmin(props: { ctx: Ctx; queue: QueueInfoView; alone: boolean }) {
  const { ctx, queue } = props;
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(queue.name);
  const [tags, setTags] = useState(queue.tags.join(', '));
  const [cooldown, setCooldown] = useState(String(queue.cooldownMin));
  const [order, setOrder] = useState(queue.order);
  const [error, setError] = useState<string | null>(null);
  const { busy, act } = useAction(ctx);
  const save = async (): Promise<void> => {
    setError(null);
    const list = tags
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    if (name.trim() !== queue.name) {
      const r = await ctx.call('staff.renameQueue', { queueId: queue.queueId, name });
      if (!r.ok) return setError(r.error.message);
    }
    const r = await ctx.call('staff.setTags', { queueId: queue.queueId, tags: list });
    if (!r.ok) return setError(r.error.message);
    const cooldownMin = Number(cooldown || '0');
    if (!Number.isInteger(cooldownMin) || cooldownMin < 0 || cooldownMin > 240)
      return setError('the cooldown is a whole number of minutes, 0 to 240');
    if (cooldownMin !== queue.cooldownMin || order !== queue.order) {
      const f = await ctx.call('staff.setQueueRules', {
        queueId: queue.queueId,
        cooldownMin,
        order,
      });
      if (!f.ok) return setError(f.error.message);
    }
    setEditing(false);
  };
  if (!editing)
    return (
      <li>
        <span class="queue-admin-name">{queue.name}</span>
        <ModeSelect ctx={ctx} queue={queue} />
        <span class="tag-list">
          {queue.tags.length === 0 ? (
            <span class="muted">no tags</span>
          ) : (
            queue.tags.map((t) => (
              <span key={t} class="badge tag">
                {t}
              </span>
            ))
          )}
        </span>
        <RulesNote queue={queue} />
        <button
          class="ghost small"
          onClick={() => {
            setName(queue.name);
            setTags(queue.tags.join(', '));
            setCooldown(String(queue.cooldownMin));
            setOrder(queue.order);
            setEditing(true);
          }}
          aria-label={`Edit ${queue.name}`}
        >
          Edit
        </button>
        {!props.alone && (
          <button
            class="ghost small danger"
            disabled={busy !== null}
            aria-label={`Archive ${queue.name}`}
            onClick={() =>
              void act('archive', () => ctx.call('staff.archiveQueue', { queueId: queue.queueId }))
            }
          >
            Archive
          </button>
        )}
      </li>
    );
  return (
    <li class="editing">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <label class="label" for={`qn-${queue.queueId}`}>
          Name
        </label>
        <input
          id={`qn-${queue.queueId}`}
          value={name}
          maxLength={60}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <label class="label" for={`qt-${queue.queueId}`}>
          Topic tags, separated by commas
        </label>
        <input
          id={`qt-${queue.queueId}`}
          value={tags}
          placeholder="Lab 3, Project 1, Conceptual"
          onInput={(e) => setTags(e.currentTarget.value)}
        />
        <label class="label" for={`qc-${queue.queueId}`}>
          After being helped, a student may join again after (min, 0: at once)
        </label>
        <input
          id={`qc-${queue.queueId}`}
          type="number"
          min={0}
          max={240}
          value={cooldown}
          onInput={(e) => setCooldown(e.currentTarget.value)}
        />
        <label class="label" for={`qo-${queue.queueId}`}>
          Order of the line
        </label>
        <select
          id={`qo-${queue.queueId}`}
          value={order}
          onChange={(e) => setOrder(e.currentTarget.value as QueueInfoView['order'])}
        >
          <option value="arrival">First come, first served</option>
          <option value="fresh">Students not yet helped today first</option>
        </select>
        <div class="row">
          <button class="primary small" type="submit">
            Save
          </button>
          <button class="ghost small" type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </div>
        <ErrorLine text={error} />
      </form>
    </li>
  );
}

/** A queue's fairness rules in words, when it has any. */
function RulesNote({ queue }: { queue: QueueInfoView }) {
  const parts = [
    queue.cooldownMin > 0 ? `${queue.cooldownMin} min between visits` : null,
    queue.order === 'fresh' ? 'not yet helped first' : null,
  ].filter(Boolean);
  if (parts.length === 0) return null;
  return (
    <span class="muted small rules-note" data-testid="queue-rules">
      {parts.join(' · ')}
    </span>
  );
}

/** How long a "not found" student keeps the place, and how long one may be away. */
export function Timers({ ctx }: { ctx: Ctx }) {
  const t = ctx.queue!.timers;
  const { act } = useAction(ctx);
  const minutes = (ms: number) => Math.round(ms / 60_000);
  const set = (key: 'graceMs' | 'awayLimitMs', v: string): void => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) return;
    void act(key, () => ctx.call('staff.setTimers', { [key]: Math.round(n * 60_000) }));
  };
  return (
    <section class="card timers" aria-labelledby="timers-title">
      <h2 id="timers-title">Timers</h2>
      <label class="label" for="grace-min">
        "Not found" keeps the place for (min)
      </label>
      <input
        id="grace-min"
        type="number"
        min={1}
        max={60}
        value={minutes(t.graceMs)}
        onChange={(e) => set('graceMs', e.currentTarget.value)}
      />
      <label class="label" for="away-min">
        Away before moving down (min)
      </label>
      <input
        id="away-min"
        type="number"
        min={1}
        max={120}
        value={minutes(t.awayLimitMs)}
        onChange={(e) => set('awayLimitMs', e.currentTarget.value)}
      />
    </section>
  );
}
