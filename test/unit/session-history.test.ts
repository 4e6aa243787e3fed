import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FIRST_LOOK_MS,
  HISTORY_EVERY_MS,
  MAX_SESSIONS,
  SessionHistory,
  type SessionRecord,
  historyCsv,
  historyStats,
  visitsOf,
} from '../../core/api/session-history';
import { MemoryStore } from '../../core/store/store';
import { TA, makeQueue } from './queue-fixture';

/**
 * Office hours across sessions (#26): each laptop keeps its sessions' helped visits (no
 * student names), and turns them into the pictures instructors ask for.
 */
const MIN = 60_000;
const HOUR = 60 * MIN;
/** A fixed "local time" for the tests: the epoch is a Monday 00:00. */
const tz = (t: number) => {
  const h = Math.floor(t / HOUR);
  return { weekday: Math.floor(h / 24) % 7, hour: h % 24, day: String(Math.floor(h / 24)) };
};
const rec = (sessionId: string, visits: SessionRecord['visits']): SessionRecord => ({
  sessionId,
  name: `OH ${sessionId}`,
  firstAt: visits[0]!.at,
  lastAt: visits.at(-1)!.at,
  visits,
});

describe('office hours across sessions', () => {
  it('a session’s helped visits: when joined, the wait, the help, the TA — and no student', () => {
    const q = makeQueue();
    q.login(TA);
    const id = q.join('ann', 'Ann Lee', 's-ann');
    q.advance(7 * MIN);
    q.run(TA, { op: 'help', entryId: id });
    q.advance(3 * MIN);
    q.run(TA, { op: 'done', entryId: id });
    q.join('ben', 'Ben', 's-ben'); // still waiting: not a helped visit
    const v = visitsOf(q.state, (m) => (m === TA ? 'Prof. Kim' : m));
    assert.deepEqual(v, [{ at: v[0]!.at, waitMs: 7 * MIN, helpMs: 3 * MIN, ta: 'Prof. Kim' }]);
    assert.ok(!JSON.stringify(v).includes('Ann'), 'no student name kept');
  });

  it('busy hours spread each wait over the hours it covered, averaged over the days; waits and TAs are counted', () => {
    // Two Mondays. Monday 1: one student waits 10:30–11:30; Monday 2: one waits 10:00–10:30.
    const week = 7 * 24 * HOUR;
    const s = historyStats(
      [
        rec('a', [{ at: 10.5 * HOUR, waitMs: HOUR, helpMs: 5 * MIN, ta: 'Kim' }]),
        rec('b', [
          { at: week + 10 * HOUR, waitMs: 30 * MIN, helpMs: null, ta: 'Kim' },
          { at: week + 12 * HOUR, waitMs: 2 * MIN, helpMs: MIN, ta: 'Raj' },
        ]),
      ],
      tz,
    );
    // 10:00–11:00 on Mondays: 30 min + 30 min of waiting over 2 days = 0.5 students.
    assert.equal(s.heat[0]![10], 0.5);
    assert.equal(s.heat[0]![11], 0.25); // 30 min over 2 days
    assert.equal(s.heat[1]![10], 0, 'nothing on Tuesday');
    assert.deepEqual(s.waits, [1, 0, 0, 0, 0, 1, 0, 1]); // 2 min, 30 min, 60 min
    assert.deepEqual(s.perTa, [
      { ta: 'Kim', helped: 2 },
      { ta: 'Raj', helped: 1 },
    ]);
    assert.deepEqual(
      s.sessions.map((x) => [x.sessionId, x.helped]),
      [
        ['a', 1],
        ['b', 2],
      ],
    );
  });

  it('kept in the data dir: replaced per session, at most once a minute unless leaving, at most 200 sessions', () => {
    const store = new MemoryStore();
    const h = new SessionHistory(store);
    const visit = (at: number) => ({ at, waitMs: MIN, helpMs: MIN, ta: 'Kim' });
    let reads = 0;
    const visits = (n: number) => () => {
      reads++;
      return Array.from({ length: n }, (_, i) => visit(i * MIN));
    };
    h.record('s1', 'OH', visits(9), 0); // first sight (a join): not read then, it waits on it
    assert.equal(reads, 0);
    h.record('s1', 'OH', visits(1), FIRST_LOOK_MS);
    h.record('s1', 'OH', visits(2), 30_000); // within the minute: not even read
    assert.equal(reads, 1);
    assert.equal(new SessionHistory(store).list()[0]!.visits.length, 1);
    h.record('s1', 'OH', visits(3), 30_000, true); // leaving: now
    assert.equal(new SessionHistory(store).list()[0]!.visits.length, 3);
    h.record('s1', 'OH', visits(4), 30_000 + HISTORY_EVERY_MS);
    assert.equal(h.list().length, 1, 'one record per session');
    for (let i = 0; i < MAX_SESSIONS + 5; i++) h.record(`x${i}`, 'OH', visits(1), i, true);
    assert.equal(h.list().length, MAX_SESSIONS);
  });

  it('exports as CSV, a would-be formula defused', () => {
    const csv = historyCsv([
      rec('a', [{ at: 0, waitMs: 90_000, helpMs: null, ta: '=HYPERLINK("x")' }]),
    ]);
    assert.match(csv, /^session,session_name,joined_at,wait_min,help_min,ta\n/);
    assert.match(csv, /a,OH a,1970-01-01T00:00:00.000Z,1.5,,"'=HYPERLINK\(""x""\)"/);
  });
});
