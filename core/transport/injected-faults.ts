import type { DeviceId } from '../ids';
import type { Random } from '../random';
import type { ReachAnswer, Transport } from './transport';

/**
 * Bad Wi-Fi, injected in-process (`tc netem` is not available where the tests run): a
 * wrapper around a transport that delays some outgoing frames, drops a few during loss
 * bursts, and now and then stalls every frame for a moment. For tests and benchmarks
 * only (`baton peer --inject-faults jitter`).
 */
export interface FaultPlan {
  /** Share of frames delayed, and by how much (uniform), ms. */
  delayShare: number;
  delayMs: [number, number];
  /** Loss bursts: on average every `everyMs`, lasting `lastsMs`, dropping `share` of frames. */
  lossBurst: { everyMs: number; lastsMs: number; share: number };
  /** Stalls: on average every `everyMs`, every outgoing frame held for `lastsMs`. */
  stall: { everyMs: number; lastsMs: number };
}

/** Delays of 50–300 ms on 3 % of frames, bursts of 2 % loss, a 400 ms stall now and then. */
export const JITTER: FaultPlan = {
  delayShare: 0.03,
  delayMs: [50, 300],
  lossBurst: { everyMs: 30_000, lastsMs: 5_000, share: 0.02 },
  stall: { everyMs: 60_000, lastsMs: 400 },
};

export const FAULT_PLANS: Record<string, FaultPlan> = { jitter: JITTER };

export class InjectedFaults implements Transport {
  private lossUntil = 0;
  private stallUntil = 0;
  private nextLoss: number;
  private nextStall: number;
  /** What was done to frames, for the bench's report. */
  readonly counts = { delayed: 0, dropped: 0, stalled: 0 };

  constructor(
    private readonly inner: Transport,
    private readonly plan: FaultPlan,
    private readonly random: Random,
  ) {
    const now = Date.now();
    this.nextLoss = now + this.exp(plan.lossBurst.everyMs);
    this.nextStall = now + this.exp(plan.stall.everyMs);
  }

  onFrame(handler: (from: DeviceId, frame: string) => void): void {
    this.inner.onFrame(handler);
  }

  onGone(handler: (device: DeviceId) => void): void {
    this.inner.onGone?.(handler);
  }

  /** Asked of the real network: faults injected here are in the copy, its laptop answers. */
  reach(device: DeviceId, answer: (a: ReachAnswer) => void): void {
    if (this.inner.reach) this.inner.reach(device, answer);
    else answer('unknown');
  }

  send(to: DeviceId, frame: string): void {
    const now = Date.now();
    if (now >= this.nextLoss) {
      this.lossUntil = now + this.plan.lossBurst.lastsMs;
      this.nextLoss = now + this.exp(this.plan.lossBurst.everyMs);
    }
    if (now >= this.nextStall) {
      this.stallUntil = now + this.plan.stall.lastsMs;
      this.nextStall = now + this.exp(this.plan.stall.everyMs);
    }
    if (now < this.lossUntil && this.random.next() < this.plan.lossBurst.share) {
      this.counts.dropped++;
      return;
    }
    let delay = 0;
    if (now < this.stallUntil) {
      delay = this.stallUntil - now;
      this.counts.stalled++;
    }
    if (this.random.next() < this.plan.delayShare) {
      const [lo, hi] = this.plan.delayMs;
      delay = Math.max(delay, lo + this.random.next() * (hi - lo));
      this.counts.delayed++;
    }
    if (delay <= 0) return this.inner.send(to, frame);
    setTimeout(() => this.inner.send(to, frame), delay);
  }

  /** Exponentially distributed wait with the given mean. */
  private exp(mean: number): number {
    return -Math.log(1 - this.random.next()) * mean;
  }
}
