/** Time port. The node owns timers; the election and replication logic only receive `now`. */
export interface Clock {
  now(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export type TimerHandle = { readonly __timer: true };

/**
 * The real clock, for the app and the headless peer. A 0 ms timer runs at the end of the
 * current event-loop turn (setImmediate: after the I/O already read), not ≥ 1 ms later.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (ms, fn) =>
    (ms <= 0
      ? { immediate: setImmediate(fn) }
      : { timeout: setTimeout(fn, ms) }) as unknown as TimerHandle,
  clearTimer: (h) => {
    const t = h as unknown as { immediate?: NodeJS.Immediate; timeout?: NodeJS.Timeout };
    if (t.immediate) clearImmediate(t.immediate);
    if (t.timeout) clearTimeout(t.timeout);
  },
};
