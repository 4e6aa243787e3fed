import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { queueCommandSchema } from '../../core/queue/commands';
import { sha256Hex } from '../../core/queue/passcode';
import {
  activeQueues,
  allEntries,
  liveEntries,
  queuesOf,
  waitingEntries,
} from '../../core/queue/selectors';
import { ACTIVE_STATUSES, MAIN_QUEUE } from '../../core/queue/types';
import { STAFF_KEY, TA, WRONG_KEY, code, loginCmd, makeQueue } from '../unit/queue-fixture';

/**
 * Stateful fuzzing of the queue workflows: random sequences of commands — well-formed and
 * not, from students, staff and strangers, with time passing — go through the real
 * QueueApp and Replica. Nothing may throw, every refusal has a code, and the queue's
 * invariants hold after every step. FUZZ_RUNS / 100 sequences of 10–60 commands; FUZZ_TALLY=1 prints how often each command met each result.
 */
const RUNS = Math.max(50, Math.floor(Number(process.env.FUZZ_RUNS ?? 100_000) / 100));
const opts = { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 20261201) };

const STUDENTS = ['s1', 's2', 's3', 's4', 's5'];
const OPS = queueCommandSchema.options.map((o) => o.shape.op.value);
const KNOWN = new Set([
  'ok',
  'validation',
  'closed',
  'already-queued',
  'not-owner',
  'unknown-entry',
  'unknown-queue',
  'wrong-passcode',
  'too-many-attempts',
  'not-staff',
  'queue-empty',
  'nothing-to-undo',
  'limit',
  'bad-state',
]);

/** One step: who sends what. Entry and queue ids are picked from what exists when it runs. */
const step = fc.record({
  who: fc.oneof(
    { weight: 4, arbitrary: fc.constant(TA) },
    { weight: 1, arbitrary: fc.constantFrom('staff-2', 'stranger') },
    { weight: 4, arbitrary: fc.constantFrom(...STUDENTS) },
  ),
  op: fc.oneof(
    // Every command of the schema; logging out (which makes the rest refused) rarely.
    { weight: 30, arbitrary: fc.constantFrom(...OPS.filter((op) => op !== 'logout')) },
    { weight: 1, arbitrary: fc.constant('logout') },
  ),
  pick: fc.nat(20),
  tag: fc.constantFrom('Lab 3', 'lab 3', 'Project', 'x'.repeat(41), ''),
  text: fc.oneof(fc.string({ maxLength: 8 }), fc.constant('Check-offs')),
  useSecret: fc.boolean(),
  advanceMs: fc.oneof(
    { weight: 6, arbitrary: fc.nat(5_000) },
    { weight: 1, arbitrary: fc.nat(90_000) },
    { weight: 1, arbitrary: fc.constant(10 * 60_000) },
  ),
  /** Now and then a body that is not a command at all. */
  junk: fc.oneof(
    { weight: 12, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  ),
});

const tally = new Map<string, number>();
process.on('exit', () => process.env.FUZZ_TALLY && console.log([...tally].sort().join('\n')));

describe(`fuzz: queue workflows (${RUNS} random sequences)`, () => {
  it('random command sequences never throw and keep the queue consistent', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 10, maxLength: 60 }), (steps) => {
        const q = makeQueue();
        q.login(TA);
        const secretOf = new Map<string, string>();
        for (const s of steps) {
          q.advance(s.advanceMs);
          const entries = allEntries(q.state);
          const entry = entries.length ? entries[s.pick % entries.length]!.id : 'none';
          const queues = queuesOf(q.state);
          const queueId = queues[s.pick % queues.length]!.id;
          const secret = s.useSecret ? secretOf.get(entry) : 'wrong';
          const id = q.nextId();
          const body =
            s.junk !== null
              ? s.junk
              : s.op === 'join'
                ? {
                    op: 'join',
                    name: s.who,
                    topic: s.text,
                    location: '',
                    ownerHash: sha256Hex(`secret-${s.who}-${s.pick}`),
                    ...(s.pick % 3 === 0 ? { queueId } : {}),
                    ...(s.pick % 4 === 0 ? { tag: s.tag } : {}),
                  }
                : s.op === 'login'
                  ? loginCmd(s.who, id, s.who, s.pick % 2 ? STAFF_KEY : WRONG_KEY)
                  : {
                      op: s.op,
                      entryId: entry,
                      secret,
                      queueId,
                      queueIds: s.pick % 2 ? [queueId] : undefined,
                      tag: s.tag,
                      tags: s.pick % 2 ? ['Lab 3', 'Project'] : [s.tag],
                      name: s.text || 'Q',
                      text: s.text,
                      open: s.pick % 2 === 0,
                      position: s.pick % 3 === 0 ? 'front' : s.pick + 1,
                      graceMs: 30_000 + s.pick * 10_000,
                    };
          const r = q.run(s.who, body, id);
          assert.ok(KNOWN.has(code(r)), `unknown result code ${code(r)}`);
          tally.set(`${s.op}:${code(r)}`, (tally.get(`${s.op}:${code(r)}`) ?? 0) + 1);
          if (s.op === 'join' && r.ok && s.junk === null)
            secretOf.set((r.value as { entryId: string }).entryId, `secret-${s.who}-${s.pick}`);
          checkInvariants(q.state);
        }
      }),
      opts,
    );
  });
});

function checkInvariants(state: ReturnType<typeof makeQueue>['state']): void {
  const active = liveEntries(state).filter((e) =>
    (ACTIVE_STATUSES as readonly string[]).includes(e.status),
  );
  const members = active.map((e) => e.member);
  assert.equal(new Set(members).size, members.length, 'one active entry per member');
  const queueIds = new Set(activeQueues(state).map((x) => x.id));
  assert.ok(queueIds.size >= 1, 'a session keeps a queue');
  for (const e of active) {
    assert.ok(queueIds.has(e.queue) || e.queue === MAIN_QUEUE, `entry in a live queue: ${e.queue}`);
    assert.ok(Number.isFinite(e.order), 'a finite place');
    if (e.status !== 'waiting') assert.equal(e.awaySince, null, 'only the waiting are away');
    assert.equal(e.status === 'missing', e.missingSince !== null, 'missing has its time');
  }
  const all = allEntries(state).map((e) => e.id);
  assert.equal(new Set(all).size, all.length, 'every entry listed once');
  const waiting = waitingEntries(state);
  for (let i = 1; i < waiting.length; i++)
    assert.ok(waiting[i - 1]!.order <= waiting[i]!.order, 'the line is in order');
}
