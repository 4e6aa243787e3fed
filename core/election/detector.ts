/**
 * Phi-accrual failure detector (Hayashibara et al., as in Akka and Cassandra), pure:
 * the caller passes `now`. It learns the heartbeat inter-arrival distribution of one
 * member, so a lossy or slow link raises the suspicion threshold instead of causing a
 * false failover.
 */
export interface DetectorConfig {
  /** Expected heartbeat interval; seeds the distribution before samples exist. */
  heartbeatMs: number;
  /** Suspicion level at which the member counts as gone (8 ≈ 1e-8 chance of a mistake). */
  threshold: number;
  /** Floor for the standard deviation so a very regular link is not over-sensitive. */
  minStdDevMs: number;
  /** Extra pause tolerated on top of the mean (GC, a busy event loop, one lost heartbeat). */
  acceptablePauseMs: number;
  /** Number of recent inter-arrival samples kept. */
  windowSize: number;
}

export const DEFAULT_DETECTOR: DetectorConfig = {
  heartbeatMs: 250,
  threshold: 8,
  minStdDevMs: 70,
  acceptablePauseMs: 250,
  windowSize: 100,
};

export class PhiDetector {
  private readonly samples: number[] = [];
  private sum = 0;
  private sumSq = 0;
  private last: number | null = null;

  constructor(private readonly cfg: DetectorConfig) {
    // Bootstrap like Akka: two samples around the expected interval.
    const sd = cfg.heartbeatMs / 4;
    this.add(cfg.heartbeatMs - sd);
    this.add(cfg.heartbeatMs + sd);
  }

  /** Time of the last heartbeat, or null if none yet. */
  get lastHeard(): number | null {
    return this.last;
  }

  heartbeat(now: number): void {
    if (this.last !== null) {
      const gap = now - this.last;
      // A gap long enough to be suspected is an absence (crash, sleep, restart), not a
      // sample of the link: learning it would make the detector blind to the next one.
      if (gap >= 0 && gap < this.suspectAfterMs()) this.add(gap);
    }
    this.last = now;
  }

  /** Forget the member (graceful leave): it is unavailable until it is heard again. */
  reset(): void {
    this.last = null;
  }

  phi(now: number): number {
    if (this.last === null) return Infinity;
    return phiOf(now - this.last, this.mean() + this.cfg.acceptablePauseMs, this.stdDev());
  }

  isAvailable(now: number): boolean {
    return this.phi(now) < this.cfg.threshold;
  }

  /** Silence (ms since the last heartbeat) after which the member is suspected, given the samples so far. */
  suspectAfterMs(): number {
    const mean = this.mean() + this.cfg.acceptablePauseMs;
    const sd = this.stdDev();
    let lo = 0;
    let hi = mean + 100 * sd;
    for (let i = 0; i < 40; i++) {
      const mid = (lo + hi) / 2;
      if (phiOf(mid, mean, sd) < this.cfg.threshold) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  private add(gap: number): void {
    this.samples.push(gap);
    this.sum += gap;
    this.sumSq += gap * gap;
    if (this.samples.length > this.cfg.windowSize) {
      const old = this.samples.shift() as number;
      this.sum -= old;
      this.sumSq -= old * old;
    }
  }

  private mean(): number {
    return this.sum / this.samples.length;
  }

  private stdDev(): number {
    const m = this.mean();
    const variance = Math.max(0, this.sumSq / this.samples.length - m * m);
    return Math.max(Math.sqrt(variance), this.cfg.minStdDevMs);
  }
}

/** -log10 of the probability that a heartbeat arrives later than `elapsed` (logistic approximation of the normal CDF). */
function phiOf(elapsed: number, mean: number, sd: number): number {
  const y = (elapsed - mean) / sd;
  const e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
  const p = elapsed > mean ? e / (1 + e) : 1 - 1 / (1 + e);
  return p <= 0 ? Infinity : -Math.log10(p);
}
