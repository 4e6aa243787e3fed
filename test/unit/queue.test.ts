import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KEEP_FINISHED, newQueueState } from '../../core/queue/apply';
import { LIMITS } from '../../core/queue/commands';
import { exportCsv } from '../../core/queue/csv';
import { sha256Hex } from '../../core/queue/passcode';
import { reconcileQueue } from '../../core/queue/reconcile';
import {
  allEntries,
  entryOf,
  liveEntries,
  positionOf,
  staffStats,
  waitEstimate,
  waitingEntries,
} from '../../core/queue/selectors';
import { type QueueState, text } from '../../core/queue/types';
import { TA, TA2, WRONG_KEY, code, makeQueue, verifier } from './queue-fixture';

describe('queue: students', () => {
  it('join puts a student in line with host time and order; one active entry per copy', () => {
    const q = makeQueue();
    const a = q.join('ann');
    q.advance(1000);
    const b = q.join('ben');
    assert.deepEqual(
      waitingEntries(q.state).map((e) => e.id),
      [a, b],
    );
    assert.equal(entryOf(q.state, a)!.createdAt, 1_000_000);
    assert.equal(positionOf(q.state, b), 2);
    assert.equal(
      code(
        q.run('ann', {
          op: 'join',
          name: 'Ann',
          topic: '',
          location: '',
          ownerHash: sha256Hex('x'),
        }),
      ),
      'already-queued',
    );
  });

  it('join is refused while the queue is closed', () => {
    const q = makeQueue();
    q.login(TA);
    assert.equal(code(q.run(TA, { op: 'setOpen', open: false })), 'ok');
    const r = q.run('ann', {
      op: 'join',
      name: 'Ann',
      topic: '',
      location: '',
      ownerHash: sha256Hex('s'),
    });
    assert.equal(code(r), 'closed');
    assert.equal(code(q.run(TA, { op: 'setOpen', open: true })), 'ok');
    q.join('ann');
  });

  it('malformed input is refused with a clear validation error', () => {
    const q = makeQueue();
    for (const bad of [
      null,
      42,
      { op: 'join' },
      { op: 'join', name: '', topic: '', location: '', ownerHash: sha256Hex('s') },
      { op: 'join', name: 'x'.repeat(500), topic: '', location: '', ownerHash: sha256Hex('s') },
      { op: 'join', name: 'A', topic: '', location: '', ownerHash: 'nothex' },
      { op: 'launch' },
      { op: 'requeue', entryId: 'e', position: 0 },
    ]) {
      const r = q.run('ann', bad);
      assert.equal(code(r), 'validation', JSON.stringify(bad));
      assert.ok(!r.ok && r.error.message.length > 0);
    }
    assert.equal(Object.keys(q.state.entries).length, 0);
  });

  it('only the owner (by its secret) or staff may edit or withdraw', () => {
    const q = makeQueue();
    const a = q.join('ann', 'Ann', 'ann-secret');
    assert.equal(code(q.run('eve', { op: 'withdraw', entryId: a })), 'not-owner');
    assert.equal(code(q.run('eve', { op: 'withdraw', entryId: a, secret: 'guess' })), 'not-owner');
    assert.equal(
      code(q.run('eve', { op: 'edit', entryId: a, secret: 'guess', topic: 'x' })),
      'not-owner',
    );
    assert.equal(
      code(q.run('ann', { op: 'edit', entryId: a, secret: 'ann-secret', topic: 'graphs' })),
      'ok',
    );
    assert.equal(entryOf(q.state, a)!.topic, 'graphs');
    assert.equal(code(q.run('ann', { op: 'withdraw', entryId: a, secret: 'ann-secret' })), 'ok');
    assert.equal(entryOf(q.state, a)!.status, 'withdrawn');
    assert.equal(
      code(q.run('ann', { op: 'withdraw', entryId: a, secret: 'ann-secret' })),
      'bad-state',
    );
    assert.equal(
      code(q.run('ann', { op: 'withdraw', entryId: 'nope', secret: 'x' })),
      'unknown-entry',
    );
    const b = q.join('ben');
    q.login(TA);
    assert.equal(
      code(q.run(TA, { op: 'withdraw', entryId: b })),
      'ok',
      'staff may withdraw anyone',
    );
  });

  it('a repeated command id changes nothing and returns the same result', () => {
    const q = makeQueue();
    const body = { op: 'join', name: 'Ann', topic: '', location: '', ownerHash: sha256Hex('s') };
    const first = q.run('ann', body, 'same-id');
    const heads = q.replica.heads().join();
    const again = q.run('ann', body, 'same-id');
    assert.deepEqual(again, first);
    assert.equal(q.replica.heads().join(), heads);
    assert.equal(waitingEntries(q.state).length, 1);
  });
});

describe('queue: staff', () => {
  it('staff commands need a login; a wrong passcode is refused and backs off', () => {
    const q = makeQueue();
    q.join('ann');
    assert.equal(code(q.run(TA, { op: 'helpNext' })), 'not-staff');
    assert.equal(code(q.loginWith(TA, WRONG_KEY)), 'wrong-passcode');
    assert.equal(code(q.loginWith(TA, WRONG_KEY)), 'wrong-passcode');
    assert.equal(code(q.loginWith(TA, WRONG_KEY)), 'wrong-passcode');
    assert.equal(code(q.loginWith(TA)), 'too-many-attempts');
    q.advance(1_500);
    q.login(TA);
    assert.equal(code(q.run(TA, { op: 'helpNext' })), 'ok');
    assert.equal(code(q.run(TA, { op: 'logout' })), 'ok');
    assert.equal(code(q.run(TA, { op: 'setOpen', open: false })), 'not-staff');
  });

  it('help next is FIFO by host order; queue-empty when nobody waits', () => {
    const q = makeQueue();
    q.login(TA);
    assert.equal(code(q.run(TA, { op: 'helpNext' })), 'queue-empty');
    const a = q.join('ann');
    const b = q.join('ben');
    const r = q.run(TA, { op: 'helpNext' });
    assert.deepEqual(r, { ok: true, value: { entryId: a } });
    assert.equal(entryOf(q.state, a)!.status, 'called');
    assert.equal(entryOf(q.state, a)!.helper, TA);
    assert.equal(positionOf(q.state, a), 0);
    assert.equal(positionOf(q.state, b), 1);
  });

  it('help a given entry, start, done; wrong states and unknown entries are refused', () => {
    const q = makeQueue();
    q.login(TA);
    const a = q.join('ann');
    const b = q.join('ben');
    assert.equal(code(q.run(TA, { op: 'done', entryId: b })), 'bad-state');
    assert.equal(code(q.run(TA, { op: 'help', entryId: b })), 'ok');
    assert.equal(code(q.run(TA, { op: 'help', entryId: b })), 'bad-state');
    assert.equal(code(q.run(TA, { op: 'start', entryId: b })), 'ok');
    assert.equal(entryOf(q.state, b)!.status, 'helping');
    q.advance(60_000);
    assert.equal(code(q.run(TA, { op: 'done', entryId: b })), 'ok');
    assert.equal(entryOf(q.state, b)!.status, 'done');
    assert.equal(code(q.run(TA, { op: 'help', entryId: 'ghost' })), 'unknown-entry');
    assert.equal(code(q.run(TA, { op: 'remove', entryId: a })), 'ok');
    assert.equal(entryOf(q.state, a)!.status, 'removed');
    assert.equal(code(q.run(TA, { op: 'remove', entryId: a })), 'bad-state');
  });

  it('requeue puts a student back at the front, the back, or a given position', () => {
    const q = makeQueue();
    q.login(TA);
    const [a, b, c, d] = ['ann', 'ben', 'cat', 'dan'].map((s) => q.join(s));
    q.run(TA, { op: 'helpNext' }); // ann called
    assert.equal(code(q.run(TA, { op: 'requeue', entryId: a!, position: 'back' })), 'ok');
    assert.deepEqual(
      waitingEntries(q.state).map((e) => e.id),
      [b, c, d, a],
    );
    assert.equal(code(q.run(TA, { op: 'requeue', entryId: a!, position: 'front' })), 'ok');
    assert.deepEqual(
      waitingEntries(q.state).map((e) => e.id),
      [a, b, c, d],
    );
    assert.equal(code(q.run(TA, { op: 'requeue', entryId: a!, position: 3 })), 'ok');
    assert.deepEqual(
      waitingEntries(q.state).map((e) => e.id),
      [b, c, a, d],
    );
    assert.equal(entryOf(q.state, a!)!.helper, null);
    assert.equal(
      code(q.run(TA, { op: 'requeue', entryId: 'ghost', position: 1 })),
      'unknown-entry',
    );
  });

  it('announcement, clear finished (to the archive), and automatic archiving', () => {
    const q = makeQueue();
    q.login(TA);
    assert.equal(code(q.run(TA, { op: 'setAnnouncement', text: 'Back in 5' })), 'ok');
    assert.equal(text(q.state.announcement), 'Back in 5');
    for (let i = 0; i < 3; i++) {
      q.join(`s${i}`);
      q.run(TA, { op: 'helpNext' });
      q.run(TA, {
        op: 'done',
        entryId: waitingEntries(q.state)[0]?.id ?? Object.keys(q.state.entries).at(-1),
      });
    }
    const r = q.run(TA, { op: 'clearFinished' });
    assert.ok(r.ok);
    assert.equal(Object.keys(q.state.entries).length, 0);
    assert.equal(allEntries(q.state).length, 3, 'history kept in the archive');
    for (let i = 0; i < KEEP_FINISHED + 10; i++) {
      const e = q.join(`t${i}`);
      q.run(TA, { op: 'remove', entryId: e });
    }
    const finishedLive = liveEntries(q.state).filter((e) => e.status === 'removed');
    assert.ok(
      finishedLive.length >= KEEP_FINISHED && finishedLive.length <= KEEP_FINISHED + 1,
      `${finishedLive.length} finished entries kept live`,
    );
    assert.equal(allEntries(q.state).length, 3 + KEEP_FINISHED + 10);
  });
});

describe('queue: selectors and export', () => {
  it('wait estimate is a range with little data, then median × position', () => {
    const q = makeQueue();
    q.login(TA);
    const none = waitEstimate(q.state, 2, 1);
    assert.deepEqual(none, { lowMs: 4 * 60_000, highMs: 16 * 60_000, samples: 0 });
    const helpMinutes = [2, 4, 6, 8, 10];
    for (const m of helpMinutes) {
      const e = q.join(`s${m}`);
      q.run(TA, { op: 'help', entryId: e });
      q.advance(m * 60_000);
      q.run(TA, { op: 'done', entryId: e });
    }
    const est = waitEstimate(q.state, 3, 1);
    assert.deepEqual(est, { lowMs: 3 * 6 * 60_000, highMs: 3 * 6 * 60_000, samples: 5 });
    const stats = staffStats(q.state, 1_000_000 + 31 * 60_000);
    assert.equal(stats.helpedToday, 5);
    assert.equal(stats.medianHelpMs, 6 * 60_000);
  });

  it('CSV has every entry and timestamp, escaped, with formula injection defused', () => {
    const q = makeQueue();
    q.login(TA, 'Tina');
    const e = q.join('ann', '=HYPERLINK("x")');
    q.run('ann', { op: 'edit', entryId: e, secret: 'secret-ann', topic: 'lists, "trees"' });
    q.run(TA, { op: 'helpNext' });
    q.run(TA, { op: 'done', entryId: e });
    const csv = exportCsv(q.state, (id) => (id === TA ? 'Tina' : id));
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines.length, 2);
    assert.match(
      lines[0]!,
      /^entry_id,name,topic,location,queue,tag,status,helper,joined_at,called_at/,
    );
    assert.ok(lines[1]!.includes(`"'=HYPERLINK(""x"")"`), lines[1]);
    assert.ok(lines[1]!.includes('"lists, ""trees"""'));
    assert.ok(lines[1]!.includes('Tina'));
    assert.ok(lines[1]!.includes(',General,,done,'), 'queue and (no) tag');
    assert.equal(
      (lines[1]!.match(/\d{4}-\d\d-\d\dT/g) ?? []).length,
      3 + 3,
      'joined, called, done + history',
    );
  });

  it('reconcile: two staff calling one student during a split resolves to the earliest call, visibly', () => {
    const q = makeQueue();
    q.login(TA, 'Tina');
    q.login(TA2, 'Bob');
    const a = q.join('ann');
    // Simulate the merged history of two sides: Bob called at t+2s, Tina at t+1s.
    const merged = JSON.parse(JSON.stringify(q.state)) as QueueState;
    const entry = merged.entries[a]!;
    entry.history['side-b'] = { status: 'called', at: 1_002_000, by: TA2 };
    entry.history['side-a'] = { status: 'called', at: 1_001_000, by: TA };
    entry.status = 'called';
    entry.helper = TA2; // whatever the merge picked
    reconcileQueue(merged, 0);
    assert.equal(text(entry.helper), TA);
    assert.match(text(entry.conflict), /Tina and Bob .*Tina keeps this student/);
    const again = JSON.stringify(merged);
    reconcileQueue(merged, 0);
    assert.equal(JSON.stringify(merged), again, 'idempotent');
  });
});

describe('a healed split that archived the same entry twice', () => {
  it('every copy lists it once, furthest along; the next term drops the live leftover', () => {
    const entry = (status: 'waiting' | 'done', at: number) => ({
      id: 'e1',
      name: 'Ana',
      topic: 't',
      location: 'l',
      member: 'm1',
      ownerHash: 'h',
      createdAt: 1,
      order: 1,
      status,
      helper: null,
      history: { a: { status: 'waiting' as const, at: 1, by: 'm1' }, b: { status, at, by: 's' } },
      conflict: null,
    });
    const state = newQueueState(verifier);
    state.entries.e1 = entry('waiting', 5) as unknown as QueueState['entries'][string];
    state.archive['1000.1'] = { e1: JSON.stringify(entry('done', 9)) };
    state.archive['2001.1'] = { e1: JSON.stringify(entry('done', 7)) };
    const all = allEntries(state);
    assert.equal(all.length, 1);
    assert.equal(all[0]!.status, 'done');
    assert.equal(all[0]!.history.b!.at, 9, 'the latest change wins among equals');
    assert.equal(
      exportCsv(state, () => '')
        .trim()
        .split('\r\n').length,
      2,
      'one CSV row',
    );
    reconcileQueue(state, 10);
    assert.equal(state.entries.e1, undefined);
    assert.equal(allEntries(state).length, 1);
  });
});

describe('queue: one laptop cannot fill the line', () => {
  it('a laptop making up phone owners stops at LIMITS.phoneEntriesPerLaptop active entries; other laptops still join', () => {
    const q = makeQueue();
    const phoneJoin = (i: number) =>
      q.run('mallory', {
        op: 'join',
        name: `fake ${i}`,
        topic: '',
        location: '',
        ownerHash: sha256Hex(`s${i}`),
        owner: `phone:${i.toString(16).padStart(32, '0')}`,
      });
    const codes = Array.from({ length: LIMITS.phoneEntriesPerLaptop + 20 }, (_, i) =>
      code(phoneJoin(i)),
    );
    assert.equal(codes.filter((c) => c === 'ok').length, LIMITS.phoneEntriesPerLaptop);
    assert.ok(codes.slice(LIMITS.phoneEntriesPerLaptop).every((c) => c === 'limit'));
    assert.equal(waitingEntries(q.state).length, LIMITS.phoneEntriesPerLaptop);
    q.join('ann'); // a real student on another laptop is not affected
    assert.equal(waitingEntries(q.state).length, LIMITS.phoneEntriesPerLaptop + 1);
  });
});
