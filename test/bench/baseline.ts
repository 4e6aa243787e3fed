import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The queue apply bench on this tree and on a baseline commit, each in a child process
 * of its own, one after the other in the same run, so the ratio compares code and not
 * machines. BENCH_BASELINE names the commit (default: the last one before several
 * queues and the newer workflows); BENCH_BASELINE=none runs this tree alone.
 */
const DEFAULT_BASELINE = '913e0ad';
const SCRIPT =
  "import('./test/bench/queue-apply.ts').then((m) => console.log(JSON.stringify(m.benchQueueApply())))";

interface Row {
  label: string;
  p50: number;
  p95: number;
}

function run(cwd: string): { lines: string[]; rows: Row[] } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', SCRIPT], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`queue bench in ${cwd} failed: ${r.stderr}`);
  const lines = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as string[];
  const rows = lines.flatMap((l) => {
    const m = /^\s+(.+?)\s+p50 ([\d.]+) ms\s+p95 ([\d.]+) ms/.exec(l);
    return m ? [{ label: m[1]!.trim(), p50: Number(m[2]), p95: Number(m[3]) }] : [];
  });
  return { lines, rows };
}

export function benchQueueAgainstBaseline(): string[] {
  const root = path.resolve('.');
  const ref = process.env.BENCH_BASELINE ?? DEFAULT_BASELINE;
  const current = (): string[] => run(root).lines;
  if (ref === 'none') return current();
  const git = (...args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  if (git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`).status !== 0)
    return [...current(), `  (baseline ${ref} is not in this clone: no ratio)`];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-baseline-'));
  try {
    if (git('worktree', 'add', '--detach', dir, ref).status !== 0)
      return [...current(), `  (could not check out ${ref}: no ratio)`];
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
    const before = run(dir);
    const now = run(root);
    const out = [...now.lines, `  against ${ref} (before several queues), same run, p95 ratio:`];
    for (const row of now.rows) {
      const old = before.rows.find((b) => b.label === row.label);
      if (!old) continue;
      out.push(
        `    ${row.label.padEnd(36)} ${old.p95.toFixed(2)} → ${row.p95.toFixed(2)} ms  ` +
          `(${(row.p95 / old.p95).toFixed(2)}×; p50 ${(row.p50 / old.p50).toFixed(2)}×)`,
      );
    }
    return out;
  } finally {
    git('worktree', 'remove', '--force', dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
