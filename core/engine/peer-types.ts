import type { Clock } from '../clock';
import { CodedError } from '../errors';
import type { DeviceId } from '../ids';
import type { Random } from '../random';
import type { App } from '../replication/engine-app';
import type { EngineConfig } from '../session/config';
import type { SessionEvents } from '../session/effects';
import type { Store } from '../store/store';
import type { Transport } from '../transport/transport';

// The driver's vocabulary: what a peer is given, what it tells, how a join fails.

export interface PeerOptions<S> {
  deviceId: DeviceId;
  name: string;
  clock: Clock;
  random: Random;
  transport: Transport;
  store: Store;
  app: App<S>;
  config?: Partial<EngineConfig>;
  log?: (line: string) => void;
}

/** What a peer tells its app; see SessionEvents for each payload. */
export type PeerEvents = Omit<SessionEvents, 'joinFailed' | 'stopped'>;

/** A join the session refused (`version`, `unknown-session`) or that was `cancelled`. */
export class JoinRefusedError extends CodedError<string> {
  override name = 'JoinRefusedError';
}
