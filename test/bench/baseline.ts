import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * A bench on this tree and on a baseline commit, each in a child process of its own, one
 * after the other in the same run, so a ratio compares code and not machines. The queue
 * bench's baseline is the last commit before several queues (BENCH_BASELINE); the sim
 * bench's is the last commit before the session core / driver split (BENCH_ENGINE_BASELINE).
 * `none` runs this tree alone.
 */
const QUEUE_BASELINE = '913e0ad';
const ENGINE_BASELINE = '2a92cb3';
const QUEUE_SCRIPT =
  "import('./test/bench/queue-apply.ts').then((m) => console.log(JSON.stringify(m.benchQueueApply())))";
/** The sim bench's lines, then the CPU time it took (the engine's own cost: no I/O here). */
const SIM_SCRIPT = `
const t0 = process.cpuUsage();
const m = await import('./test/bench/sim-failover.ts');
const lines = [...(await m.benchSimFailover(Number(process.env.BENCH_RUNS ?? 100))), ...(await m.benchSimAck(100))];
const u = process.cpuUsage(t0);
console.log(JSON.stringify([...lines, 'cpu ' + ((u.user + u.system) / 1000).toFixed(0)]));
`;

interface Row {
  label: string;
  p50: number;
  p95: number;
}

function runAt(cwd: string, script: string, what: string): string[] {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`${what} bench in ${cwd} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as string[];
}

/** Run `fn` in a worktree of `ref` (node_modules shared); null when it cannot be had. */
function atCommit<T>(ref: string, fn: (dir: string) => T): T | string {
  const root = path.resolve('.');
  const git = (...args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  if (git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`).status !== 0)
    return `  (baseline ${ref} is not in this clone: no ratio)`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-baseline-'));
  try {
    if (git('worktree', 'add', '--detach', dir, ref).status !== 0)
      return `  (could not check out ${ref}: no ratio)`;
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
    return fn(dir);
  } finally {
    git('worktree', 'remove', '--force', dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function benchQueueAgainstBaseline(): string[] {
  const ref = process.env.BENCH_BASELINE ?? QUEUE_BASELINE;
  const current = (): string[] => runAt('.', QUEUE_SCRIPT, 'queue');
  if (ref === 'none') return current();
  const rowsOf = (lines: string[]): Row[] =>
    lines.flatMap((l) => {
      const m = /^\s+(.+?)\s+p50 ([\d.]+) ms\s+p95 ([\d.]+) ms/.exec(l);
      return m ? [{ label: m[1]!.trim(), p50: Number(m[2]), p95: Number(m[3]) }] : [];
    });
  const result = atCommit(ref, (dir) => {
    const before = rowsOf(runAt(dir, QUEUE_SCRIPT, 'queue'));
    const lines = current();
    const out = [...lines, `  against ${ref} (before several queues), same run, p95 ratio:`];
    for (const row of rowsOf(lines)) {
      const old = before.find((b) => b.label === row.label);
      if (!old) continue;
      out.push(
        `    ${row.label.padEnd(36)} ${old.p95.toFixed(2)} → ${row.p95.toFixed(2)} ms  ` +
          `(${(row.p95 / old.p95).toFixed(2)}×; p50 ${(row.p50 / old.p50).toFixed(2)}×)`,
      );
    }
    return out;
  });
  return typeof result === 'string' ? [...current(), result] : result;
}

/**
 * The simulated failover and ack bench here and at the engine baseline. Simulated times
 * say whether behaviour changed (they should match); the CPU time of the whole run is the
 * engine's own cost per step, the driver and Effects included.
 */
export function benchSimAgainstBaseline(): string[] {
  const ref = process.env.BENCH_ENGINE_BASELINE ?? ENGINE_BASELINE;
  const split = (lines: string[]) => ({
    lines: lines.filter((l) => !l.startsWith('cpu ')),
    cpu: Number(lines.find((l) => l.startsWith('cpu '))?.slice(4) ?? NaN),
  });
  const now = split(runAt('.', SIM_SCRIPT, 'sim'));
  const out = [...now.lines, `  CPU for the whole sim bench: ${now.cpu.toFixed(0)} ms`];
  if (ref === 'none') return out;
  const result = atCommit(ref, (dir) => split(runAt(dir, SIM_SCRIPT, 'sim')));
  if (typeof result === 'string') return [...out, result];
  return [
    ...out,
    `  the same bench at ${ref} (before the session core / driver split), same run:`,
    ...result.lines.map((l) => `    ${l}`),
    `    CPU ${result.cpu.toFixed(0)} → ${now.cpu.toFixed(0)} ms (${(now.cpu / result.cpu).toFixed(2)}×)`,
  ];
}
