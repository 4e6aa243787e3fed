/** Display helpers shared by the UI (no Node, no Electron: type-checked with DOM types only). */

/** "0.4 s", "12 s", "3 min": how long a host change or a wait took. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/** "about 5–10 min" from a wait estimate; null when there is nothing to go on. */
export function formatEstimate(
  e: { lowMs: number; highMs: number; samples: number } | null,
): string | null {
  if (!e || e.samples === 0) return null;
  const lo = Math.max(1, Math.round(e.lowMs / 60_000));
  const hi = Math.max(lo, Math.round(e.highMs / 60_000));
  return lo === hi ? `about ${lo} min` : `about ${lo}–${hi} min`;
}

/** 1 → "1st", 2 → "2nd", 11 → "11th". */
export function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] ?? 'th');
  return `${n}${s}`;
}

/** "3 min ago", "just now". */
export function formatAgo(ms: number): string {
  if (ms < 45_000) return 'just now';
  return `${formatDuration(ms)} ago`;
}

/** What a host change toast says. */
export function hostChangeText(c: {
  reason: 'failover' | 'failback' | 'start';
  fromName: string;
  toName: string;
  gapMs: number;
  toIsMe: boolean;
}): string {
  const to = c.toIsMe ? 'this laptop is' : `${c.toName || 'another laptop'} is`;
  const took = c.gapMs < 100 ? '< 0.1 s' : formatDuration(c.gapMs);
  if (c.reason === 'start' || !c.fromName) return `${capitalize(to)} hosting now`;
  if (c.reason === 'failover') return `${c.fromName} left — ${to} hosting now, ${took}`;
  return `Hosting moved from ${c.fromName} back to ${c.toIsMe ? 'this laptop' : c.toName}`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** "14:05": a time of day, on this laptop's clock. */
export function formatClock(t: number): string {
  const d = new Date(t);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** The right-hand state of a queue row: who is calling or helping, else how long waiting. */
export function entryStateText(
  e: { status: string; helper: string | null; createdAt: number; awaySince?: number | null },
  now: number,
  waitingPrefix = '',
): string {
  if (e.status === 'called') return `called by ${e.helper ?? 'staff'}`;
  if (e.status === 'helping') return `with ${e.helper ?? 'staff'}`;
  if (e.status === 'missing') return 'not found — place kept';
  if (e.awaySince !== null && e.awaySince !== undefined) {
    const ms = now - e.awaySince;
    return ms < 60_000 ? 'away' : `away ${formatDuration(ms)}`;
  }
  const ago = formatAgo(now - e.createdAt);
  return waitingPrefix ? `${waitingPrefix} ${ago.replace(' ago', '')}` : ago;
}

/** "m:ss" of a duration (a countdown). */
export function countdown(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
