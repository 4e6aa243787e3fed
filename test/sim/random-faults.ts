import type { SimCluster } from './cluster';

export interface FaultPlan {
  rounds: number;
  /** Simulated time per round, ms (a random value in the range). */
  roundMs: [number, number];
  /** Commands submitted per round. */
  commandsPerRound: number;
  /** Keep at least this many nodes running. */
  minRunning: number;
}

/**
 * Random crash / restart / pause / partition / heal rounds with commands in between,
 * then a quiet period with everything healed and restarted. Every choice comes from
 * the cluster's seeded random, so the seed replays the run.
 */
export function runRandomFaults<S>(c: SimCluster<S>, plan: FaultPlan): Promise<boolean>[] {
  const r = c.random;
  const acks: Promise<boolean>[] = [];
  const n = c.size;
  const paused = new Set<number>();
  for (let round = 0; round < plan.rounds; round++) {
    const running = c.nodes.filter((x) => x.peer.isRunning).map((x) => x.index);
    const stopped = c.nodes.filter((x) => !x.peer.isRunning).map((x) => x.index);
    const roll = r.next();
    if (roll < 0.3 && running.length > plan.minRunning) {
      c.crash(r.pick(running));
    } else if (roll < 0.4 && running.length > plan.minRunning) {
      const i = r.pick(running);
      c.pause(i);
      paused.add(i);
    } else if (roll < 0.65 && stopped.length > 0) {
      const i = r.pick(stopped);
      if (paused.delete(i)) c.unpause(i);
      else c.restart(i);
    } else if (roll < 0.85) {
      const shuffled = [...Array(n).keys()].sort(() => r.next() - 0.5);
      const cut = 1 + r.int(n - 1);
      c.partition(shuffled.slice(0, cut), shuffled.slice(cut));
    } else {
      c.heal();
    }
    for (let k = 0; k < plan.commandsPerRound; k++) {
      const live = c.nodes.filter((x) => x.peer.isRunning && x.peer.memberId).map((x) => x.index);
      if (live.length) acks.push(c.submit(r.pick(live)));
      c.run(50 + r.int(200));
    }
    const [lo, hi] = plan.roundMs;
    c.run(lo + r.int(hi - lo));
  }
  c.heal();
  for (const x of c.nodes) {
    if (x.peer.isRunning) continue;
    if (paused.delete(x.index)) c.unpause(x.index);
    else c.restart(x.index);
  }
  return acks;
}
