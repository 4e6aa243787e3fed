import { benchQueueAgainstBaseline, benchSimAgainstBaseline } from './baseline';
import { benchLogin } from './login';
import { benchWaitingLine } from './waiting-line';

// `npm run bench`: prints figures; targets are compared by reading, not asserted.
// BENCH_ONLY=sim|queue|line|login runs one part; BENCH_BASELINE / BENCH_ENGINE_BASELINE=<commit>|none set
// the queue and sim benches' baselines; BENCH_RUNS the sim bench's runs.
const only = process.env.BENCH_ONLY;
const started = Date.now();
if (!only || only === 'sim') {
  for (const line of benchSimAgainstBaseline()) console.log(line);
  console.log('');
}
if (!only || only === 'queue') {
  for (const line of benchQueueAgainstBaseline()) console.log(line);
  console.log('');
}
if (!only || only === 'line') {
  for (const line of benchWaitingLine()) console.log(line);
  console.log('');
}
if (!only || only === 'login') {
  for (const line of benchLogin()) console.log(line);
}
console.log(`\n(bench took ${((Date.now() - started) / 1000).toFixed(1)} s)`);
