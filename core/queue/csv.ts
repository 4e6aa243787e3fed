import { allEntries, helpDuration, queuesOf, timeOf, waitDuration } from './selectors';
import type { Entry, QueueState } from './types';

const COLUMNS = [
  'entry_id',
  'name',
  'topic',
  'location',
  'queue',
  'tag',
  'status',
  'helper',
  'joined_at',
  'called_at',
  'helping_at',
  'done_at',
  'withdrawn_at',
  'removed_at',
  'notfound_at',
  'wait_seconds',
  'help_seconds',
  'history',
] as const;

/**
 * The session's whole history as CSV (RFC 4180, CRLF), one row per entry, every
 * timestamp in ISO 8601 UTC; `history` lists every transition as `status@time by member`.
 * Cells that a spreadsheet would run as a formula are prefixed with an apostrophe.
 */
export function exportCsv(state: QueueState, staffName: (id: string) => string): string {
  const rows = [COLUMNS.join(',')];
  const queueName = new Map(queuesOf(state).map((q) => [q.id, q.name]));
  for (const e of allEntries(state))
    rows.push(
      row(e, staffName, queueName.get(e.queue) ?? e.queue)
        .map(cell)
        .join(','),
    );
  return rows.join('\r\n') + '\r\n';
}

function row(e: Entry, staffName: (id: string) => string, queue: string): string[] {
  const iso = (t: number | null): string => (t === null ? '' : new Date(t).toISOString());
  const secs = (ms: number | null): string => (ms === null ? '' : (ms / 1000).toFixed(1));
  const history = Object.values(e.history)
    .sort((a, b) => a.at - b.at)
    .map((t) => `${t.status}${t.undo ? ' (undo)' : ''}@${iso(t.at)} by ${staffName(t.by)}`)
    .join('; ');
  return [
    e.id,
    e.name,
    e.topic,
    e.location,
    queue,
    e.tag ?? '',
    e.status,
    e.helper ? staffName(e.helper) : '',
    iso(e.createdAt),
    iso(timeOf(e, 'called')),
    iso(timeOf(e, 'helping')),
    iso(timeOf(e, 'done')),
    iso(timeOf(e, 'withdrawn')),
    iso(timeOf(e, 'removed')),
    iso(timeOf(e, 'notfound')),
    secs(
      e.status === 'done' || e.status === 'called' || e.status === 'helping'
        ? waitDuration(e)
        : null,
    ),
    secs(helpDuration(e)),
    history,
  ];
}

/** One CSV cell: quoted when needed; a would-be spreadsheet formula gets an apostrophe. */
export function cell(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
