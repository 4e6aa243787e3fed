import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UNDO_WINDOW_MS, newQueueState } from '../../core/queue/apply';
import { exportCsv } from '../../core/queue/csv';
import {
  DEFAULT_SETTINGS,
  allEntries,
  entryOf,
  positionOf,
  queuesOf,
  staffStats,
  waitEstimate,
  waitingEntries,
} from '../../core/queue/selectors';
import { MAIN_QUEUE } from '../../core/queue/types';
import { AlertDetector } from '../../core/api/alerts';
import { queueView, staffOnDuty } from '../../core/api/views';
import { TA, TA2, WRONG_KEY, code, makeQueue, verifier } from './queue-fixture';

const status = (q: ReturnType<typeof makeQueue>, id: string) => entryOf(q.state, id)?.status;
const line = (q: ReturnType<typeof makeQueue>, queueIds?: string[]) =>
  waitingEntries(q.state, queueIds).map((e) => e.name);

describe("workflow: can't find you", () => {
  it('a called student marked not found keeps the place for the grace period, then finishes as notfound', () => {
    const q = makeQueue();
    q.login(TA);
    const ann = q.join('ann');
    q.join('ben');
    assert.equal(code(q.run(TA, { op: 'cantFind', entryId: ann })), 'bad-state', 'not called yet');
    q.run(TA, { op: 'helpNext' });
    assert.equal(code(q.run(TA, { op: 'cantFind', entryId: ann })), 'ok');
    assert.equal(status(q, ann), 'missing');
    assert.equal(positionOf(q.state, ann), 0);
    assert.equal(code(q.run('ben', { op: 'cantFind', entryId: ann })), 'not-staff');
    q.advance(DEFAULT_SETTINGS.graceMs - 1);
    assert.deepEqual(q.run(TA, { op: 'expire' }), { ok: true, value: { expired: 0, closed: 0 } });
    assert.equal(status(q, ann), 'missing');
    q.advance(1);
    assert.deepEqual(q.run('ben', { op: 'expire' }), {
      ok: true,
      value: { expired: 1, closed: 0 },
    });
    assert.equal(status(q, ann), 'notfound');
    const csv = exportCsv(q.state, (id) => id);
    assert.match(csv, /,notfound,/);
    assert.ok(csv.split('\r\n')[0]!.includes('notfound_at'));
  });

  it('"I\'m here" puts the student back at the front, flagged for staff; only the owner or staff may say it', () => {
    const q = makeQueue();
    q.login(TA);
    const ann = q.join('ann');
    q.join('ben');
    q.join('cat');
    q.run(TA, { op: 'helpNext' });
    q.run(TA, { op: 'cantFind', entryId: ann });
    assert.equal(code(q.run('ben', { op: 'here', entryId: ann, secret: 'guess' })), 'not-owner');
    assert.equal(code(q.run('ann', { op: 'here', entryId: ann, secret: 'secret-ann' })), 'ok');
    assert.deepEqual(line(q), ['ann', 'ben', 'cat']);
    assert.equal(entryOf(q.state, ann)?.flag, 'Back after "not found"');
    assert.equal(entryOf(q.state, ann)?.missingSince, null);
    assert.equal(
      code(q.run('ann', { op: 'here', entryId: ann, secret: 'secret-ann' })),
      'bad-state',
    );
  });

  it('the grace period is a staff setting, within bounds', () => {
    const q = makeQueue();
    q.login(TA);
    assert.equal(code(q.run('ann', { op: 'setTimers', graceMs: 60_000 })), 'not-staff');
    assert.equal(code(q.run(TA, { op: 'setTimers', graceMs: 1 })), 'validation');
    assert.deepEqual(q.run(TA, { op: 'setTimers', graceMs: 60_000 }), {
      ok: true,
      value: { graceMs: 60_000, awayLimitMs: DEFAULT_SETTINGS.awayLimitMs },
    });
    const ann = q.join('ann');
    q.run(TA, { op: 'help', entryId: ann });
    q.run(TA, { op: 'cantFind', entryId: ann });
    q.advance(60_000);
    q.run(TA, { op: 'expire' });
    assert.equal(status(q, ann), 'notfound');
  });
});

describe('workflow: undo and restore', () => {
  it('Remove, Done and Not found undo within 60 s to the state before; a second undo changes nothing', () => {
    const q = makeQueue();
    q.login(TA);
    const ann = q.join('ann');
    const ben = q.join('ben');
    q.join('cat');
    q.run(TA, { op: 'remove', entryId: ben });
    assert.deepEqual(q.run(TA, { op: 'undo', entryId: ben }), {
      ok: true,
      value: { status: 'waiting' },
    });
    assert.deepEqual(line(q), ['ann', 'ben', 'cat'], 'back at the old place');
    assert.equal(code(q.run(TA, { op: 'undo', entryId: ben })), 'nothing-to-undo');
    assert.deepEqual(line(q), ['ann', 'ben', 'cat']);

    q.run(TA, { op: 'helpNext' });
    q.run(TA, { op: 'start', entryId: ann });
    q.run(TA, { op: 'done', entryId: ann });
    assert.deepEqual(q.run(TA, { op: 'undo', entryId: ann }).ok, true);
    assert.equal(status(q, ann), 'helping');
    assert.equal(entryOf(q.state, ann)?.helper, TA);
    assert.equal(
      code(q.run(TA, { op: 'undo', entryId: ann })),
      'nothing-to-undo',
      'start is no finish',
    );

    q.run(TA, { op: 'cantFind', entryId: ann });
    assert.deepEqual(
      q.run(TA, { op: 'undo', entryId: ann }),
      {
        ok: true,
        value: { status: 'helping' },
      },
      "a mistaken can't-find is undone too",
    );
    q.run(TA, { op: 'cantFind', entryId: ann });
    q.advance(DEFAULT_SETTINGS.graceMs);
    q.run(TA, { op: 'expire' });
    assert.equal(q.run(TA, { op: 'undo', entryId: ann }).ok, true);
    assert.equal(status(q, ann), 'waiting');
    assert.deepEqual(line(q), ['ann', 'ben', 'cat']);
  });

  it('undo is for staff, and only for 60 s; a finished entry is then restored from history', () => {
    const q = makeQueue();
    q.login(TA);
    const ann = q.join('ann');
    q.join('ben');
    q.run(TA, { op: 'remove', entryId: ann });
    assert.equal(code(q.run('ann', { op: 'undo', entryId: ann })), 'not-staff');
    assert.equal(code(q.run(TA, { op: 'undo', entryId: 'nope' })), 'unknown-entry');
    q.advance(UNDO_WINDOW_MS + 1);
    const late = q.run(TA, { op: 'undo', entryId: ann });
    assert.equal(code(late), 'nothing-to-undo');
    assert.match(!late.ok ? late.error.message : '', /restore/);
    // Clear it into the archive; restore still finds it there and puts it back in line.
    q.run(TA, { op: 'clearFinished' });
    assert.equal(entryOf(q.state, ann), null);
    assert.deepEqual(q.run(TA, { op: 'restore', entryId: ann }), {
      ok: true,
      value: { status: 'waiting' },
    });
    assert.deepEqual(line(q), ['ann', 'ben']);
    assert.equal(allEntries(q.state).filter((e) => e.id === ann).length, 1, 'listed once');
    assert.equal(code(q.run(TA, { op: 'restore', entryId: ann })), 'bad-state', 'already in line');
  });

  it('a student already back in line is not restored twice', () => {
    const q = makeQueue();
    q.login(TA);
    const first = q.join('ann');
    q.run('ann', { op: 'withdraw', entryId: first, secret: 'secret-ann' });
    q.join('ann', 'ann', 'secret-ann-2');
    assert.equal(code(q.run(TA, { op: 'restore', entryId: first })), 'already-queued');
    assert.equal(
      code(q.run(TA, { op: 'undo', entryId: first })),
      'nothing-to-undo',
      'withdraw is not undone',
    );
  });
});

describe('workflow: away', () => {
  it('an away student keeps the place; Help next skips them; back returns them to normal', () => {
    const q = makeQueue();
    q.login(TA);
    const ann = q.join('ann');
    const ben = q.join('ben');
    assert.equal(code(q.run('ben', { op: 'away', entryId: ann, secret: 'x' })), 'not-owner');
    assert.equal(code(q.run('ann', { op: 'away', entryId: ann, secret: 'secret-ann' })), 'ok');
    assert.equal(entryOf(q.state, ann)?.awaySince, q.now);
    assert.equal(positionOf(q.state, ann), 1);
    assert.deepEqual(q.run(TA, { op: 'helpNext' }), { ok: true, value: { entryId: ben } });
    assert.equal(status(q, ann), 'waiting');
    assert.equal(code(q.run(TA, { op: 'helpNext' })), 'queue-empty');
    q.run('ann', { op: 'back', entryId: ann, secret: 'secret-ann' });
    assert.equal(entryOf(q.state, ann)?.awaySince, null);
    assert.deepEqual(q.run(TA, { op: 'helpNext' }), { ok: true, value: { entryId: ann } });
  });

  it('past the away limit a student moves down one place per missed turn, never out', () => {
    const q = makeQueue();
    q.login(TA);
    const ann = q.join('ann');
    q.join('ben');
    q.join('cat');
    q.join('dan');
    q.run('ann', { op: 'away', entryId: ann, secret: 'secret-ann' });
    q.run(TA, { op: 'helpNext' }); // ben, within the limit: ann keeps first place
    assert.deepEqual(line(q), ['ann', 'cat', 'dan']);
    q.advance(DEFAULT_SETTINGS.awayLimitMs);
    q.run(TA, { op: 'helpNext' }); // cat; ann is past the limit: one place down
    assert.deepEqual(line(q), ['dan', 'ann']);
    q.run(TA, { op: 'helpNext' }); // dan; nobody behind ann: she stays
    assert.deepEqual(line(q), ['ann']);
    assert.equal(code(q.run(TA, { op: 'helpNext' })), 'queue-empty');
    assert.equal(status(q, ann), 'waiting', 'never out');
    // A TA may still call an away student by hand; that ends the away.
    q.run(TA, { op: 'help', entryId: ann });
    assert.equal(entryOf(q.state, ann)?.awaySince, null);
  });
});

describe('workflow: staff on duty', () => {
  it('counts logged-in staff whose laptops are live, and the wait estimate divides by them', () => {
    const q = makeQueue();
    q.login(TA, 'Kim');
    q.login(TA2, 'Bob');
    const live = new Set([TA]);
    const f = { me: 'student', isLive: (id: string) => live.has(id) };
    assert.deepEqual(staffOnDuty(q.state, f), { count: 1, names: ['Kim'] });
    live.add(TA2);
    assert.deepEqual(staffOnDuty(q.state, f), { count: 2, names: ['Kim', 'Bob'] });
    const one = waitEstimate(q.state, 2, 1);
    const two = waitEstimate(q.state, 2, 2);
    assert.equal(two.highMs * 2, one.highMs);
    assert.deepEqual(waitEstimate(q.state, 2, 0), one, 'nobody on duty estimates as one');
  });
});

describe('workflow: tags and group help', () => {
  it('staff define tags; students pick one; Help group calls every waiting student with it', () => {
    const q = makeQueue();
    q.login(TA);
    assert.equal(
      code(q.run(TA, { op: 'setTags', queueId: MAIN_QUEUE, tags: ['Lab 3', 'lab 3'] })),
      'validation',
      'tags must differ',
    );
    assert.equal(
      code(q.run(TA, { op: 'setTags', queueId: MAIN_QUEUE, tags: ['x'.repeat(41)] })),
      'validation',
    );
    assert.equal(
      code(
        q.run(TA, {
          op: 'setTags',
          queueId: MAIN_QUEUE,
          tags: Array.from({ length: 21 }, (_, i) => `t${i}`),
        }),
      ),
      'validation',
    );
    assert.equal(code(q.run(TA, { op: 'setTags', queueId: 'nope', tags: [] })), 'unknown-queue');
    assert.equal(code(q.run('ann', { op: 'setTags', queueId: MAIN_QUEUE, tags: [] })), 'not-staff');
    q.run(TA, { op: 'setTags', queueId: MAIN_QUEUE, tags: ['Lab 3', 'Project 1'] });
    assert.deepEqual(queuesOf(q.state)[0]!.tags, ['Lab 3', 'Project 1']);
    const bad = q.run('zed', {
      op: 'join',
      name: 'zed',
      topic: '',
      location: '',
      ownerHash: 'a'.repeat(64),
      tag: 'Lab 9',
    });
    assert.equal(code(bad), 'validation');
    const ann = q.join('ann', 'ann', 's1', { tag: 'lab 3' });
    assert.equal(entryOf(q.state, ann)?.tag, 'Lab 3', 'spelled as the queue spells it');
    const ben = q.join('ben', 'ben', 's2', { tag: 'Project 1' });
    const cat = q.join('cat', 'cat', 's3', { tag: 'Lab 3' });
    const dan = q.join('dan', 'dan', 's4', { tag: 'Lab 3' });
    q.run('dan', { op: 'away', entryId: dan, secret: 's4' });
    const r = q.run(TA, { op: 'helpGroup', tag: 'Lab 3' }, 'group-1');
    assert.deepEqual(r, { ok: true, value: { entryIds: [ann, cat] } });
    assert.equal(entryOf(q.state, ann)?.group, 'group-1');
    assert.equal(entryOf(q.state, cat)?.helper, TA);
    assert.deepEqual(line(q), ['ben', 'dan']);
    assert.equal(code(q.run(TA, { op: 'helpGroup', tag: 'Lab 3' })), 'queue-empty', 'dan is away');
    q.run('ben', { op: 'edit', entryId: ben, secret: 's2', tag: 'Lab 3' });
    assert.equal(entryOf(q.state, ben)?.tag, 'Lab 3');
    assert.equal(
      code(q.run('ben', { op: 'edit', entryId: ben, secret: 's2', tag: 'Nope' })),
      'validation',
    );
  });
});

describe('workflow: several queues', () => {
  it('each queue has its own line, open state, tags and stats; Help next takes from the chosen ones', () => {
    const q = makeQueue();
    q.login(TA);
    const made = q.run(TA, { op: 'createQueue', name: 'Check-offs' }, 'q-check');
    assert.deepEqual(made, { ok: true, value: { queueId: 'q-check' } });
    assert.equal(
      code(q.run(TA, { op: 'createQueue', name: 'check-offs' })),
      'bad-state',
      'names differ',
    );
    assert.deepEqual(
      queuesOf(q.state).map((x) => x.name),
      ['General', 'Check-offs'],
    );
    const ann = q.join('ann');
    const ben = q.join('ben', 'ben', 's2', { queueId: 'q-check' });
    const cat = q.join('cat', 'cat', 's3', { queueId: 'q-check' });
    assert.equal(positionOf(q.state, ben), 1, 'places count within a queue');
    assert.equal(positionOf(q.state, cat), 2);
    assert.equal(
      code(
        q.run('ann', {
          op: 'join',
          name: 'a',
          topic: '',
          location: '',
          ownerHash: 'b'.repeat(64),
          queueId: 'q-check',
        }),
      ),
      'already-queued',
      'one queue at a time',
    );
    q.run(TA, { op: 'setOpen', open: false, queueId: MAIN_QUEUE });
    assert.equal(
      code(
        q.run('dan', {
          op: 'join',
          name: 'dan',
          topic: '',
          location: '',
          ownerHash: 'c'.repeat(64),
          queueId: MAIN_QUEUE,
        }),
      ),
      'closed',
    );
    assert.equal(q.state.open, true, 'another queue is still open');
    const dan = q.join('dan', 'dan', 's4');
    assert.equal(entryOf(q.state, dan)?.queue, 'q-check', 'no queue named: the first open one');
    assert.deepEqual(q.run(TA, { op: 'helpNext', queueIds: ['q-check'] }), {
      ok: true,
      value: { entryId: ben },
    });
    assert.deepEqual(
      q.run(TA, { op: 'helpNext' }),
      { ok: true, value: { entryId: ann } },
      'all queues: FIFO by join',
    );
    assert.equal(code(q.run(TA, { op: 'helpNext', queueIds: ['nope'] })), 'unknown-queue');
    q.run(TA, { op: 'done', entryId: ben });
    assert.equal(staffStats(q.state, q.now, 'q-check').helpedToday, 1);
    assert.equal(staffStats(q.state, q.now, MAIN_QUEUE).helpedToday, 0);
    q.run(TA, { op: 'renameQueue', queueId: 'q-check', name: 'Check-offs (lab 3)' });
    assert.equal(
      code(q.run(TA, { op: 'archiveQueue', queueId: 'q-check' })),
      'bad-state',
      'students in it',
    );
    for (const id of [cat, dan]) q.run(TA, { op: 'remove', entryId: id });
    assert.equal(code(q.run(TA, { op: 'archiveQueue', queueId: 'q-check' })), 'ok');
    assert.equal(
      code(q.run(TA, { op: 'archiveQueue', queueId: MAIN_QUEUE })),
      'bad-state',
      'the last one stays',
    );
    assert.equal(code(q.run(TA, { op: 'helpNext', queueIds: ['q-check'] })), 'unknown-queue');
    assert.equal(
      code(q.run(TA, { op: 'restore', entryId: cat })),
      'unknown-queue',
      'its queue is archived',
    );
  });

  it('a session from before several queues reads as one queue and migrates on its first change', () => {
    // As a document written before this version: no queues map, the open flag at the top.
    const { queues: _q, lockouts: _l, ...legacy } = newQueueState(verifier);
    const q = makeQueue({ ...legacy, open: false });
    q.login(TA);
    assert.equal(q.state.queues, undefined);
    assert.deepEqual(
      queuesOf(q.state).map((x) => [x.id, x.open]),
      [[MAIN_QUEUE, false]],
    );
    assert.equal(
      code(
        q.run('ann', { op: 'join', name: 'a', topic: '', location: '', ownerHash: 'a'.repeat(64) }),
      ),
      'closed',
    );
    q.run(TA, { op: 'setOpen', open: true, queueId: MAIN_QUEUE });
    assert.deepEqual(Object.keys(q.state.queues ?? {}), [MAIN_QUEUE]);
    assert.equal(q.state.open, true);
    const ann = q.join('ann');
    assert.equal(entryOf(q.state, ann)?.queue, MAIN_QUEUE);
  });
});

describe('workflow: messages and alerts', () => {
  it('staff send a short note to one student; only that copy shows it', () => {
    const q = makeQueue();
    q.login(TA, 'Kim');
    const ann = q.join('ann');
    q.join('ben');
    assert.equal(code(q.run('ben', { op: 'message', entryId: ann, text: 'hi' })), 'not-staff');
    assert.equal(code(q.run(TA, { op: 'message', entryId: ann, text: '' })), 'validation');
    assert.equal(
      code(q.run(TA, { op: 'message', entryId: ann, text: 'x'.repeat(301) })),
      'validation',
    );
    q.run(TA, { op: 'message', entryId: ann, text: "I'm at the whiteboard by the door" });
    const facts = (me: string) => ({
      me,
      ownEntries: new Set<string>(),
      isLive: () => true,
      memberName: (id: string) => (id === TA ? 'Kim' : id),
      pending: [],
    });
    const annView = queueView(q.state, facts('ann')).entries.find((e) => e.entryId === ann)!;
    assert.deepEqual(annView.message?.text, "I'm at the whiteboard by the door");
    assert.equal(annView.message?.from, 'Kim');
    const benView = queueView(q.state, facts('ben')).entries.find((e) => e.entryId === ann)!;
    assert.equal(benView.message, null);
  });

  it('the alert detector: up next once when moving into reach, called, not found, a new note', () => {
    const q = makeQueue();
    q.login(TA);
    q.join('a1');
    q.join('a2');
    const me = q.join('me');
    const view = () =>
      queueView(q.state, {
        me: 'me',
        ownEntries: new Set(),
        isLive: () => true,
        memberName: () => 'Kim',
        pending: [],
      });
    const d = new AlertDetector();
    const o = { isStaff: false, alertAtPosition: 2 };
    assert.deepEqual(d.next(view(), o), [], '3rd: not yet');
    q.run(TA, { op: 'helpNext' });
    assert.deepEqual(
      d.next(view(), o).map((a) => a.event),
      ['upNext'],
    );
    q.run(TA, { op: 'helpNext' });
    assert.deepEqual(d.next(view(), o), [], 'already alerted while in reach');
    q.run(TA, { op: 'helpNext' });
    assert.deepEqual(
      d.next(view(), o).map((a) => a.event),
      ['called'],
    );
    q.run(TA, { op: 'cantFind', entryId: me });
    const missing = d.next(view(), o);
    assert.deepEqual(
      missing.map((a) => a.event),
      ['cantFind'],
    );
    assert.equal(
      (missing[0]!.data as { graceEndsAt: number }).graceEndsAt,
      q.now + DEFAULT_SETTINGS.graceMs,
    );
    q.run(TA, { op: 'message', entryId: me, text: 'Where are you?' });
    assert.deepEqual(
      d.next(view(), o).map((a) => a.event),
      ['message'],
    );
    assert.deepEqual(d.next(view(), o), []);
  });
});

describe('phones', () => {
  it("a phone's entry is the phone's: one per phone, beside its laptop's own, and the laptop's staff login gives it no powers", () => {
    const q = makeQueue();
    q.login(TA);
    const owner = 'phone:' + 'a'.repeat(32);
    const phone = q.run(TA, {
      op: 'join',
      name: 'Pat',
      topic: '',
      location: '',
      ownerHash: 'b'.repeat(64),
      owner,
    });
    assert.equal(code(phone), 'ok');
    const again = q.run(TA, {
      op: 'join',
      name: 'Pat',
      topic: '',
      location: '',
      ownerHash: 'b'.repeat(64),
      owner,
    });
    assert.equal(code(again), 'already-queued', 'one entry per phone');
    const mine = q.join(TA, 'the TA laptop student');
    assert.ok(mine, "the laptop's own student is separate");
    const id = (phone as { value: { entryId: string } }).value.entryId;
    assert.equal(entryOf(q.state, id)?.member, owner);
    assert.equal(
      code(q.run(TA, { op: 'withdraw', entryId: mine, secret: 'nope', forPhone: true })),
      'not-owner',
      'carried for a phone: the secret decides, not the staff login',
    );
    assert.equal(
      code(q.run(TA, { op: 'withdraw', entryId: id })),
      'ok',
      'staff themselves still may',
    );
    assert.equal(
      code(
        q.run('x', {
          op: 'join',
          name: 'a',
          topic: '',
          location: '',
          ownerHash: 'c'.repeat(64),
          owner: 'member-z',
        }),
      ),
      'validation',
    );
  });
});

describe('passcode lockout', () => {
  it('outlives a host change: the count is in the document', () => {
    const q = makeQueue();
    for (let i = 0; i < 3; i++) assert.equal(code(q.loginWith('eve', WRONG_KEY)), 'wrong-passcode');
    q.newHost();
    assert.equal(code(q.loginWith('eve')), 'too-many-attempts');
    q.advance(1_000);
    assert.equal(code(q.loginWith('eve', WRONG_KEY)), 'wrong-passcode');
    assert.equal(q.state.lockouts?.eve?.count, 4);
  });
});
