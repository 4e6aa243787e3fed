import { SimCluster } from '../sim/cluster';
import { percentile, row } from './stats';

/**
 * Simulated failover and ack latency. Failover times are divided by the detector's
 * timeout measured in the same run (so they read as "multiples of the timeout"), ack
 * latency by the simulated round trip.
 */
export async function benchSimFailover(runs: number): Promise<string[]> {
  const graceful: number[] = [];
  const crash: number[] = [];
  const crashRatio: number[] = [];
  let timeoutSum = 0;
  for (let seed = 1; seed <= runs; seed++) {
    // Graceful: host leaves → every member follows the successor and it acks a command.
    {
      const c = new SimCluster(5, { seed }).start();
      c.run(3_000);
      void c.leave(0);
      const t0 = c.clock.now();
      let acked = false;
      let submitted = false;
      for (let step = 0; step < 5_000 && !acked; step++) {
        if (!submitted && c.agreedHost()?.index === 1) {
          submitted = true;
          void c.submit(2).then((ok) => (acked = ok));
        }
        c.run(1);
        await c.settle();
      }
      graceful.push(c.clock.now() - t0);
    }
    // Crash: host stops → every member follows the successor.
    {
      const c = new SimCluster(5, { seed: seed + 10_000 }).start();
      c.run(3_000 + (seed % 250));
      const timeout = c.peer(1).suspectAfterMs(c.peer(0).memberId!);
      c.crash(0);
      const took = c.runUntil(() => c.agreedHost()?.index === 1, 10_000) ?? NaN;
      crash.push(took);
      crashRatio.push(took / timeout);
      timeoutSum += timeout;
    }
  }
  const timeout = timeoutSum / runs;
  const w = [38, 12, 12, 22];
  return [
    `simulated failover, 5 members, ${runs} runs each (detector timeout ≈ ${timeout.toFixed(0)} ms, heartbeat 250 ms)`,
    row(['', 'p50', 'p95', 'p95 / timeout'], w),
    row(
      [
        'graceful (leave → all follow + ack)',
        `${percentile(graceful, 50).toFixed(0)} ms`,
        `${percentile(graceful, 95).toFixed(0)} ms`,
        (percentile(graceful, 95) / timeout).toFixed(2),
      ],
      w,
    ),
    row(
      [
        'crash (stop → all follow)',
        `${percentile(crash, 50).toFixed(0)} ms`,
        `${percentile(crash, 95).toFixed(0)} ms`,
        percentile(crashRatio, 95).toFixed(2),
      ],
      w,
    ),
  ];
}

/** Ack latency in simulated round trips, with a fixed one-way latency. */
export async function benchSimAck(commands: number): Promise<string[]> {
  const oneWay = 5;
  const out: string[] = [];
  for (const k of [0, 1, 2]) {
    const c = new SimCluster(5, {
      seed: 77,
      faults: { latencyMs: [oneWay, oneWay], drop: 0, duplicate: 0 },
      config: { k },
    }).start();
    c.run(3_000);
    const lat: number[] = [];
    for (let i = 0; i < commands; i++) {
      const t0 = c.clock.now();
      let done = false;
      void c.submit(1 + (i % 4)).then(() => (done = true));
      for (let step = 0; step < 1_000 && !done; step++) {
        c.run(1);
        await c.settle();
      }
      lat.push(c.clock.now() - t0);
    }
    const rtt = 2 * oneWay;
    out.push(
      `ack latency, K=${k}: p50 ${(percentile(lat, 50) / rtt).toFixed(2)} RTT, p95 ${(percentile(lat, 95) / rtt).toFixed(2)} RTT (${commands} commands, RTT ${rtt} ms simulated)`,
    );
  }
  return out;
}
