import { cell } from '../queue/csv';
import { allEntries, helpDuration, waitDuration } from '../queue/selectors';
import type { QueueState } from '../queue/types';
import type { Store } from '../store/store';
import type { HistoryView } from './views-types';

/**
 * Office hours across sessions (#26): a course's office hours are a semester of sessions,
 * so each laptop keeps a small history of the sessions it was in — per helped visit, when
 * the student joined, how long they waited and were helped, by whom — in its own data dir
 * (`history.json`, never replicated), and shows instructors pictures of it (the staff's
 * History panel): a busy-hours heat map, the distribution of waits, helped per TA.
 * Kept small: no student names or topics, at most MAX_SESSIONS sessions of MAX_VISITS.
 */

export interface Visit {
  /** When the student joined (host time, ms). */
  at: number;
  waitMs: number;
  helpMs: number | null;
  /** The TA who helped, by name; '' when unknown. */
  ta: string;
}

export interface SessionRecord {
  sessionId: string;
  name: string;
  firstAt: number;
  lastAt: number;
  visits: Visit[];
}

export const MAX_SESSIONS = 200;
export const MAX_VISITS = 2_000;
/** How often the current session's record is written while it runs (and once at leaving). */
export const HISTORY_EVERY_MS = 60_000;
/** The first look at a session, and the next one while nothing has been helped. */
export const FIRST_LOOK_MS = 5_000;
const KEY = 'history.json';

/** The helped visits of a session's state, oldest first. */
export function visitsOf(state: QueueState, nameOf: (memberId: string) => string): Visit[] {
  const out: Visit[] = [];
  for (const e of allEntries(state)) {
    if (e.status !== 'done') continue;
    const wait = waitDuration(e);
    if (wait === null) continue;
    const helper = [...Object.values(e.history)].reverse().find((t) => t.status === 'done')?.by;
    out.push({
      at: e.createdAt,
      waitMs: wait,
      helpMs: helpDuration(e),
      ta: helper ? nameOf(helper) : '',
    });
  }
  return out.slice(-MAX_VISITS);
}

/** This laptop's history, in its data dir. */
export class SessionHistory {
  private lastWrite = new Map<string, number>();

  constructor(private readonly store: Store | null) {}

  list(): SessionRecord[] {
    const raw = this.store?.load(KEY);
    if (!raw) return [];
    try {
      const j = JSON.parse(new TextDecoder().decode(raw)) as { sessions?: SessionRecord[] };
      return Array.isArray(j.sessions) ? j.sessions : [];
    } catch {
      return [];
    }
  }

  /**
   * Keep the session's visits as its record (replacing the last one), read at most every
   * HISTORY_EVERY_MS unless `force` (leaving). Sessions without a helped visit are not kept.
   */
  record(sessionId: string, name: string, visits: () => Visit[], now: number, force = false): void {
    if (!this.store) return;
    const last = this.lastWrite.get(sessionId);
    // First sight — the moment of a join or a resume, which waits for it: reading every
    // past entry took 60 ms at 5,000 (a join with history is ≈ 0.45 s). Look in 5 s.
    if (!force && last === undefined) {
      this.lastWrite.set(sessionId, now - HISTORY_EVERY_MS + FIRST_LOOK_MS);
      return;
    }
    if (!force && now - last! < HISTORY_EVERY_MS) return;
    const list = visits();
    // Nothing helped yet: look again in a few seconds, not a minute.
    this.lastWrite.set(sessionId, list.length ? now : now - HISTORY_EVERY_MS + FIRST_LOOK_MS);
    this.keep(sessionId, name, list);
  }

  private keep(sessionId: string, name: string, visits: Visit[]): void {
    if (!this.store || visits.length === 0) return;
    const others = this.list().filter((s) => s.sessionId !== sessionId);
    const mine: SessionRecord = {
      sessionId,
      name,
      firstAt: visits[0]!.at,
      lastAt: Math.max(...visits.map((v) => v.at + v.waitMs + (v.helpMs ?? 0))),
      visits,
    };
    const sessions = [...others, mine].sort((a, b) => a.firstAt - b.firstAt).slice(-MAX_SESSIONS);
    this.store.save(KEY, new TextEncoder().encode(JSON.stringify({ v: 1, sessions })));
  }
}

/** Wait buckets for the distribution, minutes (the last is open-ended). */
export const WAIT_BUCKETS_MIN = [5, 10, 15, 20, 30, 45, 60] as const;

/** The pictures' numbers (the App API's `HistoryView`). */
export type HistoryStats = HistoryView;

const HOUR = 3_600_000;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : 0;
};

/** The pictures' numbers, from the records (local time from `tz`, for tests). */
export function historyStats(
  records: readonly SessionRecord[],
  tz: (t: number) => { weekday: number; hour: number; day: string } = localTime,
): HistoryStats {
  const minutes = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
  const days = Array.from({ length: 7 }, () => new Set<string>());
  const waits = Array<number>(WAIT_BUCKETS_MIN.length + 1).fill(0);
  const perTa = new Map<string, number>();
  for (const r of records)
    for (const v of r.visits) {
      days[tz(v.at).weekday]!.add(tz(v.at).day);
      // Spread the wait over the hours it covered.
      for (let t = v.at; t < v.at + v.waitMs;) {
        const next = Math.min(v.at + v.waitMs, (Math.floor(t / HOUR) + 1) * HOUR);
        const { weekday, hour } = tz(t);
        minutes[weekday]![hour]! += (next - t) / 60_000;
        t = next;
      }
      const b = WAIT_BUCKETS_MIN.findIndex((m) => v.waitMs < m * 60_000);
      waits[b === -1 ? WAIT_BUCKETS_MIN.length : b]!++;
      if (v.ta) perTa.set(v.ta, (perTa.get(v.ta) ?? 0) + 1);
    }
  const heat = minutes.map((row, d) =>
    row.map((m) => (days[d]!.size ? m / 60 / days[d]!.size : 0)),
  );
  return {
    sessions: records.map((r) => ({
      sessionId: r.sessionId,
      name: r.name,
      firstAt: r.firstAt,
      helped: r.visits.length,
      medianWaitMs: median(r.visits.map((v) => v.waitMs)),
    })),
    heat,
    waits,
    perTa: [...perTa].map(([ta, helped]) => ({ ta, helped })).sort((a, b) => b.helped - a.helped),
  };
}

function localTime(t: number): { weekday: number; hour: number; day: string } {
  const d = new Date(t);
  return { weekday: (d.getDay() + 6) % 7, hour: d.getHours(), day: d.toDateString() };
}

/** The history as CSV: one row per helped visit. */
export function historyCsv(records: readonly SessionRecord[]): string {
  const rows = ['session,session_name,joined_at,wait_min,help_min,ta'];
  for (const r of records)
    for (const v of r.visits)
      rows.push(
        [
          r.sessionId,
          cell(r.name),
          new Date(v.at).toISOString(),
          (v.waitMs / 60_000).toFixed(1),
          v.helpMs === null ? '' : (v.helpMs / 60_000).toFixed(1),
          cell(v.ta),
        ].join(','),
      );
  return `${rows.join('\n')}\n`;
}
