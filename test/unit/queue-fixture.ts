import type { ViewerFacts } from '../../core/api/views';
import assert from 'node:assert/strict';
import { asCommandId, asDeviceId, asMemberId } from '../../core/ids';
import { QueueApp, newQueueState } from '../../core/queue/apply';
import type { KeyObject } from 'node:crypto';
import { loginProof, makeStaffLock, sha256Hex, staffKey } from '../../core/queue/passcode';
import type { QueueState } from '../../core/queue/types';
import { isStaffLock } from '../../core/queue/passphrase';
import { anchoredSessionId } from '../../core/queue/staff-trust';
import { createSessionDoc } from '../../core/replication/document';
import { Replica } from '../../core/replication/replica';
import type { Result } from '../../core/result';
import { MemoryStore } from '../../core/store/store';

/** A host-side queue for unit tests: commands go through the real Replica + QueueApp. */

export const TA = 'staff-ta';
export const TA2 = 'staff-bob';
export const PASSPHRASE = 'letmein-please';
/** A test-only scrypt cost (a real lock costs 2^17): keeps thousands of logins fast. */
export const TEST_KDF = { N: 1 << 10, r: 8, p: 1 };
export const verifier = makeStaffLock(PASSPHRASE, new Uint8Array(16), TEST_KDF);
export const STAFF_KEY = staffKey(PASSPHRASE, verifier);
export const WRONG_KEY = staffKey('not the passphrase', verifier);
/** The id of a session created with `verifier` (derived from it: staff-trust.ts). */
export const SESSION_ID = anchoredSessionId(verifier);

/** `who`'s login command `id`, signed with `key` (the staff key unless told). */
export const loginCmd = (who: string, id: string, name = who, key: KeyObject = STAFF_KEY) => ({
  op: 'login',
  proof: loginProof(key, verifier, who, id),
  name,
});

/** A host-side queue: commands go through the real Replica + QueueApp, as on the host. */
export function makeQueue(
  base: QueueState = newQueueState(verifier),
  // The session's id: derived from its lock; a session from before the anchor (a legacy
  // verifier) has a random one.
  sessionId = isStaffLock(base.passcode)
    ? anchoredSessionId(base.passcode)
    : '6f1c1a52-3c0e-4c4e-9f7a-2d8e5b0c9a11',
) {
  let app = new QueueApp(base);
  const doc = createSessionDoc<QueueState>(
    { id: sessionId, name: 'CPSC 416', createdAt: 0 },
    { memberId: asMemberId(TA), deviceId: asDeviceId('d'), name: 'TA' },
    app.init(),
    'aa',
  );
  const replica = Replica.create(new MemoryStore(), doc);
  let n = 0;
  let now = 1_000_000;
  let epoch = 1000;
  const q = {
    replica,
    sessionId,
    get now(): number {
      return now;
    },
    /** The host changes: a new app instance (nothing in memory) in a new epoch. */
    newHost() {
      app = new QueueApp();
      epoch++;
    },
    get state(): QueueState {
      return replica.doc.app;
    },
    advance(ms: number) {
      now += ms;
    },
    nextId(): string {
      return `cmd-${n++}`;
    },
    run(sender: string, cmd: unknown, id = `cmd-${n++}`): Result<unknown> {
      const out = replica.applyCommand(app, asCommandId(id), cmd, {
        sessionId,
        commandId: asCommandId(id),
        sender: asMemberId(sender),
        now,
        epoch,
      });
      return out.result;
    },
    join(student: string, name = student, secret = `secret-${student}`, extra: object = {}) {
      const r = q.run(student, {
        op: 'join',
        name,
        topic: 'recursion',
        location: 'table 4',
        ownerHash: sha256Hex(secret),
        ...extra,
      });
      assert.ok(r.ok, JSON.stringify(r));
      return (r.value as { entryId: string }).entryId;
    },
    /** `who` logs in with `key` (the staff key unless told); the result. */
    loginWith(who: string, key: KeyObject = STAFF_KEY, name = who): Result<unknown> {
      const id = q.nextId();
      return q.run(who, loginCmd(who, id, name, key), id);
    },
    login(who: string, name = who) {
      const r = q.loginWith(who, STAFF_KEY, name);
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal((r.value as { refused?: string }).refused, undefined);
    },
  };
  return q;
}

/** A result's error code, 'ok' on success; a refused login (ok, with a refusal) is its refusal. */
export const code = (r: Result<unknown>): string =>
  r.ok ? ((r.value as { refused?: string } | null)?.refused ?? 'ok') : r.error.code;

/** What a view needs to know of its reader: `me`, the entries it owns; everyone live, named by id. */
export const viewerFacts = (me: string, own: string[] = []): ViewerFacts => ({
  me,
  ownEntries: new Set(own),
  isLive: () => true,
  memberName: (id) => id,
  pending: [],
});
