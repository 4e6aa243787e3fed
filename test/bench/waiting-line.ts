import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { percentile } from './stats';

/**
 * A long line: 5,000 students waiting (a room flooded, or a very big course). What one
 * more join costs the host, and what `queue.get` costs a laptop, here and at a baseline
 * commit (BENCH_LINE_BASELINE, default the last commit before the hostile-room work), in
 * the same run. The line is built in the session's first change, so building it is cheap.
 */
const LINE_BASELINE = 'f7d912b';
const WAITING = 5_000;

type Mod = Record<string, (...a: never[]) => unknown>;

/** The figures at the tree rooted at `root` (modules loaded from there). */
export async function measureLine(
  root: string,
  waiting = WAITING,
): Promise<{ join: number[]; view: number[] }> {
  const load = async (p: string): Promise<Mod> =>
    (await import(pathToFileURL(path.join(root, p)).href)) as Mod;
  const apply = await load('core/queue/apply.ts');
  const types = await load('core/queue/types.ts');
  const passcode = await load('core/queue/passcode.ts');
  const doc = await load('core/replication/document.ts');
  const rep = await load('core/replication/replica.ts');
  const store = await load('core/store/store.ts');
  const views = await load('core/api/views.ts');
  const { v7: uuidv7 } = await import('uuid');
  // The baseline tree makes a verifier; this one a staff lock (same role in the state).
  const makeLock = (passcode.makeStaffLock ?? passcode.makeVerifier) as (p: string) => unknown;
  const verifier = makeLock('a long passphrase');
  const state = (apply.newQueueState as (v: unknown) => Record<string, unknown>)(verifier);
  const entries: Record<string, unknown> = {};
  const t = Date.UTC(2026, 10, 22, 9);
  for (let i = 0; i < waiting; i++) {
    const id = uuidv7({ msecs: t + i });
    entries[id] = (types.storeEntry as (e: unknown) => unknown)({
      id,
      name: `Student ${i}`,
      topic: 'recursion',
      location: `table ${i % 40}`,
      member: `student-${i}`,
      ownerHash: 'a'.repeat(64),
      createdAt: t + i,
      order: i + 1,
      status: 'waiting',
      helper: null,
      history: { [id]: { status: 'waiting', at: t + i, by: `student-${i}`, order: i + 1 } },
      conflict: null,
      queue: 'main',
      tag: null,
      awaySince: null,
      missingSince: null,
      flag: null,
      message: null,
      group: null,
    });
  }
  state.entries = entries;
  state.seq = waiting;
  const QueueApp = apply.QueueApp as unknown as new (s: unknown) => { init(): unknown };
  const app = new QueueApp(state);
  const Replica = rep.Replica as unknown as {
    create(
      s: unknown,
      d: unknown,
    ): { applyCommand: (...a: unknown[]) => unknown; doc: { app: unknown } };
  };
  const MemoryStore = store.MemoryStore as unknown as new () => unknown;
  const replica = Replica.create(
    new MemoryStore(),
    (doc.createSessionDoc as (...a: unknown[]) => unknown)(
      { id: 's', name: 'bench', createdAt: 0 },
      { memberId: 'ta', deviceId: 'd', name: 'TA' },
      app.init(),
      'aa',
    ),
  );
  const join: number[] = [];
  let now = t + waiting + 1000;
  for (let i = 0; i < 25; i++) {
    const id = uuidv7({ msecs: (now += 1000) });
    const t0 = performance.now();
    replica.applyCommand(
      app,
      id,
      { op: 'join', name: `Late ${i}`, topic: '', location: '', ownerHash: 'b'.repeat(64) },
      { commandId: id, sender: `late-${i}`, now, epoch: 1000 },
    );
    if (i >= 5) join.push(performance.now() - t0); // the first five warm the JIT
  }
  const facts = {
    me: 'late-3',
    ownEntries: new Set<string>(),
    isLive: () => true,
    memberName: (m: string) => m,
    pending: [],
  };
  const view: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    (views.queueView as (s: unknown, f: unknown) => unknown)(replica.doc.app, facts);
    view.push(performance.now() - t0);
  }
  return { join, view };
}

const SCRIPT = (root: string, waiting: number): string =>
  `import(${JSON.stringify(pathToFileURL(path.resolve('test/bench/waiting-line.ts')).href)})` +
  `.then(async (m) => console.log(JSON.stringify(await m.measureLine(${JSON.stringify(root)}, ${waiting}))))`;

function runFor(root: string, waiting = WAITING): { join: number[]; view: number[] } {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', SCRIPT(root, waiting)],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    },
  );
  if (r.status !== 0) throw new Error(`line bench at ${root} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { join: number[]; view: number[] };
}

/** `npm run bench`'s lines for the long line, with the baseline's in the same run. */
export function benchWaitingLine(): string[] {
  const now = runFor(path.resolve('.'));
  const short = runFor(path.resolve('.'), 10);
  const fmt = (x: number): string => `${x.toFixed(1)} ms`;
  const x = (a: number[], b: number[]): string =>
    `${(percentile(a, 50) / percentile(b, 50)).toFixed(1)}× a line of 10`;
  const lines = [
    `a line of ${WAITING.toLocaleString('en')} waiting students (goal: milliseconds, not growing with the line)`,
    `  one more join on the host   p50 ${fmt(percentile(now.join, 50))}  p95 ${fmt(percentile(now.join, 95))}  (${x(now.join, short.join)})`,
    `  queue.get (the whole view)  p50 ${fmt(percentile(now.view, 50))}  (${x(now.view, short.view)})`,
  ];
  const ref = process.env.BENCH_LINE_BASELINE ?? LINE_BASELINE;
  if (ref === 'none') return lines;
  const root = path.resolve('.');
  const git = (...args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  if (git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`).status !== 0)
    return [...lines, `  (baseline ${ref} is not in this clone: no ratio)`];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-line-'));
  try {
    git('worktree', 'add', '--detach', dir, ref);
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
    const old = runFor(dir);
    const ratio = (a: number[], b: number[]): string =>
      `${fmt(percentile(a, 50))} → ${fmt(percentile(b, 50))} (${(percentile(b, 50) / percentile(a, 50)).toFixed(2)}×)`;
    lines.push(
      `  against ${ref}, same run, p50: join ${ratio(old.join, now.join)}; queue.get ${ratio(old.view, now.view)}`,
    );
  } finally {
    git('worktree', 'remove', '--force', dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}
