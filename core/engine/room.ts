import * as Automerge from '@automerge/automerge';
import { v7 as uuidv7 } from 'uuid';
import type { TimerHandle } from '../clock';
import type { SessionListing } from '../discovery/listing';
import { CodedError } from '../errors';
import type { MemberId } from '../ids';
import { OUTBOX_KEY } from '../replication/outbox';
import { DOC_KEY } from '../replication/replica';
import { IDENTITY_KEY } from '../session/identity';
import { Peer, type PeerRole } from './peer';
import type {
  Receipt,
  RoomEvents,
  RoomMember,
  RoomOptions,
  RoomPorts,
  SendOptions,
  TypedApp,
} from './room-types';

export type {
  Receipt,
  RoomDirectory,
  RoomEvents,
  RoomMember,
  RoomOptions,
  RoomPorts,
  SendOptions,
  StateChange,
  TypedApp,
} from './room-types';

/**
 * A room in one call: `openRoom` (room-lan.ts) or `openRoomOn` (any ports) finds the room
 * by its name and joins it, or creates it; copies that race to create the same room merge
 * into one. Then `send(command)` → the host's typed result, `on('state', (state, change))`,
 * `members`, `close()`.
 *
 * How racing copies become one room: a copy that creates a room holds its sends for
 * `settleMs` while it watches the network; any copy (host or member) whose room sorts
 * after another room of the same name (session ids are UUIDv7: the earlier creation
 * first) and has acknowledged no command yet leaves it and joins the earlier one — its
 * held sends go there. A room that has acknowledged commands never moves (nothing
 * acknowledged is dropped): two such rooms of one name are reported (`conflict`).
 */

const POINTER_KEY = 'room.json';
/** What a copy announces while in no room. */
const IN_NO_ROOM = { sid: '', sn: '', mid: '' };

/** Whether a room's document holds any acknowledged command (then it never moves). */
const hasAcknowledged = (peer: Peer<unknown> | null): boolean =>
  Object.keys(peer?.doc?.baton?.cmds ?? {}).length > 0;

export class Room<S, C, R = unknown> {
  private peer: Peer<S> | null = null;
  private phase: 'finding' | 'settling' | 'open' | 'closed' = 'finding';
  private held: { cmd: C; resolve(r: Receipt<R>): void; reject(e: Error): void }[] = [];
  private settleTimer: TimerHandle | null = null;
  private moving = false;
  private heads: Automerge.Heads = [];
  private reported = new Set<string>();
  private readonly listeners: { [K in keyof RoomEvents<S>]: Set<RoomEvents<S>[K]> } = {
    state: new Set(),
    members: new Set(),
    role: new Set(),
    conflict: new Set(),
  };
  private readonly offDirectory: () => void;

  constructor(
    private readonly app: TypedApp<S, C, R>,
    private readonly o: RoomOptions,
    private readonly ports: RoomPorts,
  ) {
    if (!o.room || o.room.length > 80)
      throw new CodedError('invalid', 'a room name is 1 to 80 characters');
    this.offDirectory = ports.directory.onChange(() => this.mergeIfRaced());
  }

  /** The app's state as this copy holds it (null before the room is found or made). */
  get state(): S | null {
    return this.peer?.doc?.app ?? null;
  }
  get sessionId(): string | null {
    return this.peer?.sessionId ?? null;
  }
  get memberId(): MemberId | null {
    return this.peer?.memberId ?? null;
  }
  get role(): PeerRole {
    return this.peer?.role ?? 'none';
  }
  /** Sends go out (not held while racing copies may still merge). */
  get isOpen(): boolean {
    return this.phase === 'open';
  }
  /** The room's members in successorship order, and whether each is live from here. */
  get members(): RoomMember[] {
    const p = this.peer;
    const members = p?.doc?.baton?.members ?? {};
    return Object.keys(members)
      .sort()
      .map((id) => ({
        memberId: id as MemberId,
        name: members[id]!.name,
        live: id === p?.memberId || !!p?.isLive(id as MemberId),
      }));
  }

  on<K extends keyof RoomEvents<S>>(event: K, fn: RoomEvents<S>[K]): () => void {
    this.listeners[event].add(fn);
    return () => this.listeners[event].delete(fn);
  }

  /** Send a command to the host: its result once acknowledged; a refusal throws a CodedError. */
  async send(cmd: C, opts: SendOptions = {}): Promise<R> {
    return (await this.sendForReceipt(cmd, opts)).value;
  }

  /** As `send`, with how many copies held the command when it was acknowledged. */
  sendForReceipt(cmd: C, opts: SendOptions = {}): Promise<Receipt<R>> {
    if (this.phase === 'closed')
      return Promise.reject(new CodedError('closed', 'the room is closed'));
    // A room that has had other copies acks only what another holds (session/certs.ts),
    // unless its app prefers this copy as host.
    const need = Math.max(this.o.minHolders ?? 0, this.members.length > 1 ? 1 : 0);
    if (opts.ifAlone === 'fail' && need > 0) {
      const others = this.members.filter((m) => m.live && m.memberId !== this.memberId).length;
      if (others < need)
        return Promise.reject(
          new CodedError(
            'alone',
            `${others} other ${others === 1 ? 'copy is' : 'copies are'} here; this room acknowledges only what ${need} other ${need === 1 ? 'copy holds' : 'copies hold'}`,
          ),
        );
    }
    if (this.phase !== 'open')
      return new Promise((resolve, reject) => this.held.push({ cmd, resolve, reject }));
    return this.submit(cmd);
  }

  /** Leave (a host hands over first), stop announcing, release the ports. */
  async close(): Promise<void> {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.clearSettle();
    this.offDirectory();
    for (const h of this.held.splice(0)) h.reject(new CodedError('closed', 'the room is closed'));
    if (this.peer?.isRunning) await this.peer.leave();
    this.ports.directory.announce(IN_NO_ROOM);
    await this.ports.close?.();
  }

  /** Resume the room this copy was in, else find it, else create it. */
  async start(): Promise<void> {
    const pointer = this.pointer();
    if (pointer) {
      const peer = this.attach(pointer);
      if (peer.resume()) {
        this.log(`resumed room "${this.o.room}" (${pointer})`);
        return this.opened();
      }
    }
    const found = await this.find(this.o.findMs ?? 1_500);
    if (this.phase === 'closed') return;
    if (found) {
      await this.moveTo(found);
      return;
    }
    const sessionId = uuidv7({
      msecs: this.ports.clock.now(),
      random: this.ports.random.bytes(16),
    });
    this.attach(sessionId).createSession(sessionId, this.o.room);
    this.savePointer(sessionId);
    this.log(`created room "${this.o.room}" (${sessionId})`);
    this.announce();
    this.settle();
  }

  // ---- finding, creating, merging ------------------------------------------------

  /** The earliest room of this name on the network, waiting up to `ms` for one. */
  private find(ms: number): Promise<SessionListing | null> {
    const first = (): SessionListing | null => this.rooms()[0] ?? null;
    return new Promise((resolve) => {
      const now = first();
      if (now) return resolve(now);
      const timer = this.ports.clock.setTimer(ms, () => {
        off();
        resolve(first());
      });
      const off = this.ports.directory.onChange(() => {
        const f = first();
        if (!f) return;
        this.ports.clock.clearTimer(timer);
        off();
        resolve(f);
      });
    });
  }

  /** Rooms of this name that others announce, earliest first. */
  private rooms(): SessionListing[] {
    return this.ports.directory
      .sessions()
      .filter((s) => s.name === this.o.room && s.contacts.length > 0)
      .sort((a, b) => (a.sessionId < b.sessionId ? -1 : 1));
  }

  /** Hold sends for `settleMs` (again after a move): racing copies may still merge. */
  private settle(): void {
    this.clearSettle();
    if (this.phase !== 'closed') this.phase = 'settling';
    this.settleTimer = this.ports.clock.setTimer(this.o.settleMs ?? 2_000, () => {
      this.settleTimer = null;
      this.opened();
    });
    this.mergeIfRaced();
  }

  private clearSettle(): void {
    if (this.settleTimer) this.ports.clock.clearTimer(this.settleTimer);
    this.settleTimer = null;
  }

  /** An earlier room of this name is here: move there while ours has acknowledged nothing. */
  private mergeIfRaced(): void {
    const mine = this.peer?.sessionId;
    if (this.phase === 'finding' || this.phase === 'closed' || this.moving || !mine) return;
    const earlier = this.rooms().find((r) => r.sessionId < mine);
    if (!earlier) return;
    if (hasAcknowledged(this.peer)) {
      if (!this.reported.has(earlier.sessionId)) {
        this.reported.add(earlier.sessionId);
        this.log(
          `another room "${this.o.room}" (${earlier.sessionId}) is here; both hold acknowledged commands, so they stay apart`,
        );
        for (const fn of this.listeners.conflict) fn({ sessionId: earlier.sessionId });
      }
      return;
    }
    this.log(`room ${mine} raced ${earlier.sessionId}: moving to the earlier one`);
    void this.moveTo(earlier);
  }

  /** Join `target` (leaving the room we are in, which has acknowledged nothing). */
  private async moveTo(target: SessionListing): Promise<void> {
    this.moving = true;
    this.clearSettle();
    if (this.phase === 'open') this.phase = 'settling';
    const old = this.peer;
    if (old?.sessionId && old.sessionId !== target.sessionId) {
      old.stop();
      const store = this.ports.storeFor(old.sessionId);
      for (const key of [DOC_KEY, IDENTITY_KEY, OUTBOX_KEY]) store.remove(key);
    }
    this.ports.directory.announce(IN_NO_ROOM);
    const peer = this.attach(target.sessionId);
    const timer = this.ports.clock.setTimer(15_000, () => peer.cancelJoin('no answer in 15 s'));
    let failed: Error | null = null;
    try {
      await peer.join(target.contacts[0]!, target.sessionId);
    } catch (e) {
      failed = e as Error;
    } finally {
      this.ports.clock.clearTimer(timer);
    }
    this.moving = false;
    if (failed) {
      this.log(`joining ${target.sessionId} failed (${failed.message}); looking again`);
      if (this.phase === 'closed') return;
      this.phase = 'finding';
      return this.start();
    }
    this.savePointer(target.sessionId);
    this.log(`joined room "${this.o.room}" (${target.sessionId})`);
    this.announce();
    // A room that has acknowledged commands is established: nothing to race with.
    if (hasAcknowledged(peer)) this.opened();
    else this.settle();
  }

  private opened(): void {
    if (this.phase === 'closed' || this.moving) return;
    this.phase = 'open';
    for (const h of this.held.splice(0)) this.submit(h.cmd).then(h.resolve, h.reject);
  }

  private submit(cmd: C): Promise<Receipt<R>> {
    return this.peer!.submit(cmd).receipt.then(({ result, held }) => {
      if (!result.ok) throw new CodedError(result.error.code, result.error.message);
      return { value: result.value as R, holders: held };
    });
  }

  // ---- the session's peer --------------------------------------------------------

  private attach(sessionId: string): Peer<S> {
    this.peer?.stop();
    const peer = new Peer<S>({
      deviceId: this.ports.deviceId,
      signer: this.ports.signer,
      name: this.o.name,
      clock: this.ports.clock,
      random: this.ports.random,
      transport: this.ports.transport,
      store: this.ports.storeFor(sessionId),
      app: this.app,
      config: { ...this.o.config, ...(this.o.minHolders ? { minHolders: this.o.minHolders } : {}) },
      ...(this.ports.log ? { log: this.ports.log } : {}),
    });
    this.peer = peer;
    this.heads = [];
    peer.events.on('state', () => this.onState(peer));
    peer.events.on('members', () => {
      this.announce();
      const m = this.members;
      for (const fn of this.listeners.members) fn(m);
    });
    peer.events.on('role', (r) => {
      this.announce();
      for (const fn of this.listeners.role) fn(r.role);
    });
    return peer;
  }

  private onState(peer: Peer<S>): void {
    if (peer !== this.peer) return;
    const doc = peer.doc;
    if (!doc?.app) return;
    const now = Automerge.getHeads(doc);
    const patches = Automerge.diff(doc, this.heads, now)
      .filter((p) => p.path[0] === 'app')
      .map((p) => ({ ...p, path: p.path.slice(1) }) as Automerge.Patch);
    this.heads = now;
    if (patches.length === 0) return;
    for (const fn of this.listeners.state) fn(doc.app, { patches });
  }

  /** Announced once the document holds the room (a joiner mid-join stays unannounced). */
  private announce(): void {
    const p = this.peer;
    const inRoom = !!(p?.isRunning && p.sessionId && p.doc?.baton?.session && !this.moving);
    this.ports.directory.announce(
      inRoom ? { sid: p.sessionId!, sn: this.o.room, mid: p.memberId ?? '' } : IN_NO_ROOM,
    );
  }

  private pointer(): string | null {
    try {
      const raw = this.ports.storeFor('room').load(POINTER_KEY);
      if (!raw) return null;
      const p = JSON.parse(new TextDecoder().decode(raw)) as {
        room?: unknown;
        sessionId?: unknown;
      };
      return p.room === this.o.room && typeof p.sessionId === 'string' ? p.sessionId : null;
    } catch {
      return null;
    }
  }

  private savePointer(sessionId: string): void {
    const bytes = new TextEncoder().encode(JSON.stringify({ room: this.o.room, sessionId }));
    this.ports.storeFor('room').save(POINTER_KEY, bytes);
  }

  private log(line: string): void {
    this.ports.log?.(`room: ${line}`);
  }
}

/** Open `app`'s room on `ports`: resolves once this copy is in it (resumed, joined or made). */
export async function openRoomOn<S, C, R>(
  app: TypedApp<S, C, R>,
  o: RoomOptions,
  ports: RoomPorts,
): Promise<Room<S, C, R>> {
  const room = new Room(app, o, ports);
  await room.start();
  return room;
}
