import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { saveIdentity } from '../../core/session/identity';
import { asCommandId, asMemberId, asSessionId } from '../../core/ids';
import { QueueApp, newQueueState } from '../../core/queue/apply';
import {
  deriveLegacyKey,
  loginProof,
  makeLegacyVerifier,
  makeStaffLock,
  sha256Hex,
  staffKey,
} from '../../core/queue/passcode';
import { isStaffLock } from '../../core/queue/passphrase';
import { anchoredSessionId } from '../../core/queue/staff-trust';
import type { QueueState } from '../../core/queue/types';
import { createSessionDoc } from '../../core/replication/document';
import { Replica } from '../../core/replication/replica';
import { FileStore } from '../../core/store/file-store';
import { DeviceKey } from '../../core/transport/device-key';

/**
 * A laptop's data dir holding a session with `entries` past students (each joined,
 * helped and done), as after a long term of office hours: the host resumes it on start.
 */
export function seedHistory(
  dataDir: string,
  entries: number,
  /** A session from before staff locks: its legacy passcode (its TA is logged in). */
  legacyPasscode?: string,
): void {
  fs.mkdirSync(dataDir, { recursive: true });
  const deviceId = DeviceKey.loadOrCreate(dataDir).deviceId;
  const memberId = asMemberId(uuidv7());
  const verifier = legacyPasscode
    ? makeLegacyVerifier(legacyPasscode)
    : makeStaffLock('letmein-please');
  // A new session's id is derived from its lock; one from before the lock was random.
  const sessionId = asSessionId(isStaffLock(verifier) ? anchoredSessionId(verifier) : randomUUID());
  const app = new QueueApp(newQueueState(verifier));
  const store = new FileStore(path.join(dataDir, 'sessions', sessionId));
  let now = Date.now() - entries * 3000;
  const replica = Replica.create(
    store,
    createSessionDoc<QueueState>(
      { id: sessionId, name: 'Big history', createdAt: now },
      { memberId, deviceId, name: 'Laptop 0' },
      app.init(),
      memberId.replace(/-/g, ''),
    ),
  );
  const run = (sender: string, body: unknown | ((id: string) => unknown)): unknown => {
    now += 1000;
    const id = asCommandId(uuidv7({ msecs: now }));
    if (typeof body === 'function') body = body(id);
    const r = replica.applyCommand(app, id, body, {
      sessionId,
      commandId: id,
      sender: asMemberId(sender),
      now,
      epoch: 1000,
    });
    if (!r.result.ok) throw new Error(JSON.stringify(r.result));
    return r.result.value;
  };
  if (isStaffLock(verifier)) {
    const key = staffKey('letmein-please', verifier);
    run(memberId, (id: string) => ({
      op: 'login',
      proof: loginProof(key, verifier, memberId, id),
      name: 'TA',
    }));
  } else {
    run(memberId, { op: 'login', key: deriveLegacyKey(legacyPasscode!, verifier), name: 'TA' });
  }
  for (let i = 0; i < entries; i++) {
    run(`s${i}`, {
      op: 'join',
      name: `Student ${i}`,
      topic: 'recursion',
      location: `table ${i % 12}`,
      ownerHash: sha256Hex(`s${i}`),
    });
    const { entryId } = run(memberId, { op: 'helpNext' }) as { entryId: string };
    run(memberId, { op: 'done', entryId });
  }
  saveIdentity(store, { sessionId, memberId, epoch: 1000 });
  new FileStore(path.join(dataDir, 'settings')).save(
    'service.json',
    Buffer.from(JSON.stringify({ sessionId })),
  );
}
