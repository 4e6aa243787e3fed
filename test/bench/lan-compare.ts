import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The LAN bench against a baseline commit, in one run: the baseline's tree (from `git
// archive`, sharing this checkout's node_modules) and this tree take turns, each running
// the same parts of test/bench/lan.ts in its own namespace (run-lan.sh), so both see the
// same machine at about the same time. Prints each figure for both and their ratio
// (current / baseline: below 1 is faster).
//
//   BENCH_LAN_BASELINE=<commit> npm run -s bench:lan:compare
//   BENCH_LAN_COMPARE_ROUNDS (default 2) turns each; BENCH_LAN_PARTS (default
//   "ack,failover") and every other BENCH_LAN_* setting pass through to both.

const ROOT = path.resolve(import.meta.dirname, '../..');
const base = process.env.BENCH_LAN_BASELINE;
if (!base) {
  console.error('BENCH_LAN_BASELINE=<commit> is required');
  process.exit(2);
}
const rounds = Number(process.env.BENCH_LAN_COMPARE_ROUNDS ?? 2);
if (rounds < 2)
  console.error('one round: the baseline goes first, on a cold machine — take the ratio with care');
const parts = process.env.BENCH_LAN_PARTS ?? 'ack,failover';

const rev = execFileSync('git', ['rev-parse', '--short', base], { cwd: ROOT }).toString().trim();
const baseDir = path.join(os.tmpdir(), `baton-lan-baseline-${rev}`);
if (!existsSync(path.join(baseDir, 'package.json'))) {
  mkdirSync(baseDir, { recursive: true });
  execFileSync('bash', ['-c', `git archive ${rev} | tar -x -C "${baseDir}"`], { cwd: ROOT });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(baseDir, 'node_modules'));
}

type Figures = Map<string, number[][]>; // "measure (n)" → one list of numbers per turn

function run(dir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['test/bench/run-lan.sh'], {
      cwd: dir,
      env: { ...process.env, BENCH_LAN_PARTS: parts },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`bench in ${dir} exited ${code}`)),
    );
  });
}

/** The rows of lan.ts's table: measure, laptops, and every "… 12.3 ms" figure in the result. */
function parse(out: string, into: Figures): void {
  const table = out.slice(out.indexOf('LAN benchmark'));
  for (const line of table.split('\n').slice(2)) {
    const cols = line.split(/\s{2,}/).filter(Boolean);
    if (cols.length < 3 || line.startsWith('(')) continue;
    const nums = [...cols[2]!.matchAll(/([\d.]+) (ms|s)\b/g)].map(
      (m) => Number(m[1]) * (m[2] === 's' ? 1000 : 1),
    );
    const rate = /^(\d+)\/s/.exec(cols[2]!);
    if (rate) nums.push(Number(rate[1]));
    if (nums.length === 0) continue;
    const key = `${cols[0]} (${cols[1]})`;
    into.set(key, [...(into.get(key) ?? []), nums]);
  }
}

const figures = { base: new Map() as Figures, current: new Map() as Figures };
for (let r = 0; r < rounds; r++) {
  // Alternate who goes first, so neither always runs on a warmer (or busier) machine.
  const order = r % 2 === 0 ? (['base', 'current'] as const) : (['current', 'base'] as const);
  for (const which of order) {
    console.error(`-- round ${r + 1}/${rounds}: ${which === 'base' ? rev : 'this tree'}`);
    parse(await run(which === 'base' ? baseDir : ROOT), figures[which]);
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length / 2;
  return s.length % 2 ? s[Math.floor(mid)]! : (s[mid - 1]! + s[mid]!) / 2;
};
const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
console.log(`\nLAN bench, this tree against ${rev} (${rounds} turns each, median of turns)`);
for (const [key, baseRuns] of figures.base) {
  const cur = figures.current.get(key);
  if (!cur) continue;
  const cells = baseRuns[0]!.map((_, i) => {
    const b = median(baseRuns.map((x) => x[i] ?? NaN));
    const c = median(cur.map((x) => x[i] ?? NaN));
    return `${fmt(b)} → ${fmt(c)} (×${(c / b).toFixed(2)})`;
  });
  console.log(`${key}: ${cells.join('; ')}`);
}
