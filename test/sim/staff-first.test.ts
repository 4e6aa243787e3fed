import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as Automerge from '@automerge/automerge';
import { QueueApp } from '../../core/queue/apply';
import { valueAt } from '../../core/replication/core-reads';
import { loginProof, makeStaffLock, staffKey } from '../../core/queue/passcode';
import { type QueueState, imm, text } from '../../core/queue/types';
import { TEST_KDF } from '../unit/queue-fixture';
import { certText } from '../../core/session/certs';
import { simSigner } from './sim-signer';
import { type QueueRoom, assertSafe, classroom } from './queue-room';

/**
 * Staff laptops come first in the successorship order (#24): a student's laptop hosts only
 * while no staff laptop is live. Laptop 0 creates the session (the TA), laptops 1 and 2 are
 * students who joined early, laptop 3 is a second TA who arrived last. Before the rule, the
 * earliest member id was next — a student's laptop, which then ordered every change.
 */
describe('staff first in the successorship order', () => {
  it('the host TA leaves: the other TA hosts, not the student who joined before them', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const room = await classroom(4, seed);
      await room.ok(3, 'staff.login', { passcode: 'letmein-please' });
      room.run(1_000);
      const before = await room.ok(1, 'status');
      assert.equal(
        before.successors[1],
        before.members[3]!.memberId,
        `seed ${seed}: the TA is next`,
      );
      room.crash(0);
      room.runUntil(() => room.agreedHost() !== null && room.agreedHost() !== 0, 10_000);
      assert.equal(room.agreedHost(), 3, `seed ${seed}: the staff laptop took over`);
      await room.ok(1, 'queue.join', { name: 'Ann', topic: 'recursion', location: 'table 4' });
      assertSafe(room);
    }
  });

  it('a student hosts while no staff laptop is live, and hands hosting to a TA who logs in', async () => {
    const room = await classroom(3, 11);
    // The TA's laptop (0) goes; the earliest student (1) hosts: nobody better is live.
    room.crash(0);
    room.runUntil(() => room.agreedHost() === 1, 10_000);
    assert.equal(room.agreedHost(), 1);
    // A TA logs in on laptop 2: once stable for the window, hosting moves to it.
    await room.ok(2, 'staff.login', { passcode: 'letmein-please' });
    room.runUntil(() => room.agreedHost() === 2, 60_000);
    assert.equal(room.agreedHost(), 2, 'hosting moved to the staff laptop');
    await room.ok(1, 'queue.join', { name: 'Ann', topic: 'recursion', location: 'table 4' });
    assertSafe(room);
  });
});

describe('a student laptop that hosts while a TA logs in', () => {
  it('sees the login and can do nothing with it: replayed in every form, it makes nobody staff', async () => {
    const room = await classroom(3, 21);
    // The TA's laptop goes: the earliest student (laptop 1) hosts, and records every frame.
    room.crash(0);
    room.runUntil(() => room.agreedHost() === 1, 10_000);
    const seen: string[] = [];
    const untap = room.net.tap((_from, to, type, frame) => {
      if (to === room.laptops[1]!.device && type === 'cmd') seen.push(frame);
    });
    await room.ok(2, 'staff.login', { passcode: 'letmein-please' });
    untap();
    const login = seen
      .map((f) => JSON.parse(f) as { id: string; body: { op: string; proof?: string } })
      .find((m) => m.body.op === 'login');
    assert.ok(login, 'the host saw the login command');
    const host = room.peer(1)!;
    const me = host.memberId!;
    const attempts: [string, unknown, string | undefined][] = [
      ['as sent, under a new id', login.body, undefined],
      ['as sent, under its own id', login.body, login.id],
      ['under its own name', { ...login.body, name: 'laptop 1' }, undefined],
    ];
    for (const [what, body, id] of attempts) {
      const { done } = host.submit(body, id as never);
      await room.drive(done);
      room.run(500);
      const st = await room.ok(1, 'status');
      assert.equal(st.isStaff, false, `${what}: the student's laptop became staff`);
      const q = host.doc!.app;
      assert.equal(q.staff[me], undefined, `${what}: a staff record for the student`);
    }
    assert.ok(host.doc!.app.staff[room.peer(2)!.memberId!], 'the TA is staff');
    assertSafe(room);
  });
});

/**
 * A student's copy running a modified Baton hosts (the TA's laptop is gone) and writes what
 * it likes into the document: every honest copy applies its changes — the host's word is
 * the document — yet none believes a staff record the session's lock did not prove, nor a
 * lock the session was not created with (its id is derived from the lock: staff-trust.ts).
 */
describe('a modified student copy that hosts writes staff records and a lock of its own', () => {
  const forge = (room: QueueRoom, write: (app: QueueState, sid: string) => void): void => {
    const host = room.peer(1)!;
    const doc = host.doc!;
    const evil = Automerge.clone(doc, { actor: 'e'.repeat(32) });
    const after = Automerge.change(evil, (d) => write(d.app, host.sessionId!));
    // Signed with the host's device key, as its modified copy would (certs.ts): members
    // keep the certificate, and the host takes its own change back when they push it.
    const device = room.laptops[1]!.device;
    const heads = Automerge.getHeads(after);
    const text = certText(host.sessionId!, host.epoch, host.memberId!, heads);
    const cert = { epoch: host.epoch, by: host.memberId, heads, ...simSigner(device).sign(text) };
    const frame = {
      type: 'changes',
      from: host.memberId,
      epoch: host.epoch,
      base: Automerge.getHeads(doc),
      data: Automerge.getChanges(doc, after).map((c) => Buffer.from(c).toString('base64')),
      cert,
    };
    // From the host's own device, as its modified copy would send them...
    room.net.endpoint(device).send(room.laptops[2]!.device, JSON.stringify(frame));
    // ...and hold them: here laptop 2 shows them to it, signed, as a member would.
    const sync = Automerge.encodeSyncMessage({
      heads,
      need: [],
      have: [],
      changes: Automerge.getChanges(doc, after),
    });
    const push = {
      type: 'sync',
      from: room.peer(2)!.memberId,
      epoch: host.epoch,
      data: Buffer.from(sync).toString('base64'),
      certs: [cert],
    };
    room.net.endpoint(room.laptops[2]!.device).send(device, JSON.stringify(push));
    room.run(1_000);
  };
  const mallory = makeStaffLock('mallory-passphrase', new Uint8Array(16).fill(7), TEST_KDF);
  const malloryKey = staffKey('mallory-passphrase', mallory);

  for (const [what, write] of [
    [
      'records with no proof, and the TA’s proof copied onto another member',
      (app: QueueState) => {
        const ta = Object.values(app.staff)[0]!;
        for (const id of [student(1), student(2)])
          app.staff[id] = { name: imm('Mallory (TA)'), since: 1, proof: ta.proof, cmd: ta.cmd };
      },
    ],
    [
      'a lock of its own, with records its key proves',
      (app: QueueState) => {
        app.passcode = { ...mallory };
        for (const id of [student(1), student(2)]) {
          const cmd = `0190a000-0000-7000-8000-${id.slice(-12)}`;
          app.staff[id] = {
            name: imm('Mallory (TA)'),
            since: 1,
            proof: imm(loginProof(malloryKey, mallory, id, cmd)),
            cmd: imm(cmd),
          };
        }
      },
    ],
  ] as const) {
    it(`${what}: no copy counts them, nor ranks them first`, async () => {
      const room = await classroom(3, 31);
      ids = room.laptops.map((l) => l.service.currentPeer!.memberId!);
      room.crash(0);
      room.runUntil(() => room.agreedHost() === 1, 10_000);
      forge(room, write);
      const honest = room.peer(2)!;
      // The forged change arrived (the test is not empty)...
      assert.equal(text(honest.doc!.app.staff[student(2)]?.name), 'Mallory (TA)');
      // ...and changed nothing a copy believes.
      const st = await room.ok(2, 'status');
      assert.equal(st.isStaff, false, 'laptop 2 counts itself staff');
      assert.deepEqual(st.staffOnDuty.names, [], 'a forged TA is on duty');
      const q = await room.ok(2, 'queue.get');
      assert.equal(q.staffOnDuty.count, 0);
      // Nor does the successorship order: only proven staff come first.
      const read = (path: readonly string[]) => honest.doc && valueAt(honest.doc, path);
      // (A swapped lock proves nobody, the TA neither: staff powers off, never on.)
      const ta = what.startsWith('a lock') ? [] : [ids[0]];
      assert.deepEqual(new QueueApp().preferredHosts(read, honest.sessionId!), ta);
      // The forger's own passphrase opens nothing; the staff commands stay closed.
      const r = await room.call(2, 'staff.login', { passcode: 'mallory-passphrase' });
      assert.equal(r.ok, false);
      const help = await room.call(2, 'staff.helpNext');
      assert.equal(help.ok ? 'ok' : help.error.code, 'not-staff');
      assertSafe(room);
    });
  }

  let ids: string[] = [];
  const student = (i: number): string => ids[i]!;
});

/**
 * #23's insider: a student's copy, modified, claims to host at a newer epoch four times a
 * second. Before, the newer epoch won: every copy followed it and the room's commands
 * waited on a host that applied nothing. A live TA's laptop that hosts now outranks any
 * claim by a member that is not staff.
 */
describe('a modified student copy claims hosting while a TA’s laptop hosts', () => {
  it('nobody follows it, the TA keeps hosting, and the students are served throughout', async () => {
    for (const seed of [1, 2, 3]) {
      const room = await classroom(4, 40 + seed);
      await room.ok(0, 'staff.setOpen', { open: true });
      const ta = room.peer(0)!;
      const evil = room.peer(3)!;
      const wire = room.net.endpoint(room.laptops[3]!.device);
      let epoch = ta.epoch;
      const claim = (): void => {
        epoch += 1_000; // as far as one frame may go past what the others have seen
        const hb = {
          type: 'hb',
          from: evil.memberId,
          epoch,
          role: 'host',
          hostId: evil.memberId,
          seq: 1,
          echo: -1,
          hostAgoMs: 0,
          eligible: true,
          heads: [],
        };
        for (const i of [0, 1, 2]) wire.send(room.laptops[i]!.device, JSON.stringify(hb));
      };
      const hosts = new Set<number | null>();
      for (let k = 0; k < 8; k++) {
        for (let t = 0; t < 1_000; t += 250) {
          claim();
          room.run(250);
          hosts.add(room.agreedHost());
        }
        const name = `s${k}`;
        const r = await room.call(
          1 + (k % 2),
          'queue.join',
          { name, topic: '', location: '' },
          3_000,
        );
        assert.ok(r.ok, `seed ${seed}: join ${k} during the claims: ${JSON.stringify(r)}`);
        const id = (r.ok && (r.value as { entryId: string }).entryId) || '';
        const w = await room.call(1 + (k % 2), 'queue.withdraw', { entryId: id }, 3_000);
        assert.ok(w.ok, `seed ${seed}: withdraw ${k} during the claims: ${JSON.stringify(w)}`);
      }
      assert.deepEqual([...hosts], [0], `seed ${seed}: the room followed the claim`);
      assert.equal(room.peer(1)!.hostId, ta.memberId);
      assertSafe(room);
    }
  });

  it('a split where a student hosted the other side heals to one host, nothing lost, and back to the TA once stable', async () => {
    const room = await classroom(4, 51);
    await room.ok(0, 'staff.setOpen', { open: true });
    room.partition([0, 1], [2, 3]);
    room.runUntil(() => room.peer(2)!.role === 'host', 10_000);
    assert.equal(room.peer(2)!.role, 'host', 'the students’ side elected one of its own');
    const a = await room.ok(1, 'queue.join', { name: 'Ann', topic: '', location: '' });
    const b = await room.ok(3, 'queue.join', { name: 'Ben', topic: '', location: '' });
    room.heal();
    // The TA's side meets members that moved to a newer host: the TA yields (they did not
    // follow a claim, they followed a promotion), and hosting comes back by failback.
    assert.notEqual(
      room.runUntil(() => room.agreedHost() !== null, 10_000),
      null,
      'one host',
    );
    room.run(2_000);
    const q = await room.ok(0, 'queue.get');
    const ids = q.entries.map((e) => e.entryId);
    assert.ok(ids.includes(a.entryId) && ids.includes(b.entryId), 'both sides’ joins kept');
    room.runUntil(() => room.agreedHost() === 0, 60_000);
    assert.equal(room.agreedHost(), 0, 'the TA hosts again once stable');
    assertSafe(room);
  });

  it('a student laptop cut off alone hosts its own side; when it is back, the TA reasserts and it follows: one host, nothing lost', async () => {
    // The relay's "relay down and back" on the sim: laptop 3 is alone, the TA's side has
    // everyone else. Nobody follows laptop 3's newer epoch, so
    // the TA's host is not made to yield — it must take the room back under a newer epoch
    // still, or the two hosts stay apart for good (seen on the LAN before the fix).
    for (const seed of [61, 62, 63]) {
      const room = await classroom(4, seed);
      await room.ok(0, 'staff.setOpen', { open: true });
      room.partition([0, 1, 2], [3]);
      room.runUntil(() => room.peer(3)!.role === 'host', 10_000);
      assert.equal(room.peer(3)!.role, 'host', `seed ${seed}: alone, it hosts its own side`);
      // Alone, a student's laptop acks nothing: no later host would take what only it
      // holds (certs.ts). Ann's join waits in its outbox, shown as sending.
      const joining = room.laptops[3]!.service.call('queue.join', {
        name: 'Ann',
        topic: '',
        location: '',
      });
      await assert.rejects(room.drive(joining, 3_000), /no answer/, `seed ${seed}: acked alone`);
      const { pending } = await room.ok(3, 'queue.get');
      assert.ok(
        pending.some((p) => /no other laptop/.test(p.reason ?? '')),
        `seed ${seed}: says why it waits: ${JSON.stringify(pending)}`,
      );
      const b = await room.ok(1, 'queue.join', { name: 'Ben', topic: '', location: '' });
      room.heal();
      room.runUntil(() => room.agreedHost() === 0, 10_000);
      assert.equal(room.agreedHost(), 0, `seed ${seed}: one host, the TA's laptop`);
      const joined = await room.drive(joining);
      assert.ok(joined.ok, `seed ${seed}: Ann's join acked once the room is back`);
      const a = joined.value;
      room.run(2_000);
      for (const i of [0, 3]) {
        const ids = (await room.ok(i, 'queue.get')).entries.map((e) => e.entryId);
        assert.ok(
          ids.includes(a.entryId) && ids.includes(b.entryId),
          `seed ${seed}: laptop ${i} has both`,
        );
      }
      assertSafe(room);
    }
  });
  // The nemesis lost four acknowledged joins this way (CI, seed 24102): the TA's laptop,
  // alone in a split, acked the phones it carried on its own disk; when the split healed it
  // followed the students' newer host and, with no certificate of its own term to show,
  // was refused that term and rebased it away.
  for (const how of ['the split heals', 'it is killed and restarts'] as const) {
    it(`the TA's laptop cut off alone acks on its own disk; ${how}, it follows the students' host: nothing it acked is lost`, async () => {
      for (const seed of [71, 72, 73]) {
        const room = await classroom(4, seed);
        await room.ok(0, 'staff.setOpen', { open: true });
        room.partition([0], [1, 2, 3]);
        room.runUntil(() => [1, 2, 3].some((i) => room.peer(i)!.role === 'host'), 10_000);
        const alone = await room.ok(0, 'queue.join', { name: 'Ada', topic: '', location: '' });
        const other = await room.ok(1, 'queue.join', { name: 'Ben', topic: '', location: '' });
        if (how === 'it is killed and restarts') {
          room.crash(0);
          room.run(500);
          room.heal();
          room.restart(0);
        } else room.heal();
        room.runUntil(() => room.agreedHost() !== null, 10_000);
        room.run(3_000);
        for (const i of [0, 1, 2, 3]) {
          const ids = (await room.ok(i, 'queue.get')).entries.map((e) => e.entryId);
          assert.ok(
            ids.includes(alone.entryId) && ids.includes(other.entryId),
            `seed ${seed}: laptop ${i} holds both joins (${how})`,
          );
        }
        assertSafe(room);
      }
    });
  }
  it('a second TA who logs in while cut off alone acks there; back in the room, its laptop follows the room rather than wait for ever, and what it acked alone is dropped', async () => {
    // Its login is in no other copy, so the room's host does not prefer it and refuses the
    // term its own certificate signs (SECURITY.md names this case). Judged by its own
    // document, where the login makes it staff, it would wait for ever for that host to
    // take it (certs.ts `unmergedCerts` counts its own certificate only where the host's
    // document prefers it).
    for (const seed of [81, 82, 83]) {
      const room = await classroom(4, seed);
      await room.ok(0, 'staff.setOpen', { open: true });
      room.partition([0, 1, 2], [3]);
      room.runUntil(() => room.peer(3)!.role === 'host', 10_000);
      await room.ok(3, 'staff.login', { passcode: 'letmein-please' });
      const ada = await room.ok(3, 'queue.join', { name: 'Ada', topic: '', location: '' });
      room.heal();
      assert.notEqual(
        room.runUntil(() => room.agreedHost() !== null && room.converged(), 20_000),
        null,
        `seed ${seed}: every laptop follows one host with the same document`,
      );
      const ids = (await room.ok(3, 'queue.get')).entries.map((e) => e.entryId);
      assert.ok(!ids.includes(ada.entryId), `seed ${seed}: the join it acked alone is dropped`);
      assertSafe(room);
    }
  });

  it('a passphrase changed while a second TA is cut off alone ends its login there too: back in the room, its laptop follows the room; what it acked alone is dropped', async () => {
    // The one case where an acknowledged command is dropped (SECURITY.md): a new passphrase
    // ends every login made under the old one (staff-trust.ts), a TA's laptop cut off alone
    // cannot know, and acks on its login; the room's host no longer prefers it, so its own
    // signature vouches for nothing there. Its laptop must still follow the room.
    for (const seed of [91, 92]) {
      const room = await classroom(4, seed);
      await room.ok(0, 'staff.setOpen', { open: true });
      await room.ok(3, 'staff.login', { passcode: 'letmein-please' });
      room.run(2_000);
      room.partition([0, 1, 2], [3]);
      room.runUntil(() => room.peer(3)!.role === 'host', 10_000);
      const ada = await room.ok(3, 'queue.join', { name: 'Ada', topic: '', location: '' });
      // It is closed; meanwhile the room's TA changes the passphrase; it comes back.
      room.crash(3);
      await room.ok(0, 'staff.setPassphrase', {
        passphrase: 'a-new-passphrase-for-the-room',
        current: 'letmein-please',
      });
      room.heal();
      room.restart(3);
      assert.notEqual(
        room.runUntil(() => room.agreedHost() === 0 && room.converged(), 20_000),
        null,
        `seed ${seed}: every laptop follows the TA's laptop with the same document`,
      );
      const ids = (await room.ok(3, 'queue.get')).entries.map((e) => e.entryId);
      assert.ok(!ids.includes(ada.entryId), `seed ${seed}: the join it acked alone is dropped`);
      assertSafe(room);
    }
  });
});
