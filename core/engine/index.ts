/**
 * The engine as a library: a replicated session for small LAN apps. One copy hosts and
 * orders every command; the others hold replicas; when the host goes, the next in
 * successorship order takes over, and nothing acknowledged is lost. docs/ENGINE.md shows
 * a whole app; examples/diary is one.
 *
 * An app is `{ init, commandSchema, apply }` (see `defineApp`). The short way to run it:
 * `openRoom(app, { room, name, dataDir })` finds the room on the LAN and joins it, or
 * creates it (room.ts). The low-level way, for your own transport or the simulator:
 * `openSession(app, ports)` gives a Peer: `createSession` / `join` / `resume`,
 * `submit(command)` (settles once the command is durable on the host and its next K),
 * `events.on('state' | 'role' | 'members' | 'hostChanged' | …)`, `leave()` and `stop()`.
 */
import type { z } from 'zod';
import { type Result, err } from '../result';
import type { App, ApplyContext } from '../replication/engine-app';
import type { EngineConfig } from '../session/config';
import { Peer } from './peer';
import type { SessionPorts } from './peer-types';
import type { TypedApp } from './room';

export { Peer, JoinRefusedError, type PeerEvents, type PeerRole } from './peer';
/** A room in one call (room.ts; on the LAN: room-lan.ts). */
export {
  Room,
  openRoomOn,
  type RoomDirectory,
  type RoomMember,
  type RoomOptions,
  type RoomPorts,
  type Receipt,
  type SendOptions,
  type StateChange,
  type TypedApp,
} from './room';
export { openRoom, type LanRoomOptions } from './room-lan';
export { type LineIo, closeOnSignals, serveRoom, serveStdio } from './stdio';
export type { SessionPorts } from './peer-types';
export type { Signer } from '../session/signer';
export type { App, ApplyContext } from '../replication/engine-app';
export type { EngineConfig } from '../session/config';
export type { Clock } from '../clock';
export type { Random } from '../random';
export type { Store } from '../store/store';
export type { Transport } from '../transport/transport';
export { type Result, ok, err } from '../result';
export { CodedError, type EngineErrorCode } from '../errors';
export { type CommandId, type DeviceId, type MemberId, asDeviceId } from '../ids';
export { systemClock } from '../clock';
export { SeededRandom, cryptoRandom } from '../random';
export { MemoryStore } from '../store/store';
export { FileStore } from '../store/file-store';
/** One process per data dir: `openRoom` throws this (naming the holder) when another has it. */
export { DataDirLockedError } from '../store/data-dir-lock';
/** The LAN ports: WebSocket links between devices, a device's key, mDNS discovery. */
export { WsTransport } from '../transport/ws-transport';
export { DeviceKey } from '../transport/device-key';
export { MdnsDiscovery } from '../discovery/mdns';
/**
 * Strings in the state are collaborative text unless wrapped: one op per character. Wrap
 * what is replaced whole (names, messages) in `new ImmutableString(s)`; read with String().
 */
export { ImmutableString } from '@automerge/automerge';

/** What an app declares: its first state, the commands it takes, and how each applies. */
export interface AppSpec<S, C, R = unknown> {
  /** The state a new session starts with. */
  init(): S;
  /** Every command is checked against this at the host before `apply` sees it. */
  commandSchema: z.ZodType<C>;
  /**
   * Apply one valid command to `state` (a live Automerge draft: write through it; read
   * from `view`, the same state before the change as plain objects). Runs on the host
   * only, inside one change; an error result rolls the change back. Keep what it writes
   * keyed by `ctx.commandId` so a command applied on both sides of a healed partition
   * merges into one effect.
   */
  apply(state: S, command: C, ctx: ApplyContext, view: S): Result<R>;
  /**
   * Optional: resolve what a merge of two sides' changes exposed (runs on the host; read
   * from `view`, the state before the change as plain objects, as in `apply`).
   */
  reconcile?(state: S, ctx: { now: number; epoch: number }, view: S): void;
}

/**
 * An engine app from a spec: commands that fail the schema get `invalid` and change
 * nothing. Its command and result types carry over to `room.send` (a wrong command does
 * not compile).
 */
export function defineApp<S, C, R = unknown>(spec: AppSpec<S, C, R>): TypedApp<S, C, R> {
  return {
    init: () => spec.init(),
    apply(state, command, ctx, view) {
      const parsed = spec.commandSchema.safeParse(command);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        const where = first ? `${first.path.join('.') || '(command)'}: ${first.message}` : '';
        return err('invalid', `invalid command (${where})`);
      }
      return spec.apply(state, parsed.data, ctx, view);
    },
    ...(spec.reconcile ? { reconcile: spec.reconcile.bind(spec) } : {}),
  };
}

/** A copy of `app`'s session on `ports`: create one, join one, or resume the stored one. */
export function openSession<S>(
  app: App<S>,
  ports: SessionPorts,
  config?: Partial<EngineConfig>,
): Peer<S> {
  return new Peer<S>({ ...ports, app, ...(config ? { config } : {}) });
}
