import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paramsSchema } from '../../core/api/contract';
import { queueView } from '../../core/api/views';
import { newQueueState } from '../../core/queue/apply';
import { queueCommandSchema } from '../../core/queue/commands';
import {
  STAFF_KDF,
  deriveLegacyKey,
  loginProof,
  makeLegacyVerifier,
  makeStaffLock,
  staffKey,
} from '../../core/queue/passcode';
import {
  PASSPHRASE,
  STAFF_KEY,
  TA,
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
