import { benchSimAck, benchSimFailover } from './sim-failover';

// `npm run bench`: prints figures; targets are compared by reading, not asserted.
const runs = Number(process.env.BENCH_RUNS ?? 100);
const started = Date.now();
for (const line of await benchSimFailover(runs)) console.log(line);
console.log('');
for (const line of await benchSimAck(100)) console.log(line);
console.log(`\n(bench took ${((Date.now() - started) / 1000).toFixed(1)} s)`);
