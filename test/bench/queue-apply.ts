import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { asCommandId, asDeviceId, asMemberId } from '../../core/ids';
import { QueueApp, newQueueState } from '../../core/queue/apply';
import { anchoredSessionId } from '../../core/queue/staff-trust';
import { loginProof, makeStaffLock, sha256Hex, staffKey } from '../../core/queue/passcode';
import { allEntries, liveEntries } from '../../core/queue/selectors';
import type { QueueState } from '../../core/queue/types';
import { createSessionDoc } from '../../core/replication/document';
import { Replica } from '../../core/replication/replica';
import { FileStore } from '../../core/store/file-store';
import type { Store } from '../../core/store/store';
import { MemoryStore } from '../../core/store/store';
import { percentile } from './stats';

const TA = asMemberId('0000-ta');

function session(store: Store) {
  const verifier = makeStaffLock('letmein-please');
  const app = new QueueApp(newQueueState(verifier));
  const sessionId = anchoredSessionId(verifier);
  const replica = Replica.create(
    store,
    createSessionDoc<QueueState>(
      { id: sessionId, name: 'bench', createdAt: 0 },
      { memberId: TA, deviceId: asDeviceId('d'), name: 'TA' },
      app.init(),
      'aa',
    ),
  );
  let n = 0;
  let now = Date.UTC(2026, 10, 22, 9);
  const run = (sender: string, body: unknown | ((id: string) => unknown)): number => {
    now += 1000;
    const id = asCommandId(uuidv7({ msecs: now, seq: n++ }));
    if (typeof body === 'function') body = body(id);
    const t0 = performance.now();
    const out = replica.applyCommand(app, id, body, {
      sessionId,
      commandId: id,
      sender: asMemberId(sender),
      now,
      epoch: 1000,
    });
    const ms = performance.now() - t0;
    if (!out.result.ok) throw new Error(JSON.stringify(out.result));
    return ms;
  };
  const key = staffKey('letmein-please', verifier);
  run(TA, (id: string) => ({ op: 'login', proof: loginProof(key, verifier, TA, id), name: 'TA' }));
  /** One student's visit: join, called, done. Returns the three apply times. */
  const visit = (i: number): number[] => [
    run(`student-${i}`, {
      op: 'join',
      name: `Student ${i}`,
      topic: 'recursion and linked lists',
      location: `table ${i % 12}`,
      ownerHash: sha256Hex(`s${i}`),
    }),
    run(TA, { op: 'helpNext' }),
    run(TA, {
      op: 'done',
      entryId: liveEntries(replica.doc.app).find((e) => e.status === 'called')!.id,
    }),
  ];
  return { replica, visit, app };
}

function measure(store: Store, history: number, samples: number) {
  const s = session(store);
  // 30 warm-up visits (JIT) count as history too.
  for (let i = 0; i < Math.max(history, 30); i++) s.visit(i);
  const times: number[] = [];
  for (let i = 0; i < samples; i++) times.push(...s.visit(history + i));
  // A new host's first change (a failover: the term's mark, and the app's reconcile of
  // what a merge may have brought in); a merge's anchor runs the same reconcile.
  const terms: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    s.replica.startTerm(2000 + i, TA, Date.UTC(2026, 10, 23, 9, i), s.app);
    terms.push(performance.now() - t0);
  }
  return {
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    termP50: percentile(terms, 50),
    termP95: percentile(terms, 95),
    entries: allEntries(s.replica.doc.app).length,
    bytes: s.replica.save().byteLength,
  };
}

/** Apply time of one queue command with 5,000 past entries vs an empty session, same run. */
export function benchQueueApply(): string[] {
  const lines = ['queue command apply on the host (join / helpNext / done), p95 goal ≤ 5 ms'];
  const row = (label: string, r: ReturnType<typeof measure>, base?: ReturnType<typeof measure>) =>
    `  ${label.padEnd(34)} p50 ${r.p50.toFixed(2)} ms  p95 ${r.p95.toFixed(2)} ms` +
    (base ? `  (${(r.p95 / base.p95).toFixed(2)}× with 30)` : '') +
    `  [${r.entries} entries, document ${(r.bytes / 1024).toFixed(0)} KiB]`;
  const empty = measure(new MemoryStore(), 0, 200);
  lines.push(row('30 past entries, memory store', empty));
  const big = measure(new MemoryStore(), 5_000, 200);
  lines.push(row('5,000 past entries, memory store', big, empty));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-bench-'));
  const onDisk = measure(new FileStore(dir), 5_000, 200);
  lines.push(row('5,000 past entries, file store+fsync', onDisk, empty));
  lines.push(
    "a new term's first change on the host (failover; a merge's anchor reconciles the same)",
  );
  for (const [label, r] of [
    ['30 past entries', empty],
    ['5,000 past entries', big],
  ] as const)
    lines.push(
      `  ${label.padEnd(34)} term p50 ${r.termP50.toFixed(2)} ms  p95 ${r.termP95.toFixed(2)} ms` +
        (r === big ? `  (${(big.termP95 / empty.termP95).toFixed(2)}× with 30)` : ''),
    );
  fs.rmSync(dir, { recursive: true, force: true });
  return lines;
}
