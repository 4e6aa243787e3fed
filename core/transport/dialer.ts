import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { DeviceId } from '../ids';
import { type LinkPath, type RelayPort, PathChoice } from './paths';
import type { Address } from './ws-parts';

/**
 * Relay dials in flight at once. Each is a request through NATS and a TLS handshake on
 * both sides; a copy that lost sight of the room and calls on everyone (heartbeatTargets)
 * would otherwise open 99 at once, each of them past its 2 s answer under the load that
 * made — and every laptop doing the same keeps the room from settling. The rest wait.
 */
export const RELAY_DIALS_AT_ONCE = 8;

/** A link being opened: the frames waiting for it, and the socket trying now. */
interface Opening {
  queue: string[];
  ws: WebSocket | null;
}

export interface DialerHost {
  addressOf(device: DeviceId): Address | null;
  /** A TLS WebSocket over TCP / over a relay stream. */
  dialTcp(addr: Address): WebSocket;
  dialStream(stream: Duplex): WebSocket;
  /** Run the handshake on an outbound socket meant for `expect`. */
  adopt(ws: WebSocket, host: string, expect: DeviceId, path: LinkPath): void;
  /** The path of the link frames to `device` take now, or null. */
  linkPath(device: DeviceId): LinkPath | null;
  /** Devices with an open link through the relay. */
  relayedDevices(): Iterable<DeviceId>;
  /** A connection to `device` was refused outright: nothing of it listens (gone-probe.ts). */
  refused(device: DeviceId): void;
  log(line: string): void;
}

/**
 * Opening links: which path a new link takes (paths.ts), the frames that wait for it,
 * falling back to the relay when a direct dial fails, and trying the direct way again for
 * pairs the relay carries.
 */
export class Dialer {
  private readonly opening = new Map<DeviceId, Opening>();
  private readonly lastAttempt = new Map<DeviceId, number>();
  private readonly paths = new PathChoice();
  private relay: RelayPort | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private relayDialing = 0;
  private readonly relayWaiting: DeviceId[] = [];

  constructor(private readonly host: DialerHost) {}

  get relayPort(): RelayPort | null {
    return this.relay;
  }

  setRelay(relay: RelayPort | null): void {
    this.relay = relay;
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = null;
    if (!relay || this.closed) return;
    this.retryTimer = setInterval(() => this.retryDirect(), 5_000);
    this.retryTimer.unref?.();
  }

  /** Queue `frame` for `to`, opening a link if none is on its way. */
  send(to: DeviceId, frame: string): void {
    const pending = this.opening.get(to);
    if (pending) {
      if (pending.queue.length < 64) pending.queue.push(frame);
      return;
    }
    const now = Date.now();
    if (now - (this.lastAttempt.get(to) ?? 0) < 250) return; // do not hammer a dead address
    // Nowhere to send: lost, like a frame to a laptop that left.
    const path = this.paths.pick(to, this.host.addressOf(to) !== null, this.relay, now);
    if (!path) return;
    this.lastAttempt.set(to, now);
    this.opening.set(to, { queue: [frame], ws: null });
    if (path === 'direct') this.dialDirect(to, true);
    else this.dialViaRelay(to);
  }

  /** A link to `device` is proven: the frames that waited for it (sent over it by the caller). */
  proven(device: DeviceId, path: LinkPath, expect?: DeviceId): string[] {
    if (path === 'direct') this.paths.directWorked(device);
    const pending = this.opening.get(device) ?? (expect ? this.opening.get(expect) : undefined);
    this.opening.delete(device);
    if (expect) this.opening.delete(expect);
    return pending?.queue ?? [];
  }

  /** An outbound socket closed: if it was the one opening a link, that attempt is over. */
  socketClosed(ws: WebSocket, expect: DeviceId | undefined): void {
    if (expect && this.opening.get(expect)?.ws === ws) this.opening.delete(expect);
  }

  close(): void {
    this.closed = true;
    this.setRelay(null);
  }

  /** Dial `to` over TCP; on a failure other than a refusal, the relay carries the frames. */
  private dialDirect(to: DeviceId, fallback: boolean): void {
    const addr = this.host.addressOf(to);
    if (!addr) return;
    const ws = this.host.dialTcp(addr);
    const pending = fallback ? this.opening.get(to) : undefined;
    if (pending) pending.ws = ws;
    ws.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED') {
        if (this.opening.get(to)?.ws === ws) this.opening.delete(to);
        return this.host.refused(to); // as good as a probe
      }
      this.paths.directFailed(to, Date.now());
      if (this.opening.get(to)?.ws !== ws) return;
      if (this.relay?.connected) return this.dialViaRelay(to);
      this.opening.delete(to);
    });
    this.host.adopt(ws, addr.host, to, 'direct');
  }

  private dialViaRelay(to: DeviceId): void {
    const relay = this.relay;
    const pending = this.opening.get(to);
    if (!relay || !pending) return;
    pending.ws = null;
    if (this.relayDialing >= RELAY_DIALS_AT_ONCE) {
      if (!this.relayWaiting.includes(to)) this.relayWaiting.push(to);
      return;
    }
    this.relayDialing++;
    let done = false;
    const release = (): void => {
      if (done) return;
      done = true;
      this.relayDialing--;
      this.nextRelayDial();
    };
    relay.dial(to).then(
      (stream) => {
        if (this.closed || this.opening.get(to) !== pending) {
          release();
          return void stream.destroy();
        }
        const ws = this.host.dialStream(stream);
        pending.ws = ws;
        ws.once('open', release);
        ws.once('close', release);
        ws.on('error', () => {
          release();
          if (this.opening.get(to)?.ws === ws) this.opening.delete(to);
        });
        this.host.adopt(ws, 'relay', to, 'relay');
      },
      (e: { code?: string; message: string }) => {
        release();
        if (this.opening.get(to) === pending) this.opening.delete(to);
        this.host.log(`relay link to ${to.slice(0, 8)}: ${e.message}`);
        // No subscription for it on the relay, and no other way known: its process is gone.
        if (e.code === 'gone' && !this.host.addressOf(to)) this.host.refused(to);
      },
    );
  }

  /** The next waiting relay dial whose link is still wanted and not yet made. */
  private nextRelayDial(): void {
    while (this.relayDialing < RELAY_DIALS_AT_ONCE && this.relayWaiting.length > 0) {
      const d = this.relayWaiting.shift()!;
      const p = this.opening.get(d);
      if (p && !p.ws && !this.closed) this.dialViaRelay(d);
    }
  }

  /** Pairs the relay carries: try the direct way again, now and then (paths.ts). */
  private retryDirect(): void {
    if (this.closed || this.relay?.relayOnly) return;
    const now = Date.now();
    for (const d of new Set(this.host.relayedDevices())) {
      if (!this.host.addressOf(d) || this.host.linkPath(d) === 'direct') continue;
      if (!this.paths.retryDue(d, now)) continue;
      this.paths.directFailed(d, now); // one try per period; a success clears it
      this.dialDirect(d, false);
    }
  }
}
