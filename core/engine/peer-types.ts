import type { Clock } from '../clock';
import { CodedError, type EngineErrorCode } from '../errors';
import type { DeviceId } from '../ids';
import type { Random } from '../random';
import type { App } from '../replication/engine-app';
import type { Signer } from '../session/signer';
import type { EngineConfig } from '../session/config';
import type { SessionEvents } from '../session/effects';
import type { Store } from '../store/store';
import type { Transport } from '../transport/transport';

// The driver's vocabulary: what a peer is given, what it tells, how a join fails.

/** The ports a session runs on: who this copy is, and its clock, randomness, network, disk. */
export interface SessionPorts {
  deviceId: DeviceId;
  /** Signs with this device's key and checks other devices' signatures (`DeviceKey.signer()`). */
  signer: Signer;
  name: string;
  clock: Clock;
  random: Random;
  transport: Transport;
  store: Store;
  log?: (line: string) => void;
}

/** What a peer is given: its ports, the app it runs, and engine settings. */
export interface PeerOptions<S> extends SessionPorts {
  app: App<S>;
  config?: Partial<EngineConfig>;
}

/** What a peer tells its app; see SessionEvents for each payload. */
export type PeerEvents = Omit<SessionEvents, 'joinFailed' | 'stopped'>;

/** A join the session refused (`version`, `unknown-session`) or that was `cancelled`. */
export class JoinRefusedError extends CodedError<EngineErrorCode> {
  override name = 'JoinRefusedError';
}
