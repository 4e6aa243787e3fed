/**
 * A token bucket per sender: `burst` commands at once, then `perSecond` sustained. A
 * student's laptop sends a command a minute and a busy TA a few a second; a copy sending
 * thousands is misbehaving, and the host must keep serving everyone else.
 */
export class RateLimiter<K> {
  private readonly buckets = new Map<K, { tokens: number; at: number }>();

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
  ) {}

  /** Take `n` tokens (one by default) for `key` at `now`; false (taking none) when short. */
  take(key: K, now: number, n = 1): boolean {
    const b = this.refill(key, now);
    if (b.tokens < n) return false;
    b.tokens -= n;
    return true;
  }

  /** Whether `take` would succeed now, without taking. */
  peek(key: K, now: number): boolean {
    return this.refill(key, now).tokens >= 1;
  }

  private refill(key: K, now: number): { tokens: number; at: number } {
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    if (this.buckets.size >= 10_000) this.forgetFull(now);
    this.buckets.set(key, b);
    return b;
  }

  /** Full buckets hold nothing worth keeping: forget them so keys cannot grow without end. */
  private forgetFull(now: number): void {
    for (const [k, b] of this.buckets)
      if (b.tokens + ((now - b.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(k);
  }
}
