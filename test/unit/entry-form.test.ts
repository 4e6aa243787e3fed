import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as Automerge from '@automerge/automerge';
import { asCommandId, asMemberId } from '../../core/ids';
import { QueueApp } from '../../core/queue/apply';
import { entryOf } from '../../core/queue/selectors';
import { type Entry, type QueueState, imm } from '../../core/queue/types';
import { type StoredEntry, readEntry, storeEntry } from '../../core/queue/entry-store';
import type { SessionDoc } from '../../core/replication/document';
import { Replica } from '../../core/replication/replica';
import { MemoryStore } from '../../core/store/store';
import { TA, loginCmd, makeQueue } from './queue-fixture';

/** Ops in the document's newest change. */
function opsOfLastChange(r: Replica<QueueState>): number {
  const all = Automerge.getAllChanges(r.doc);
  return Automerge.decodeChange(all[all.length - 1]!).ops.length;
}

const sample: Entry = {
  id: 'e1',
  name: 'Ann',
  topic: 'recursion',
  location: 'table 4',
  member: 'm-ann',
  ownerHash: 'ab'.repeat(32),
  createdAt: 1000,
  order: 3,
  status: 'helping',
  helper: 'staff-ta',
  history: {
    e1: { status: 'waiting', at: 1000, by: 'm-ann', order: 3 },
    c2: { status: 'called', at: 2000, by: 'staff-ta', tie: 1 },
  },
  conflict: null,
  queue: 'q2',
  tag: 'lab 3',
  awaySince: null,
  missingSince: null,
  flag: null,
  message: { text: 'bring your laptop', by: 'staff-ta', at: 1500 },
  group: null,
  online: false,
  meeting: null,
  staffNote: { text: 'tried gdb already', by: 'staff-ta', at: 1600 },
};

describe('queue: the compact stored entry', () => {
  // A visit's ops: the entry's (18), and one for the queue's note of when the student was
  // helped (fairness.ts; its map is made by the first Done: one more, once).
  it('a join costs the document at most 8 ops, a student’s whole visit 19 (the legacy form: 20 and 35)', () => {
    const q = makeQueue();
    q.login(TA);
    const id = q.join('ann');
    assert.ok(opsOfLastChange(q.replica) <= 8, `join: ${opsOfLastChange(q.replica)} ops`);
    let ops = opsOfLastChange(q.replica);
    q.run(TA, { op: 'helpNext' });
    ops += opsOfLastChange(q.replica);
    q.run(TA, { op: 'done', entryId: id });
    ops += opsOfLastChange(q.replica);
    assert.ok(ops <= 20, `join + helpNext + done, the first: ${ops} ops`);
    const id2 = q.join('ben');
    ops = opsOfLastChange(q.replica);
    q.run(TA, { op: 'helpNext' });
    ops += opsOfLastChange(q.replica);
    q.run(TA, { op: 'done', entryId: id2 });
    ops += opsOfLastChange(q.replica);
    assert.ok(ops <= 19, `join + helpNext + done: ${ops} ops`);
    assert.equal(entryOf(q.state, id)!.status, 'done');
  });

  it('reads back what it stored, and a document written in the legacy form reads the same', () => {
    assert.deepEqual(readEntry(storeEntry(sample)), sample);
    const remote = { ...sample, online: true, meeting: 'https://meet.example.edu/ann' };
    assert.deepEqual(readEntry(storeEntry(remote)), remote);
    const legacy: StoredEntry = {
      id: imm('e1'),
      name: imm('Ann'),
      topic: imm('recursion'),
      location: imm('table 4'),
      member: imm('m-ann'),
      ownerHash: imm('ab'.repeat(32)),
      createdAt: 1000,
      order: 3,
      status: imm('helping'),
      helper: imm('staff-ta'),
      history: {
        e1: { status: imm('waiting'), at: 1000, by: imm('m-ann'), order: 3 },
        c2: { status: imm('called'), at: 2000, by: imm('staff-ta'), tie: 1 },
      },
      conflict: null,
      queue: imm('q2'),
      tag: imm('lab 3'),
      message: imm(JSON.stringify(sample.message)),
      staffNote: imm(JSON.stringify(sample.staffNote)),
    };
    assert.deepEqual(readEntry(legacy), sample);
  });

  it('a field written after creation wins over the one the entry was created with', () => {
    const q = makeQueue();
    const id = q.join('ann', 'Ann', 'secret-ann');
    const r = q.run('ann', {
      op: 'edit',
      entryId: id,
      secret: 'secret-ann',
      topic: 'graphs',
      location: 'table 9',
    });
    assert.ok(r.ok, JSON.stringify(r));
    const e = entryOf(q.state, id)!;
    assert.equal(e.topic, 'graphs');
    assert.equal(e.location, 'table 9');
    assert.equal(e.name, 'Ann');
  });

  it('two sides of a split that changed different fields of one entry both keep their change', () => {
    const q = makeQueue();
    q.login(TA);
    const id = q.join('ann', 'Ann', 'secret-ann');
    const bytes = Automerge.save(q.replica.doc);
    const side = (actor: string) =>
      Replica.load<QueueState>(bytes, new MemoryStore(), actor.repeat(32));
    const a = side('a');
    const b = side('b');
    const run = (r: Replica<QueueState>, sender: string, cmd: unknown, id: string) =>
      r.applyCommand(new QueueApp(), asCommandId(id), cmd, {
        sessionId: q.sessionId,
        commandId: asCommandId(id),
        sender: asMemberId(sender),
        now: 2_000_000,
        epoch: 1001,
      }).result;
    assert.ok(
      run(a, 'ann', { op: 'edit', entryId: id, secret: 'secret-ann', topic: 'graphs' }, 'x1').ok,
    );
    assert.ok(run(b, TA, loginCmd(TA, 'y0', 'TA'), 'y0').ok);
    assert.ok(run(b, TA, { op: 'helpNext' }, 'y1').ok);
    const merged = Automerge.merge(Automerge.clone(a.doc), b.doc) as Automerge.Doc<
      SessionDoc<QueueState>
    >;
    const e = entryOf(merged.app, id)!;
    assert.equal(e.topic, 'graphs', 'the student’s edit survived');
    assert.equal(e.status, 'called', 'the staff call survived');
    assert.equal(e.helper, TA);
    assert.deepEqual(Object.keys(e.history).sort(), [id, 'y1'].sort());
  });
});
