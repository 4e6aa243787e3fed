import type { DeviceId } from '../../core/ids';
import type { SeededRandom } from '../../core/random';
import { REACH_TIMEOUT_MS } from '../../core/transport/gone-probe';
import type { ReachAnswer, Transport } from '../../core/transport/transport';
import type { ManualClock } from './manual-clock';

/** Sees one frame: sender, receiver, message type; 'drop' loses it. */
/** Sees every frame sent (its type, and the frame itself for a capture); may drop it. */
export type Tap = (from: DeviceId, to: DeviceId, type: string, frame: string) => void | 'drop';

export interface LinkFaults {
  /** One-way latency range, ms. */
  latencyMs: [number, number];
  /** Probability a frame is lost. */
  drop: number;
  /** Probability a frame is delivered twice. */
  duplicate: number;
}

export const CLEAN: LinkFaults = { latencyMs: [1, 3], drop: 0, duplicate: 0 };

/**
 * An in-memory network on the manual clock: frames are delayed by a random latency
 * (so they can reorder), dropped, duplicated, or blocked by a partition — one-way
 * or both ways. Everything is driven by the seeded random, so a run replays exactly.
 */
export class SimNetwork {
  private readonly handlers = new Map<DeviceId, (from: DeviceId, frame: string) => void>();
  private readonly goneHandlers = new Map<DeviceId, (device: DeviceId) => void>();
  private readonly blocked = new Set<string>();
  private readonly down = new Set<DeviceId>();
  faults: LinkFaults;
  framesSent = 0;
  bytesSent = 0;
  /** When set, frames sent are counted here by sender and message type. */
  byType: Map<string, number> | null = null;
  private readonly taps = new Set<Tap>();

  /** See every frame sent (sender, receiver, message type); returns the way to stop. A tap
   *  that returns 'drop' loses the frame. */
  tap(f: Tap): () => void {
    this.taps.add(f);
    return () => this.taps.delete(f);
  }

  constructor(
    private readonly clock: ManualClock,
    private readonly random: SeededRandom,
    faults: LinkFaults = CLEAN,
  ) {
    this.faults = faults;
  }

  endpoint(device: DeviceId): Transport {
    this.dead.delete(device); // a process (re)starting on that laptop
    return {
      send: (to, frame) => this.send(device, to, frame),
      onFrame: (h) => this.handlers.set(device, h),
      onGone: (h) => this.goneHandlers.set(device, h),
      reach: (to, answer) => this.reach(device, to, answer),
    };
  }

  /** Devices whose process died (a connection to them is refused until one starts again). */
  private readonly dead = new Set<DeviceId>();
  /** Reachability questions asked, for tests: `from>to`. */
  readonly reachAsked: string[] = [];

  /**
   * As WsTransport's `reach`: a laptop that answers in a round trip ('refused' once its
   * process died; a paused copy's laptop answers too), or, cut off either way, nothing
   * until the timeout ('silent').
   */
  private reach(from: DeviceId, to: DeviceId, answer: (a: ReachAnswer) => void): void {
    this.reachAsked.push(`${from}>${to}`);
    // A round trip of the mean latency: no draw from the seeded random, so a run that asks
    // replays the frames' fates exactly as one that does not.
    const [lo, hi] = this.faults.latencyMs;
    const cut = !this.canReach(from, to) || !this.canReach(to, from);
    this.clock.setTimer(cut ? REACH_TIMEOUT_MS : lo + hi, () =>
      answer(cut ? 'silent' : this.dead.has(to) ? 'refused' : 'answered'),
    );
  }

  /**
   * `device`'s process died and its operating system closed its links: every device it
   * can reach learns, one latency later, that nothing listens there (as WsTransport's
   * probe does). Only the handlers installed now hear it: a later restart is alive.
   */
  processDied(device: DeviceId): void {
    this.dead.add(device);
    for (const [other, h] of this.goneHandlers) {
      if (other === device || !this.canReach(device, other)) continue;
      const [lo, hi] = this.faults.latencyMs;
      this.clock.setTimer(2 * (lo + this.random.next() * (hi - lo)), () => h(device));
    }
  }

  /** Block traffic from `a` to `b` (one way). */
  blockOneWay(a: DeviceId, b: DeviceId): void {
    this.blocked.add(`${a}>${b}`);
  }

  /** Split into groups: no traffic between different groups, both ways. */
  partition(...groups: DeviceId[][]): void {
    for (const g1 of groups)
      for (const g2 of groups) {
        if (g1 === g2) continue;
        for (const a of g1) for (const b of g2) this.blocked.add(`${a}>${b}`);
      }
  }

  heal(): void {
    this.blocked.clear();
  }

  /** Take a device's link down (out of Wi-Fi range) or bring it back. */
  setDown(device: DeviceId, isDown: boolean): void {
    if (isDown) this.down.add(device);
    else this.down.delete(device);
  }

  canReach(a: DeviceId, b: DeviceId): boolean {
    return !this.blocked.has(`${a}>${b}`) && !this.down.has(a) && !this.down.has(b);
  }

  /** Extra one-way latency per link (`from>to`), ms: a slow copy, its frames late but all there. */
  readonly slow = new Map<string, number>();

  private send(from: DeviceId, to: DeviceId, frame: string): void {
    this.framesSent++;
    this.bytesSent += frame.length;
    let dropped = false;
    if (this.byType || this.taps.size > 0) {
      const type = /^\{"type":"([a-z-]+)"/.exec(frame)?.[1] ?? '?';
      const key = `${from} ${type}`;
      if (this.byType) this.byType.set(key, (this.byType.get(key) ?? 0) + 1);
      for (const f of this.taps) if (f(from, to, type, frame) === 'drop') dropped = true;
    }
    if (dropped) return;
    if (!this.canReach(from, to)) return;
    if (this.random.next() < this.faults.drop) return;
    const copies = this.random.next() < this.faults.duplicate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const [lo, hi] = this.faults.latencyMs;
      const delay = lo + this.random.next() * (hi - lo) + (this.slow.get(`${from}>${to}`) ?? 0);
      this.clock.setTimer(delay, () => {
        if (!this.canReach(from, to)) return;
        this.handlers.get(to)?.(from, frame);
      });
    }
  }
}
