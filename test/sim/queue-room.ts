import { staffKey } from '../../core/queue/passcode';
import { TEST_KDF } from '../unit/queue-fixture';
import assert from 'node:assert/strict';
import { BatonService } from '../../core/api/service';
import type { Method, Results } from '../../core/api/contract';
import type { SessionListing } from '../../core/api/directory';
import { Peer } from '../../core/engine/peer';
import type { DeviceId } from '../../core/ids';
import { SeededRandom } from '../../core/random';
import type { QueueState } from '../../core/queue/types';
import { MemoryStore } from '../../core/store/store';
import { CLEAN, type LinkFaults } from './sim-network';
import { simSigner } from './sim-signer';
import { SimRoom } from './sim-room';

export interface Laptop {
  index: number;
  device: DeviceId;
  settings: MemoryStore;
  stores: Map<string, MemoryStore>;
  service: BatonService;
}

/**
 * A classroom of BatonService copies (the App API, as the UI and the CLI use it) on the
 * shared SimRoom: the same clock, network and one-host-per-epoch check as SimCluster.
 */
export class QueueRoom extends SimRoom<QueueState> {
  readonly laptops: Laptop[] = [];
  private counter = 0;

  constructor(
    private readonly count: number,
    readonly seed = 1,
    faults: LinkFaults = CLEAN,
  ) {
    super(seed, seed * 31 + 7, faults);
    for (let i = 0; i < count; i++) {
      const laptop: Laptop = {
        index: i,
        device: SimRoom.device(i),
        settings: new MemoryStore(),
        stores: new Map(),
        service: null as unknown as BatonService,
      };
      this.laptops.push(laptop);
      laptop.service = this.makeService(laptop);
    }
  }

  get size(): number {
    return this.count;
  }

  protected peerAt(i: number): Peer<QueueState> | null {
    return this.laptops[i]?.service.currentPeer ?? null;
  }

  /** Call the App API on laptop i and drive the clock until it answers. */
  async call<M extends Method>(i: number, method: M, params?: unknown, maxMs = 20_000) {
    const p = this.laptops[i]!.service.call(method, params);
    return this.drive(p, maxMs);
  }

  /** Like `call`, but expects success and returns the value. */
  async ok<M extends Method>(i: number, method: M, params?: unknown): Promise<Results[M]> {
    const r = await this.call(i, method, params);
    if (!r.ok) throw new Error(`laptop ${i} ${method}: ${r.error.code} ${r.error.message}`);
    return r.value;
  }

  /** Advance simulated time in small steps until `p` settles. */
  async drive<T>(p: Promise<T>, maxMs = 20_000): Promise<T> {
    let done = false;
    void p.then(
      () => (done = true),
      () => (done = true),
    );
    for (let t = 0; t < maxMs && !done; t += 10) {
      await new Promise((r) => setImmediate(r));
      if (!done) this.clock.advance(10);
    }
    await new Promise((r) => setImmediate(r));
    if (!done) throw new Error(`no answer within ${maxMs} simulated ms`);
    return p;
  }

  peer(i: number): Peer<QueueState> | null {
    return this.laptops[i]!.service.currentPeer;
  }

  crash(i: number): void {
    this.peer(i)?.stop();
  }

  /** Laptop i comes back: a new process on the same disk. */
  restart(i: number): void {
    const l = this.laptops[i]!;
    l.service.close();
    l.service = this.makeService(l);
    l.service.start();
  }

  running(): number[] {
    return this.runningIndexes();
  }

  /** The one host every running laptop follows, or null. */
  agreedHost(): number | null {
    return this.agreedHostIndex();
  }

  private directory(): SessionListing[] {
    const out = new Map<string, SessionListing>();
    for (const l of this.laptops) {
      const p = l.service.currentPeer;
      if (!p?.isRunning || !p.sessionId || p.role !== 'host' || !p.doc?.baton) continue;
      out.set(p.sessionId, {
        sessionId: p.sessionId,
        name: p.doc.baton.session.name,
        hostName: p.doc.baton.members[p.memberId!]?.name ?? '',
        memberCount: Object.keys(p.doc.baton.members).length,
        contacts: [l.device],
      });
    }
    return [...out.values()];
  }

  private makeService(l: Laptop): BatonService {
    return new BatonService({
      name: `laptop ${l.index}`,
      clock: this.clock,
      staffKdf: TEST_KDF,
      // Derived at once: a thread-pool derivation would let real time into simulated time.
      staffKeyOf: (passphrase, lock) => Promise.resolve(staffKey(passphrase, lock)),
      random: new SeededRandom(this.seed * 7919 + l.index),
      directory: { list: () => this.directory(), onChange: () => () => {} },
      settings: l.settings,
      storeFor: (sid) => {
        let s = l.stores.get(sid);
        if (!s) l.stores.set(sid, (s = new MemoryStore()));
        return s;
      },
      makePeer: (store, app, name) =>
        new Peer<QueueState>({
          deviceId: l.device,
          signer: simSigner(l.device),
          name,
          clock: this.clock,
          random: new SeededRandom(this.seed * 1000 + l.index * 31 + this.counter++),
          transport: this.net.endpoint(l.device),
          store,
          app,
          // BATON_SIM_LOG=1: each laptop's engine log, with the simulated time.
          ...(process.env.BATON_SIM_LOG
            ? { log: (line: string) => console.log(`${this.clock.now()} L${l.index} ${line}`) }
            : {}),
        }),
    });
  }
}

/** Laptop 0 is the TA's and creates the session; the others join it through the App API. */
export async function classroom(n: number, seed = 1): Promise<QueueRoom> {
  const room = new QueueRoom(n, seed);
  const { sessionId } = await room.ok(0, 'session.create', {
    name: 'CPSC 416 office hours',
    staffPasscode: 'letmein-please',
  });
  for (let i = 1; i < n; i++) {
    room.run(20 + room.random.int(200));
    await room.ok(i, 'session.join', { sessionId });
  }
  room.run(2_000);
  return room;
}

export function assertSafe(room: QueueRoom): void {
  assert.deepEqual(room.violations, [], `seed ${room.seed}: one host per epoch`);
}
