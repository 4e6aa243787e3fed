import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paramsSchema } from '../../core/api/contract';
import { queueView } from '../../core/api/views';
import { newQueueState } from '../../core/queue/apply';
import { queueCommandSchema } from '../../core/queue/commands';
import {
  anchoredSessionId,
  isAnchored,
  trustedLock,
  trustedStaff,
} from '../../core/queue/staff-trust';
import { imm } from '../../core/queue/types';
import {
  STAFF_KDF,
  deriveLegacyKey,
  loginProof,
  makeLegacyVerifier,
  lockOf,
  lockParams,
  makeStaffLock,
  signRotation,
  staffKey,
} from '../../core/queue/passcode';
import {
  PASSPHRASE,
  STAFF_KEY,
  TA,
  TA2,
  TEST_KDF,
  code,
  loginCmd,
  makeQueue,
  verifier,
} from './queue-fixture';

/**
 * Staff logins that a packet capture cannot replay and a student's laptop that hosts
 * cannot reuse: the document holds only the public half of a passphrase-derived key, and a
 * login is a signature bound to the member and the command (core/queue/passcode.ts).
 */
describe('staff login: nothing on the wire logs anyone in again', () => {
  it('a captured login replayed by another member, or by the same member in a new command, is refused', () => {
    const q = makeQueue();
    const seen = loginCmd(TA, 'cmd-ta-login', 'Tina');
    assert.equal(code(q.run(TA, seen, 'cmd-ta-login')), 'ok');
    assert.ok(q.state.staff[TA]);
    // Everything a bystander (or the host) saw: the command body, as sent.
    assert.equal(code(q.run('eve', seen, 'cmd-eve-1')), 'wrong-passcode');
    assert.equal(q.state.staff.eve, undefined);
    // Under eve's own name the proof is still the TA's.
    assert.equal(code(q.run('eve', { ...seen, name: 'eve' }, 'cmd-eve-2')), 'wrong-passcode');
    // The TA logs out; the old proof in a new command does not log them back in either.
    assert.equal(code(q.run(TA, { op: 'logout' })), 'ok');
    assert.equal(code(q.run(TA, seen, 'cmd-ta-again')), 'wrong-passcode');
    assert.equal(q.state.staff[TA], undefined);
  });

  it('the document holds no key and no verifier of the key a login uses: only its public half', () => {
    const q = makeQueue();
    q.login(TA);
    const doc = JSON.stringify(q.replica.doc);
    const privateSeed = STAFF_KEY.export({ format: 'der', type: 'pkcs8' }).subarray(16);
    assert.ok(!doc.includes(privateSeed.toString('hex')));
    assert.ok(!doc.includes(privateSeed.toString('base64')));
    assert.deepEqual(Object.keys(q.state.passcode).sort(), [
      'N',
      'p',
      'publicKey',
      'r',
      'salt',
      'v',
    ]);
  });

  it('a legacy key is refused by a session with a lock; a proof is refused by a legacy session', () => {
    const q = makeQueue();
    const legacyKey = deriveLegacyKey(PASSPHRASE, { salt: verifier.salt, N: 1 << 14, r: 8, p: 1 });
    assert.equal(code(q.run(TA, { op: 'login', key: legacyKey, name: 'TA' })), 'wrong-passcode');
    const old = makeQueue(newQueueState(makeLegacyVerifier('lab-42', new Uint8Array(16))));
    assert.equal(code(old.loginWith(TA)), 'wrong-passcode');
    const key = deriveLegacyKey('lab-42', old.state.passcode as never);
    assert.equal(code(old.run(TA, { op: 'login', key, name: 'TA' })), 'ok');
  });

  it('a session from before is upgraded by its staff: a new passphrase, after which only proofs log in', () => {
    const old = makeQueue(newQueueState(makeLegacyVerifier('lab-42', new Uint8Array(16))));
    assert.equal(queueView(old.state, viewer).passphraseOutdated, true);
    const lock = makeStaffLock('a much longer passphrase', new Uint8Array(16).fill(7), STAFF_KDF);
    assert.equal(code(old.run('eve', { op: 'setPassphrase', lock })), 'not-staff');
    const key = deriveLegacyKey('lab-42', old.state.passcode as never);
    assert.equal(code(old.run(TA, { op: 'login', key, name: 'TA' })), 'ok');
    assert.equal(code(old.run(TA, { op: 'setPassphrase', lock })), 'ok');
    assert.equal(queueView(old.state, viewer).passphraseOutdated, false);
    assert.equal(code(old.run('bob', { op: 'login', key, name: 'bob' })), 'wrong-passcode');
    const id = old.nextId();
    const newKey = staffKey('a much longer passphrase', lock);
    assert.equal(code(old.run('bob', loginCmdFor(newKey, lock, 'bob', id), id)), 'ok');
  });

  it('a passphrase is at least 10 characters, and a lock never cheaper than the real cost', () => {
    const create = paramsSchema['session.create'];
    assert.equal(create.safeParse({ name: 'CS', staffPasscode: 'lab-42' }).success, false);
    assert.equal(create.safeParse({ name: 'CS', staffPasscode: 'lab-42-please' }).success, true);
    assert.equal(
      paramsSchema['staff.setPassphrase'].safeParse({ passphrase: '123456789' }).success,
      false,
    );
    const cheap = makeStaffLock('a much longer passphrase', new Uint8Array(16), TEST_KDF);
    const r = queueCommandSchema.safeParse({ op: 'setPassphrase', lock: cheap });
    assert.equal(r.success, false, 'a cheap lock would make guessing cheap again');
  });
});

const viewer = {
  me: TA,
  ownEntries: new Set<string>(),
  isLive: () => true,
  memberName: (id: string) => id,
  pending: [],
};

function loginCmdFor(
  key: ReturnType<typeof staffKey>,
  lock: ReturnType<typeof makeStaffLock>,
  who: string,
  id: string,
) {
  return { op: 'login', proof: loginProof(key, lock, who, id), name: who };
}

describe('staff-trust: a host that writes the document cannot make staff or swap the lock', () => {
  const mallory = makeStaffLock('mallory-passphrase', new Uint8Array(16).fill(7), TEST_KDF);
  const malloryKey = staffKey('mallory-passphrase', mallory);

  it("a new session's id is derived from its lock (UUID version 8); one from before is not", () => {
    const sid = anchoredSessionId(verifier);
    assert.match(sid, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(isAnchored(sid), true);
    assert.notEqual(anchoredSessionId(mallory), sid);
    assert.equal(isAnchored('6f1c1a52-3c0e-4c4e-9f7a-2d8e5b0c9a11'), false);
    assert.equal(trustedLock({ passcode: verifier }, sid), verifier);
    assert.equal(trustedLock({ passcode: mallory }, sid), null, 'a swapped lock is no lock');
  });

  it('records a host wrote without a proof, or with a proof for another member or by another key, make nobody staff', () => {
    const q = makeQueue();
    q.login(TA);
    const ta = q.state.staff[TA]!;
    const cmd = 'cmd-forged';
    const forged = newQueueState(verifier);
    forged.staff = {
      [TA]: ta,
      nobody: { name: imm('Mallory'), since: 1 },
      copied: { name: imm('Mallory'), since: 1, proof: ta.proof!, cmd: ta.cmd! },
      otherKey: {
        name: imm('Mallory'),
        since: 1,
        proof: imm(loginProof(malloryKey, verifier, 'otherKey', cmd)),
        cmd: imm(cmd),
      },
    };
    assert.deepEqual(Object.keys(trustedStaff(forged, q.sessionId)), [TA]);
    // On a host of that document: their staff commands are refused, the TA's are not.
    const h = makeQueue(forged);
    h.join('ann');
    for (const who of ['nobody', 'copied', 'otherKey'])
      assert.equal(code(h.run(who, { op: 'helpNext' })), 'not-staff', who);
    assert.equal(code(h.run(TA, { op: 'helpNext' })), 'ok');
  });

  it('a lock swapped in with records its key proves: nobody is staff, and no login opens it', () => {
    const forged = newQueueState(mallory);
    const cmd = 'cmd-forged';
    forged.staff = {
      mallory: {
        name: imm('Mallory'),
        since: 1,
        proof: imm(loginProof(malloryKey, mallory, 'mallory', cmd)),
        cmd: imm(cmd),
      },
    };
    const h = makeQueue(forged, anchoredSessionId(verifier));
    h.join('ann');
    assert.equal(code(h.run('mallory', { op: 'helpNext' })), 'not-staff');
    const id = h.nextId();
    const own = { op: 'login', proof: loginProof(malloryKey, mallory, 'mallory', id), name: 'M' };
    assert.equal(code(h.run('mallory', own, id)), 'no-lock');
    assert.equal(code(h.loginWith(TA)), 'no-lock', 'the real passphrase is off too: no lock');
  });

  it('the passphrase changes only by a move the current key signed; every login under the old lock ends', () => {
    const q = makeQueue();
    q.login(TA);
    q.login(TA2);
    q.join('ann');
    const params = lockParams(new Uint8Array(16).fill(9), STAFF_KDF);
    const newKey = staffKey('a-brand-new-passphrase', params);
    const next = lockOf(params, newKey);
    // Unsigned, or signed by any key but the current one: refused, nothing changes.
    assert.equal(code(q.run(TA, { op: 'setPassphrase', lock: next })), 'wrong-passcode');
    const forged = signRotation(malloryKey, verifier, next);
    assert.equal(
      code(q.run(TA, { op: 'setPassphrase', lock: next, sig: forged })),
      'wrong-passcode',
    );
    assert.deepEqual(trustedLock(q.state, q.sessionId), verifier);
    // Signed by the current key: the new lock holds.
    const sig = signRotation(STAFF_KEY, verifier, next);
    assert.equal(code(q.run(TA, { op: 'setPassphrase', lock: next, sig })), 'ok');
    assert.deepEqual(trustedLock(q.state, q.sessionId), next);
    assert.deepEqual(Object.keys(trustedStaff(q.state, q.sessionId)), [], 'old logins end');
    assert.equal(code(q.run(TA2, { op: 'helpNext' })), 'not-staff');
    assert.equal(code(q.loginWith(TA2)), 'wrong-passcode', 'the old passphrase opens nothing');
    const id = q.nextId();
    const login = { op: 'login', proof: loginProof(newKey, next, TA2, id), name: TA2 };
    assert.equal(code(q.run(TA2, login, id)), 'ok');
    assert.equal(code(q.run(TA2, { op: 'helpNext' })), 'ok');
  });

  it('a rotation a host wrote into the document without the current key is ignored by every reader', () => {
    const forged = newQueueState(verifier);
    forged.rotations = [{ lock: mallory, sig: imm(signRotation(malloryKey, verifier, mallory)) }];
    const sid = anchoredSessionId(verifier);
    assert.equal(trustedLock(forged, sid), verifier, 'the chain stops at the forged link');
    const cmd = 'cmd-forged';
    forged.staff = {
      m: { name: imm('M'), since: 1, proof: imm(loginProof(malloryKey, mallory, 'm', cmd)), cmd },
    };
    assert.deepEqual(Object.keys(trustedStaff(forged, sid)), []);
  });

  it('a session from before the anchor takes its records as written (SECURITY.md says so)', () => {
    const legacy = newQueueState(makeLegacyVerifier('0000'));
    legacy.staff = { old: { name: imm('Old TA'), since: 1 } };
    assert.deepEqual(Object.keys(trustedStaff(legacy, '6f1c1a52-3c0e-4c4e-9f7a-2d8e5b0c9a11')), [
      'old',
    ]);
  });
});
