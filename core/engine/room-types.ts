import type * as Automerge from '@automerge/automerge';
import type { Clock } from '../clock';
import type { SessionListing } from '../discovery/listing';
import type { DeviceId, MemberId } from '../ids';
import type { Random } from '../random';
import type { App } from '../replication/engine-app';
import type { Signer } from '../session/signer';
import type { EngineConfig } from '../session/config';
import type { Store } from '../store/store';
import type { Transport } from '../transport/transport';
import type { PeerRole } from './peer';

// A room's vocabulary (room.ts does the work): the typed app, the ports a room runs on,
// its options, and what it tells its app.

/** An app whose commands and results are typed (what `defineApp` returns). */
export interface TypedApp<S, C, R = unknown> extends App<S> {
  /** Types only: never set. */
  readonly __types?: { command: C; result: R };
}

/** How copies of a room see each other: announcing, and the rooms announced. */
export interface RoomDirectory {
  /** The sessions heard (`name` is the room's name), contacts first the host when known. */
  sessions(): SessionListing[];
  onChange(fn: () => void): () => void;
  /** What this copy announces (empty strings while in no session). */
  announce(t: { sid: string; sn: string; mid: string }): void;
}

/** What a room runs on; room-lan.ts makes them for the LAN, the simulator its own. */
export interface RoomPorts {
  deviceId: DeviceId;
  /** Signs with this device's key (`DeviceKey.signer()`; session/certs.ts). */
  signer: Signer;
  clock: Clock;
  random: Random;
  transport: Transport;
  directory: RoomDirectory;
  /** A store per session (`key` its id), and `'room'` for which session this copy is in. */
  storeFor(key: string): Store;
  log?: (line: string) => void;
  /** Release what the ports hold (links, discovery, the data dir's lock). */
  close?(): Promise<void>;
}

export interface RoomOptions {
  /** The room's name: copies meet by it. */
  room: string;
  /** This copy's display name. */
  name: string;
  /** How long to look for the room before creating it (ms, default 1,500). */
  findMs?: number;
  /** How long a new room holds sends while racing copies find it (ms, default 2,000). */
  settleMs?: number;
  /**
   * Other copies that must hold a command before it is acknowledged, however small the
   * room (default 0: in a room of one, "sent" means this copy's disk holds it). Sent while
   * fewer are here, a command waits for them — or fails at once with `alone` when sent
   * with `{ ifAlone: 'fail' }`.
   */
  minHolders?: number;
  config?: Partial<EngineConfig>;
}

/** What changed in the state: Automerge's patches, with paths inside the app's state. */
export interface StateChange {
  patches: Automerge.Patch[];
}

export interface RoomMember {
  memberId: MemberId;
  name: string;
  live: boolean;
}

/** How a send behaves while fewer than `minHolders` other copies are here. */
export interface SendOptions {
  ifAlone?: 'wait' | 'fail';
}

/** A send's answer with how many copies held the command when acknowledged (this one included when it hosts). */
export interface Receipt<R> {
  value: R;
  holders: number | null;
}

export interface RoomEvents<S> {
  state: (state: S, change: StateChange) => void;
  members: (members: RoomMember[]) => void;
  role: (role: PeerRole) => void;
  /** Another room of this name that cannot be merged (both acknowledged commands). */
  conflict: (other: { sessionId: string }) => void;
}
