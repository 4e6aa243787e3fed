import type { Peer } from '../../core/engine/peer';
import type { DeviceId, MemberId } from '../../core/ids';
import { SeededRandom } from '../../core/random';
import { ManualClock } from './manual-clock';
import type { LinkFaults } from './sim-network';
import { SimNetwork } from './sim-network';

/**
 * What every simulated room shares, whatever runs on its laptops (bare engine peers with
 * an app, or whole BatonService copies): the manual clock, the in-memory network, the
 * trace, and the safety check "at most one host per epoch" after every timer that fires.
 * Laptop i is reachable as device `laptop-0i`.
 */
export abstract class SimRoom<S> {
  readonly clock = new ManualClock();
  readonly random: SeededRandom;
  readonly net: SimNetwork;
  readonly trace: string[] = [];
  readonly violations: string[] = [];
  /** epoch → the one member that ever hosted it. */
  private readonly epochHost = new Map<number, MemberId>();

  constructor(seed: number, netSeed: number, faults: LinkFaults) {
    this.random = new SeededRandom(seed);
    this.net = new SimNetwork(this.clock, new SeededRandom(netSeed), faults);
    this.clock.afterEach = () => this.checkSafety();
  }

  /** Laptop i's peer now (null: not in a session). */
  protected abstract peerAt(i: number): Peer<S> | null;
  abstract get size(): number;
  /** A short name for a member in reports ("n3"). */
  protected label(id: MemberId | null): string {
    const i = this.indexOfMember(id);
    return i >= 0 ? `n${i}` : String(id);
  }

  static device(i: number): DeviceId {
    return `laptop-${String(i).padStart(2, '0')}` as DeviceId;
  }

  /** Advance simulated time. */
  run(ms: number): this {
    this.clock.advance(ms);
    return this;
  }

  /** Run until `pred` holds (checked every 10 ms) or `maxMs` passes. Returns the time taken. */
  runUntil(pred: () => boolean, maxMs: number): number | null {
    const start = this.clock.now();
    while (this.clock.now() - start <= maxMs) {
      if (pred()) return this.clock.now() - start;
      this.clock.advance(10);
    }
    return null;
  }

  /** Let promise callbacks (acks) run. */
  settle(): Promise<void> {
    return new Promise((r) => setImmediate(r));
  }

  /** Run the clock (10 ms steps, callbacks let through) until `promises` settle or `maxMs` passes. */
  async settleAll(promises: Promise<unknown>[], maxMs: number): Promise<void> {
    let done = 0;
    for (const p of promises) void p.finally(() => done++);
    for (let t = 0; t < maxMs && done < promises.length; t += 10) {
      this.run(10);
      await this.settle();
    }
  }

  log(line: string): void {
    this.trace.push(`${this.clock.now().toFixed(1).padStart(9)} ms  ${line}`);
  }

  /** Indexes of the laptops whose peer runs. */
  runningIndexes(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) if (this.peerAt(i)?.isRunning) out.push(i);
    return out;
  }

  /** The laptop whose peer is the one host every running peer follows and reaches, or null. */
  agreedHostIndex(): number | null {
    const run = this.runningIndexes();
    const hosts = run.filter((i) => this.peerAt(i)!.role === 'host');
    if (hosts.length !== 1) return null;
    const h = this.peerAt(hosts[0]!)!;
    const agree = run.every((i) => {
      const p = this.peerAt(i)!;
      return p.hostId === h.memberId && p.epoch === h.epoch && p.hostReachable();
    });
    return agree ? hosts[0]! : null;
  }

  /** Every running peer holds the same heads. */
  converged(): boolean {
    const heads = this.runningIndexes().map((i) => this.peerAt(i)!.heads().join());
    return heads.length > 0 && heads.every((h) => h === heads[0]);
  }

  indexOfMember(id: MemberId | null): number {
    for (let i = 0; i < this.size; i++) if (id && this.peerAt(i)?.memberId === id) return i;
    return -1;
  }

  partition(...groups: number[][]): void {
    this.net.partition(...groups.map((g) => g.map((i) => SimRoom.device(i))));
    this.log(`partition ${groups.map((g) => g.join(',')).join(' | ')}`);
  }

  blockOneWay(a: number, b: number): void {
    this.net.blockOneWay(SimRoom.device(a), SimRoom.device(b));
    this.log(`block n${a} -> n${b}`);
  }

  heal(): void {
    this.net.heal();
    this.log('heal');
  }

  /** A replayable failure report. */
  report(): string {
    return `${this.violations.join('\n')}\n--- trace ---\n${this.trace.slice(-200).join('\n')}`;
  }

  private checkSafety(): void {
    for (let i = 0; i < this.size; i++) {
      const p = this.peerAt(i);
      if (!p?.isRunning || p.role !== 'host') continue;
      const prev = this.epochHost.get(p.epoch);
      if (prev === undefined) this.epochHost.set(p.epoch, p.memberId!);
      else if (prev !== p.memberId && this.violations.length < 20) {
        this.violations.push(
          `${this.clock.now()} ms: epoch ${p.epoch} hosted by ${this.label(prev)} and ${this.label(p.memberId)}`,
        );
      }
    }
  }
}
