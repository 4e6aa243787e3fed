import type { DeviceId, MemberId } from '../../core/ids';
import { SeededRandom } from '../../core/random';
import { MemoryStore } from '../../core/store/store';
import { Peer } from '../../core/engine/peer';
import { suspendPeer, wakePeer } from '../../core/engine/peer-internals';
import type { EngineConfig } from '../../core/session/config';
import { CLEAN, type LinkFaults } from './sim-network';
import { simSigner } from './sim-signer';
import { SET_APP, type SetState, type SimApp } from './set-app';
import { SimRoom } from './sim-room';

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
 * A whole classroom in one process: engine peers running an app (the grow-only set by
 * default, or any other: the diary runs here too) on the shared SimRoom (manual clock,
 * in-memory network, the one-host-per-epoch check after every timer). Histories of
 * submitted and acknowledged commands feed the final set-full check.
 */
export class SimCluster<S = SetState> extends SimRoom<S> {
  readonly nodes: SimNode<S>[] = [];
  readonly app: SimApp<S>;
  readonly sessionId = 'sim-session';
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
    private readonly count: number,
    readonly opts: ClusterOptions<S> = {},
  ) {
    super(opts.seed ?? 1, (opts.seed ?? 1) * 7919 + 17, opts.faults ?? CLEAN);
    this.app = opts.app ?? (SET_APP as unknown as SimApp<S>);
    for (let i = 0; i < count; i++) {
      this.nodes.push({
        index: i,
        device: SimRoom.device(i),
        store: new MemoryStore(),
        peer: null as unknown as Peer<S>,
      });
      this.nodes[i]!.peer = this.makePeer(i);
    }
  }

  get size(): number {
    return this.count;
  }

  protected peerAt(i: number): Peer<S> | null {
    return this.nodes[i]?.peer ?? null;
  }

  /** Node 0 creates the session; the others join it, staggered. */
  start(): this {
    this.nodes[0]!.peer.createSession(this.sessionId, 'sim office hours');
    this.log('n0 created the session');
    for (let i = 1; i < this.size; i++) {
      // Random start offsets give every laptop its own heartbeat phase, as in a real room.
      this.run(this.opts.staggerMs ?? 20 + this.random.int(230));
      this.nodes[i]!.peer.join(this.nodes[0]!.device, this.sessionId).catch((e: Error) =>
        this.log(`n${i} join failed: ${e.message}`),
      );
      this.log(`n${i} joins`);
    }
    return this;
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
    const i = this.agreedHostIndex();
    return i === null ? null : this.nodes[i]!;
  }

  indexOf(memberId: MemberId | null): number {
    return this.indexOfMember(memberId);
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

  /** The process dies (kill -9): its links close, so the others learn it is gone at once. */
  kill(i: number): void {
    this.peer(i).stop();
    this.net.processDied(this.nodes[i]!.device);
    this.log(`n${i} killed`);
  }

  pause(i: number): void {
    suspendPeer(this.peer(i));
    this.log(`n${i} paused`);
  }

  unpause(i: number): void {
    wakePeer(this.peer(i));
    this.log(`n${i} resumed after a pause`);
  }

  /** Restart node i from its store (same laptop coming back). A paused node resumes the same way. */
  restart(i: number): void {
    const node = this.nodes[i]!;
    node.peer.stop();
    node.peer = this.makePeer(i);
    const resumed = node.peer.resume();
    this.log(`n${i} restarted (${resumed ? 'resumed' : 'no session on disk'})`);
    if (!resumed)
      node.peer
        .join(this.nodes[0]!.device, this.sessionId)
        .catch((e: Error) => this.log(`n${i} join failed: ${e.message}`));
  }

  leave(i: number): Promise<void> {
    this.log(`n${i} leaves gracefully`);
    return this.peer(i).leave();
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

  /** A replayable failure report. */
  override report(): string {
    return `seed=${this.opts.seed ?? 1}\n${super.report()}`;
  }

  private makePeer(i: number): Peer<S> {
    const node = this.nodes[i]!;
    const peer = new Peer<S>({
      deviceId: node.device,
      signer: simSigner(node.device),
      name: `laptop ${i}`,
      clock: this.clock,
      random: new SeededRandom((this.opts.seed ?? 1) * 1000 + i * 31 + this.counter++),
      transport: this.net.endpoint(node.device),
      store: node.store,
      app: this.app.app,
      config: { ...this.opts.config, ...this.opts.configFor?.(i) },
      // BATON_SIM_LOG=1: each copy's engine log, with the simulated time.
      ...(process.env.BATON_SIM_LOG
        ? { log: (line: string) => console.log(`${this.clock.now().toFixed(1)} n${i} ${line}`) }
        : {}),
    });
    peer.events.on('role', (r) =>
      this.log(`n${i} role=${r.role} host=${this.label(r.hostId)} epoch=${r.epoch}`),
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
}
