import { benchQueueAgainstBaseline } from './baseline';
import { benchSimAck, benchSimFailover } from './sim-failover';

// `npm run bench`: prints figures; targets are compared by reading, not asserted.
// BENCH_ONLY=sim|queue runs one part; BENCH_BASELINE=<commit>|none sets the queue bench's baseline.
const runs = Number(process.env.BENCH_RUNS ?? 100);
const only = process.env.BENCH_ONLY;
const started = Date.now();
if (!only || only === 'sim') {
  for (const line of await benchSimFailover(runs)) console.log(line);
  console.log('');
  for (const line of await benchSimAck(100)) console.log(line);
  console.log('');
}
if (!only || only === 'queue') {
  for (const line of benchQueueAgainstBaseline()) console.log(line);
}
console.log(`\n(bench took ${((Date.now() - started) / 1000).toFixed(1)} s)`);
