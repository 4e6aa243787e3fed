import type { Duplex } from 'node:stream';
import type { DeviceId } from '../ids';

/** Which way a link runs: a TCP connection on the LAN, or a stream through the relay. */
export type LinkPath = 'direct' | 'relay';

/**
 * What the transport needs of a relay (core/relay/relay.ts implements it over NATS; the
 * transport never imports NATS). A stream from `dial` carries the same TLS link and
 * device proof as a TCP connection.
 */
export interface RelayPort {
  readonly connected: boolean;
  /** "Relay only": this copy opens no LAN links. */
  readonly relayOnly: boolean;
  dial(to: DeviceId): Promise<Duplex>;
  /** 'gone' when the relay says nothing of that device is connected. */
  probe(to: DeviceId): Promise<'gone' | 'alive' | 'unknown'>;
}

/** After a direct link to a device failed, the relay carries that pair for this long. */
export const RETRY_DIRECT_MS = 30_000;

/**
 * How a pair picks its path. Direct first: a device with a known LAN address is dialled
 * over TCP. A direct dial that fails (times out, resets — what client isolation does) marks
 * the device, and the relay carries that pair from then on; every RETRY_DIRECT_MS a copy
 * tries the direct way again in the background, and once a direct link is proven, frames
 * take it (`prefer`) and the relay link goes idle and closes. "Relay only" skips the LAN.
 * Links are two-way: if either side's dial works, both use that link.
 */
export class PathChoice {
  private readonly directFailedAt = new Map<DeviceId, number>();

  constructor(private readonly retryDirectMs = RETRY_DIRECT_MS) {}

  /** The path of a new link to `device`, or null when there is none. */
  pick(
    device: DeviceId,
    hasAddress: boolean,
    relay: RelayPort | null,
    now: number,
  ): LinkPath | null {
    const relayUp = !!relay?.connected;
    if (relay?.relayOnly) return relayUp ? 'relay' : null;
    if (hasAddress && !(relayUp && this.failedRecently(device, now))) return 'direct';
    return relayUp ? 'relay' : null;
  }

  directFailed(device: DeviceId, now: number): void {
    this.directFailedAt.set(device, now);
  }

  directWorked(device: DeviceId): void {
    this.directFailedAt.delete(device);
  }

  /** Time to try the direct way again for a pair the relay carries? */
  retryDue(device: DeviceId, now: number): boolean {
    return !this.failedRecently(device, now);
  }

  private failedRecently(device: DeviceId, now: number): boolean {
    const at = this.directFailedAt.get(device);
    return at !== undefined && now - at < this.retryDirectMs;
  }
}

/** Of two open links to one device, the one frames take: direct first, then the emptier. */
export function preferLink(
  a: { path: LinkPath; buffered: number },
  b: { path: LinkPath; buffered: number },
): boolean {
  if (a.path !== b.path) return a.path === 'direct';
  return a.buffered < b.buffered;
}
