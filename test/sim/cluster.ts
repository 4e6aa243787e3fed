import { type DeviceId, type MemberId, asDeviceId } from '../../core/ids';
import { SeededRandom } from '../../core/random';
import { MemoryStore } from '../../core/store/store';
import { Peer } from '../../core/engine/peer';
import type { EngineConfig } from '../../core/session/config';
import { ManualClock } from './manual-clock';
import { CLEAN, type LinkFaults, SimNetwork } from './sim-network';
import { SET_APP, type SetState, type SimApp } from './set-app';

export interface SimNode<S = SetState> {
  index: number;
  device: DeviceId;
  store: MemoryStore;
  peer: Peer<S>;
}

export interface ClusterOptions<S = SetState> {
  /** The app under test (default: the grow-only set). Any engine app runs here. */
  app?: SimApp<S>;
  seed?: number;
  faults?: LinkFaults;
  config?: Partial<EngineConfig>;
  /** Per-node config overrides (e.g. eligibility). */
  configFor?: (index: number) => Partial<EngineConfig>;
  /** Delay between starts of consecutive nodes, ms. */
  staggerMs?: number;
}

/**
 * A whole classroom in one process: peers on a manual clock and an in-memory network.
 * Every timer that fires is followed by the safety check "at most one host per epoch";
 * histories of submitted and acknowledged commands feed the final set-full check.
 */
export class SimCluster<S = SetState> {
  readonly clock = new ManualClock();
  readonly random: SeededRandom;
  readonly net: SimNetwork;
  readonly nodes: SimNode<S>[] = [];
  readonly app: SimApp<S>;
  readonly trace: string[] = [];
  readonly sessionId = 'sim-session';
  /** epoch → the one member that ever hosted it. */
  private readonly epochHost = new Map<number, MemberId>();
  readonly violations: string[] = [];
  /** Every value submitted, and those acknowledged ok. */
  readonly submitted = new Set<string>();
  readonly acked = new Set<string>();
  readonly hostChanges: {
    at: number;
    node: number;
    from: MemberId | null;
    to: MemberId;
    gapMs: number;
  }[] = [];
  private counter = 0;

  constructor(
    readonly size: number,
    readonly opts: ClusterOptions<S> = {},
  ) {
    this.app = opts.app ?? (SET_APP as unknown as SimApp<S>);
    this.random = new SeededRandom(opts.seed ?? 1);
    this.net = new SimNetwork(
      this.clock,
      new SeededRandom((opts.seed ?? 1) * 7919 + 17),
      opts.faults ?? CLEAN,
    );
    for (let i = 0; i < size; i++) {
      const device = asDeviceId(`laptop-${String(i).padStart(2, '0')}`);
      this.nodes.push({
        index: i,
        device,
        store: new MemoryStore(),
        peer: null as unknown as Peer<S>,
      });
      this.nodes[i]!.peer = this.makePeer(i);
    }
    this.clock.afterEach = () => this.checkSafety();
  }

  /** Node 0 creates the session; the others join it, staggered. */
  start(): this {
    this.nodes[0]!.peer.createSession(this.sessionId, 'sim office hours');
    this.log('n0 created the session');
    for (let i = 1; i < this.size; i++) {
      // Random start offsets give every laptop its own heartbeat phase, as in a real room.
      this.run(this.opts.staggerMs ?? 20 + this.random.int(230));
      void this.nodes[i]!.peer.join(this.nodes[0]!.device, this.sessionId);
      this.log(`n${i} joins`);
    }
    return this;
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

  peer(i: number): Peer<S> {
    return this.nodes[i]!.peer;
  }

  running(): SimNode<S>[] {
    return this.nodes.filter((n) => n.peer.isRunning);
  }

  hosts(): SimNode<S>[] {
    return this.running().filter((n) => n.peer.role === 'host');
  }

  /** The single host that every running member follows and reaches, or null. */
  agreedHost(): SimNode<S> | null {
    const hosts = this.hosts();
    if (hosts.length !== 1) return null;
    const h = hosts[0]!;
    const id = h.peer.memberId;
    const all = this.running().every(
      (n) => n.peer.hostId === id && n.peer.epoch === h.peer.epoch && n.peer.hostReachable(),
    );
    return all ? h : null;
  }

  indexOf(memberId: MemberId | null): number {
    return this.nodes.findIndex((n) => n.peer.memberId === memberId);
  }

  /** Submit `value` at node i; records it for the set-full check. */
  submit(i: number, value = `v${this.counter++}`): Promise<boolean> {
    this.submitted.add(value);
    const { done } = this.peer(i).submit(this.app.command(value));
    return done.then((r) => {
      if (r.ok) this.acked.add(value);
      return r.ok;
    });
  }

  crash(i: number): void {
    this.peer(i).stop();
    this.log(`n${i} crashed`);
  }

  pause(i: number): void {
    this.peer(i).suspend();
    this.log(`n${i} paused`);
  }

  unpause(i: number): void {
    this.peer(i).wake();
    this.log(`n${i} resumed after a pause`);
  }

  /** Restart node i from its store (same laptop coming back). A paused node resumes the same way. */
  restart(i: number): void {
    const node = this.nodes[i]!;
    node.peer.stop();
    node.peer = this.makePeer(i);
    const resumed = node.peer.resume();
    this.log(`n${i} restarted (${resumed ? 'resumed' : 'no session on disk'})`);
    if (!resumed) void node.peer.join(this.nodes[0]!.device, this.sessionId);
  }

  leave(i: number): Promise<void> {
    this.log(`n${i} leaves gracefully`);
    return this.peer(i).leave();
  }

  partition(...groups: number[][]): void {
    this.net.partition(...groups.map((g) => g.map((i) => this.nodes[i]!.device)));
    this.log(`partition ${groups.map((g) => g.join(',')).join(' | ')}`);
  }

  blockOneWay(a: number, b: number): void {
    this.net.blockOneWay(this.nodes[a]!.device, this.nodes[b]!.device);
    this.log(`block n${a} -> n${b}`);
  }

  heal(): void {
    this.net.heal();
    this.log('heal');
  }

  converged(): boolean {
    const heads = this.running().map((n) => n.peer.heads().join());
    return heads.length > 0 && heads.every((h) => h === heads[0]);
  }

  /** Jepsen set-full style result over the final state of the running replicas. */
  setCheck(): { lost: string[]; unexpected: string[]; duplicates: string[] } {
    const node = this.running()[0];
    const values = this.app.values(node?.peer.doc?.app);
    const seen = new Map<string, number>();
    for (const v of values) seen.set(v, (seen.get(v) ?? 0) + 1);
    return {
      lost: [...this.acked].filter((v) => !seen.has(v)),
      unexpected: [...seen.keys()].filter((v) => !this.submitted.has(v)),
      duplicates: [...seen].filter(([, c]) => c > 1).map(([v]) => v),
    };
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

  /** A replayable failure report. */
  report(): string {
    return `seed=${this.opts.seed ?? 1}\n${this.violations.join('\n')}\n--- trace ---\n${this.trace.slice(-200).join('\n')}`;
  }

  private makePeer(i: number): Peer<S> {
    const node = this.nodes[i]!;
    const peer = new Peer<S>({
      deviceId: node.device,
      name: `laptop ${i}`,
      clock: this.clock,
      random: new SeededRandom((this.opts.seed ?? 1) * 1000 + i * 31 + this.counter++),
      transport: this.net.endpoint(node.device),
      store: node.store,
      app: this.app.app,
      config: { ...this.opts.config, ...this.opts.configFor?.(i) },
    });
    peer.events.on('role', (r) =>
      this.log(`n${i} role=${r.role} host=${this.short(r.hostId)} epoch=${r.epoch}`),
    );
    peer.events.on('hostChanged', (c) =>
      this.hostChanges.push({
        at: this.clock.now(),
        node: i,
        from: c.from,
        to: c.to,
        gapMs: c.gapMs,
      }),
    );
    return peer;
  }

  private short(id: MemberId | null): string {
    const i = this.indexOf(id);
    return i >= 0 ? `n${i}` : String(id);
  }

  private checkSafety(): void {
    for (const n of this.nodes) {
      if (!n.peer.isRunning || n.peer.role !== 'host') continue;
      const id = n.peer.memberId!;
      const epoch = n.peer.epoch;
      const prev = this.epochHost.get(epoch);
      if (prev === undefined) this.epochHost.set(epoch, id);
      else if (prev !== id && this.violations.length < 20) {
        this.violations.push(
          `${this.clock.now()} ms: epoch ${epoch} hosted by ${this.short(prev)} and ${this.short(id)}`,
        );
      }
    }
  }
}
