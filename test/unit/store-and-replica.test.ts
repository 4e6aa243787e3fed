import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { asCommandId, asDeviceId, asMemberId, uuidV7Time } from '../../core/ids';
import { issueMemberId } from '../../core/member-ids';
import { SeededRandom } from '../../core/random';
import { AckTracker } from '../../core/replication/ack-tracker';
import { createSessionDoc } from '../../core/replication/document';
import { OUTBOX_KEY, Outbox, parseOutbox } from '../../core/replication/outbox';
import { DOC_KEY, Replica } from '../../core/replication/replica';
import { parseIdentity } from '../../core/session/identity';
import { FileStore } from '../../core/store/file-store';
import { MemoryStore } from '../../core/store/store';
import { type SetState, setApp, valuesOf } from '../sim/set-app';

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => new Uint8Array(Buffer.concat([a, b]));
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'baton-store-'));

describe('member ids', () => {
  it('are issued in increasing order even when the issuing clock goes backwards', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2e12 }), { minLength: 1, maxLength: 30 }),
        (times) => {
          const r = new SeededRandom(7);
          const ids: string[] = [];
          for (const t of times) {
            const id = issueMemberId(ids, t, r);
            assert.ok(
              ids.every((x) => x < id),
              `${id} not after ${ids.at(-1)}`,
            );
            ids.push(id);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('carry the issuing time when the clock is sane', () => {
    const id = issueMemberId([], 1_700_000_000_000, new SeededRandom(1));
    assert.equal(uuidV7Time(id), 1_700_000_000_000);
  });
});

describe('FileStore', () => {
  it('saves atomically, appends and reloads from disk', () => {
    const dir = tmp();
    const s = new FileStore(dir);
    assert.equal(s.load('doc.bin'), null);
    s.save('doc.bin', new Uint8Array([1, 2, 3]));
    s.append('doc.bin', new Uint8Array([4]));
    assert.deepEqual([...(new FileStore(dir).load('doc.bin') ?? [])], [1, 2, 3, 4]);
    s.save('doc.bin', new Uint8Array([9]));
    assert.deepEqual([...(s.load('doc.bin') ?? [])], [9]);
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.includes('.tmp')),
      [],
      'no temp files left behind',
    );
    s.remove('doc.bin');
    assert.equal(s.load('doc.bin'), null);
  });

  it('refuses keys that could escape its directory', () => {
    const s = new FileStore(tmp());
    assert.throws(() => s.save('../evil', new Uint8Array([1])), /invalid store key/);
  });
});

describe('AckTracker', () => {
  it('releases a payload once every holder reports a head at or after its change', () => {
    const t = new AckTracker<string>();
    const m1 = asMemberId('m1');
    const m2 = asMemberId('m2');
    const c1 = t.recordChange('h1');
    const c2 = t.recordChange('h2');
    t.add(c1, 'first');
    t.add(c2, 'second');
    assert.deepEqual(t.release([m1, m2]), []);
    t.reportHeads(m1, ['h2']);
    assert.deepEqual(t.release([m1, m2]), []);
    t.reportHeads(m2, ['h1']);
    assert.deepEqual(t.release([m1, m2]), ['first']);
    t.reportHeads(m2, ['h2']);
    assert.deepEqual(t.release([m1, m2]), ['second']);
    // With no other live member, the host's own store is enough.
    t.add(t.recordChange('h3'), 'solo');
    assert.deepEqual(t.release([]), ['solo']);
  });
});

describe('Outbox', () => {
  it('persists unacknowledged commands and resends them when due', () => {
    const store = new MemoryStore();
    const o = new Outbox(store, []);
    o.add({ id: asCommandId('c1'), body: { op: 'add', value: 'x' }, createdAt: 0 });
    o.markSent(asCommandId('c1'), 0);
    assert.equal(o.due(100, 1000).length, 0);
    assert.equal(o.due(1000, 1000).length, 1);
    const reopened = new Outbox(store, parseOutbox(store.load(OUTBOX_KEY)));
    assert.deepEqual(
      reopened.list().map((e) => e.id),
      ['c1'],
    );
    assert.equal(reopened.due(0, 1000).length, 1, 'a restart resends at once');
    assert.ok(reopened.remove(asCommandId('c1')));
    assert.equal(new Outbox(store, parseOutbox(store.load(OUTBOX_KEY))).list().length, 0);
  });
});

describe('Replica', () => {
  const make = () => {
    const store = new MemoryStore();
    const host = asMemberId('0001');
    const doc = createSessionDoc<SetState>(
      { id: 's', name: 'S', createdAt: 0 },
      { memberId: host, deviceId: asDeviceId('d1'), name: 'A' },
      setApp.init(),
      'aa',
    );
    return { store, r: Replica.create(store, doc), host };
  };
  const ctx = (id: string) => ({
    sessionId: 's',
    commandId: asCommandId(id),
    sender: asMemberId('0001'),
    now: 1000,
    epoch: 1000,
  });

  it('applies a command once; a repeat is a no-op that returns the same result', () => {
    const { r } = make();
    const a = r.applyCommand(setApp, asCommandId('c1'), { op: 'add', value: 'x' }, ctx('c1'));
    assert.equal(a.kind, 'applied');
    const heads = r.heads().join();
    const b = r.applyCommand(setApp, asCommandId('c1'), { op: 'add', value: 'x' }, ctx('c1'));
    assert.equal(b.kind, 'duplicate');
    assert.deepEqual(b.result, a.result);
    assert.equal(r.heads().join(), heads, 'no new change for a repeat');
    assert.deepEqual(valuesOf(r.doc.app), ['x']);
  });

  it("a member's broadcasts merge into the core and its view catches up when read: state, members, later changes and saves all agree", () => {
    const { r } = make();
    const member = Replica.load<SetState>(r.save(), new MemoryStore(), 'bb');
    const apply = (from: string[]): void => {
      assert.equal(member.applyBroadcast(from, r.changesSince(from)), 'applied');
    };
    for (let i = 0; i < 5; i++) {
      const base = r.heads();
      r.applyCommand(setApp, asCommandId(`c${i}`), { op: 'add', value: `v${i}` }, ctx(`c${i}`));
      apply(base);
      assert.deepEqual(member.heads(), r.heads(), 'heads from the core at once');
    }
    // A member admitted meanwhile shows in the member list without any other read.
    let base = r.heads();
    r.admit(asDeviceId('d2'), 'B', Date.UTC(2026, 11, 2), new SeededRandom(1));
    apply(base);
    assert.equal(member.members().length, 2);
    assert.equal(member.deviceOf(member.members()[1]!), 'd2');
    assert.deepEqual(valuesOf(member.doc.app).sort(), ['v0', 'v1', 'v2', 'v3', 'v4']);
    // More broadcasts, then a sync exchange on a view that is behind: nothing lost.
    base = r.heads();
    r.applyCommand(setApp, asCommandId('c9'), { op: 'add', value: 'v9' }, ctx('c9'));
    apply(base);
    const other = Replica.load<SetState>(r.save(), new MemoryStore(), 'cc');
    for (let i = 0; i < 10; i++) {
      const a = member.generateSync(asMemberId('x'));
      const b = other.generateSync(asMemberId('y'));
      if (!a && !b) break;
      if (a) other.receiveSync(asMemberId('y'), a);
      if (b) member.receiveSync(asMemberId('x'), b);
    }
    assert.equal(valuesOf(member.doc.app).length, 6);
    assert.deepEqual(member.heads(), r.heads());
    // What it saved reloads to the same state.
    const again = Replica.load<SetState>(member.save(), new MemoryStore(), 'dd');
    assert.deepEqual(valuesOf(again.doc.app).sort(), valuesOf(r.doc.app).sort());
    assert.equal(
      member.applyBroadcast(base, r.changesSince(base)),
      'nothing',
      'a repeat changes nothing',
    );
  });

  it('rolls back a rejected command completely', () => {
    const { r } = make();
    const heads = r.heads().join();
    const out = r.applyCommand(setApp, asCommandId('c2'), { op: 'nope' }, ctx('c2'));
    assert.equal(out.kind, 'rejected');
    assert.equal(!out.result.ok && out.result.error.code, 'validation');
    assert.equal(r.heads().join(), heads);
  });

  it('persists every change and reloads the same heads', () => {
    const { r, store } = make();
    for (let i = 0; i < 5; i++)
      r.applyCommand(setApp, asCommandId(`c${i}`), { op: 'add', value: `v${i}` }, ctx(`c${i}`));
    const again = Replica.load<SetState>(store.load(DOC_KEY)!, store, 'bb');
    assert.ok(again);
    assert.deepEqual(again.heads(), r.heads());
    assert.equal(valuesOf(again.doc.app).length, 5);
  });

  it('a joiner snapshot (cached save + changes since) loads to exactly the current document', () => {
    const { r } = make();
    const add = (i: number): void => {
      r.applyCommand(setApp, asCommandId(`c${i}`), { op: 'add', value: `v${i}` }, ctx(`c${i}`));
    };
    for (let i = 0; i < 20; i++) add(i);
    const first = r.snapshot();
    for (let i = 20; i < 30; i++) add(i);
    const second = r.snapshot();
    assert.ok(second.byteLength > first.byteLength, 'the changes since were appended');
    const { store } = make();
    const joiner = Replica.empty<SetState>(store, 'cc');
    assert.ok(joiner.adoptSnapshot(second, 'cc'));
    assert.deepEqual(joiner.heads(), r.heads());
    assert.equal(valuesOf(joiner.doc.app).length, 30);
    // What the joiner stored reloads the same.
    assert.deepEqual(Replica.load<SetState>(store.load(DOC_KEY)!, store, 'dd').heads(), r.heads());
  });

  it('a joiner serves the next joiner the snapshot it adopted (no new save); a copy that resumed from disk saves anew', () => {
    const { r } = make();
    for (let i = 0; i < 300; i++)
      r.applyCommand(setApp, asCommandId(`c${i}`), { op: 'add', value: `v${i}` }, ctx(`c${i}`));
    const base = r.heads();
    const compact = r.save();
    r.applyCommand(setApp, asCommandId('last'), { op: 'add', value: 'last' }, ctx('last'));
    // A host's snapshot as a cached whole document with the changes since appended.
    const snap = concat(compact, r.changesSince(base)[0]!);
    const joiner = Replica.empty<SetState>(new MemoryStore(), 'cc');
    assert.ok(joiner.adoptSnapshot(snap, 'cc'));
    assert.deepEqual(joiner.snapshot(), snap, 'the adopted bytes, reused (a new save is shorter)');
    // A data dir of the same bytes may be an older version's bloat: saved anew, compact.
    const resumed = Replica.load<SetState>(snap, new MemoryStore(), 'bb');
    assert.ok(resumed.snapshot().byteLength < snap.byteLength);
    assert.deepEqual(resumed.heads(), r.heads());
  });

  it('after a load or a snapshot, a write appends only the changes since (not the whole history again)', () => {
    const { r } = make();
    for (let i = 0; i < 300; i++)
      r.applyCommand(setApp, asCommandId(`c${i}`), { op: 'add', value: `v${i}` }, ctx(`c${i}`));
    const whole = r.save();
    // A copy resuming from its disk, and a joiner adopting the host's snapshot.
    const resumed = new MemoryStore();
    resumed.save(DOC_KEY, whole);
    const copies = [Replica.load<SetState>(whole, resumed, 'bb')];
    const joined = new MemoryStore();
    const joiner = Replica.empty<SetState>(joined, 'cc');
    assert.ok(joiner.adoptSnapshot(r.snapshot(), 'cc'));
    copies.push(joiner);
    const base = r.heads();
    r.applyCommand(setApp, asCommandId('n1'), { op: 'add', value: 'new' }, ctx('n1'));
    const one = r.changesSince(base);
    for (const [copy, store] of [
      [copies[0]!, resumed],
      [copies[1]!, joined],
    ] as const) {
      const before = store.load(DOC_KEY)!.byteLength;
      assert.equal(copy.applyBroadcast(base, one), 'applied');
      copy.flush();
      const grew = store.load(DOC_KEY)!.byteLength - before;
      // Automerge's saveIncremental after a load re-encodes every change (here ≈ 60× one).
      assert.ok(grew < 1024, `one change appended ${grew} bytes (the document is ${before})`);
      assert.deepEqual(
        Replica.load<SetState>(store.load(DOC_KEY)!, store, 'dd').heads(),
        r.heads(),
      );
    }
  });
});

describe('identity.json', () => {
  it('an epoch no frame can carry (left by an epoch bomb before the bound) starts over at 0', () => {
    const raw = (epoch: number) =>
      Buffer.from(JSON.stringify({ sessionId: 's', memberId: 'm', epoch }));
    assert.equal(parseIdentity(raw(9007199254741000))!.epoch, 0);
    assert.equal(parseIdentity(raw(-5))!.epoch, 0);
    assert.equal(parseIdentity(raw(42_001))!.epoch, 42_001);
  });
});
