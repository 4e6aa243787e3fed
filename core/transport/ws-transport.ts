import type * as http from 'node:http';
import { WebSocket, type RawData } from 'ws';
import type { DeviceId } from '../ids';
import { decode, encode } from '../protocol/codec';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION } from '../protocol/version';
import type { Transport } from './transport';
import {
  type Address,
  type Link,
  type LinkInfo,
  measureRtt,
  DEFAULT_PORTS,
  peekLinkVersion,
  rawToString,
  stripV6Prefix,
} from './ws-parts';

export { type Address, type LinkInfo, DEFAULT_PORTS } from './ws-parts';
import { type DeviceKey, checkProof, deviceIdOfKey, newNonce } from './device-key';
import { channelBinding, tlsIdentity } from './device-cert';
import { type Listening, type ListenOptions, dialTls, listenTwoWays } from './ws-listen';
import { GoneWatch } from './gone-probe';

export interface WsTransportOptions {
  /** This laptop's key: its device id, and its answer to every link's challenge. */
  key: DeviceKey;
  /** Port to listen on; 0 picks a free one. */
  port?: number;
  /** Address to listen on (an interface's address); default all. */
  host?: string;
  maxFrameBytes?: number;
  /** Past this many bytes queued on a link, frames to it are dropped (backpressure). */
  maxBufferedBytes?: number;
  /** A link that has not completed its handshake after this long is closed. */
  handshakeMs?: number;
  /** A link idle this long is closed (default IDLE_CLOSE_MS; tests shorten it). */
  idleCloseMs?: number;
  /** The session this copy is in, announced in the handshake. */
  sessionOf?: () => string | null;
  /** Plain-HTTP traffic on the same port (the phone page and its WebSocket): ws-listen.ts. */
  http?: ListenOptions['http'];
  log?: (line: string) => void;
}

/**
 * The engine's transport: WebSockets over TLS (ws-listen.ts, device-cert.ts). A frame to a
 * device goes over any open link to it, or opens one to its known address (discovery,
 * "connect to", or its own handshake). The first frame each way is `link` {v, deviceId,
 * key, nonce, port}: a wrong protocol version gets a `refuse` and the link is closed. The
 * second is `proof`: the device key's signature of the other side's nonce and of the TLS
 * session's channel binding. A device id that its key does not hash to, or a missing or
 * wrong proof, gets `refuse` (`identity`) and the link is closed (1008). Frames over
 * `maxFrameBytes` close the offending link (ws enforces it before buffering); a link
 * with more than `maxBufferedBytes` queued drops frames rather than buffer without end —
 * the engine's heartbeats, sync repair and outbox resends are built for loss.
 */
export class WsTransport implements Transport {
  private server: Listening | null = null;
  private readonly links = new Set<Link>();
  private readonly addresses = new Map<DeviceId, Address>();
  private readonly connecting = new Map<DeviceId, { queue: string[]; since: number }>();
  private readonly lastAttempt = new Map<DeviceId, number>();
  private handler: ((from: DeviceId, frame: string) => void) | null = null;
  private readonly linkWaiters = new Map<string, (d: DeviceId, sid: string | null) => void>();
  private port = 0;
  private closed = false;
  private dropsLogged = 0;
  private readonly gone = new GoneWatch<DeviceId>(
    (d) => this.addresses.get(d) ?? null,
    (d) => this.linkTo(d) !== null,
  );
  /** Counters for tests and benchmarks. */
  readonly stats = { framesIn: 0, framesOut: 0, dropped: 0, refused: 0 };

  constructor(private readonly o: WsTransportOptions) {}

  private get deviceId(): DeviceId {
    return this.o.key.deviceId;
  }

  get listeningPort(): number {
    return this.port;
  }

  /**
   * Start listening: on `port` if given (0 = any free one), else on the first free port
   * of DEFAULT_PORTS (so "Scan this network" knows where to look), else any. Resolves
   * with the port.
   */
  async start(): Promise<number> {
    if (this.o.port !== undefined) return this.listen(this.o.port);
    for (const port of DEFAULT_PORTS) {
      try {
        return await this.listen(port);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      }
    }
    return this.listen(0);
  }

  /** Listen on `port`: links over TLS, the phone page over plain HTTP (ws-listen.ts). */
  private async listen(port: number): Promise<number> {
    this.server = await listenTwoWays({
      port,
      host: this.o.host,
      tls: await tlsIdentity(), // made once per process (device-cert.ts)
      maxPayload: this.o.maxFrameBytes ?? MAX_FRAME_BYTES,
      http: this.o.http,
      onLink: (ws, remote, binding) => this.adopt(ws, false, remote, undefined, undefined, binding),
      onPlainLink: (ws, remote) => this.refuseUntrusted(ws, remote),
      log: this.o.log,
    });
    this.port = this.server.port;
    return this.port;
  }

  /** A link over plain HTTP: a copy from before TLS links, or someone's script. */
  private refuseUntrusted(ws: WebSocket, remote: string): void {
    this.stats.refused++;
    const message =
      `this copy of Baton speaks protocol ${PROTOCOL_VERSION}, whose links are encrypted ` +
      `(TLS): update Baton on the other laptop`;
    this.o.log?.(`plain link from ${remote || '?'} refused: ${message}`);
    ws.send(encode({ type: 'refuse', error: { code: 'version', message } }));
    ws.close(1002, 'protocol version');
  }

  /** A WebSocket to `addr` over TLS (the device proves itself inside, in `proof`). */
  private dial(addr: Address, extra: { handshakeTimeout?: number } = {}): WebSocket {
    return dialTls(addr, this.o.maxFrameBytes ?? MAX_FRAME_BYTES, extra);
  }

  onFrame(h: (from: DeviceId, frame: string) => void): void {
    this.handler = h;
  }

  /** A device whose last link closed and at whose address nothing listens (gone-probe.ts). */
  onGone(h: (device: DeviceId) => void): void {
    this.gone.onGone(h);
  }

  /** Where a device listens (from discovery). */
  setAddress(device: DeviceId, addr: Address): void {
    if (device === this.deviceId) return;
    this.addresses.set(device, addr);
  }

  addressOf(device: DeviceId): Address | null {
    return this.addresses.get(device) ?? null;
  }

  /** Connect to an address and learn which device listens there and its session (manual fallback). */
  connectTo(
    addr: Address,
    timeoutMs = 5_000,
  ): Promise<{ device: DeviceId; sessionId: string | null }> {
    return new Promise((resolve, reject) => {
      const key = `${addr.host}:${addr.port}`;
      const timer = setTimeout(() => {
        this.linkWaiters.delete(key);
        reject(new Error(`no answer from ${key} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.linkWaiters.set(key, (device, sessionId) => {
        clearTimeout(timer);
        resolve({ device, sessionId });
      });
      const ws = this.dial(addr);
      ws.once('error', (e) => {
        clearTimeout(timer);
        this.linkWaiters.delete(key);
        reject(e);
      });
      this.adopt(ws, true, addr.host, key);
    });
  }

  send(to: DeviceId, frame: string): void {
    if (this.closed) return;
    const link = this.linkTo(to);
    if (link) return this.write(link, frame);
    const pending = this.connecting.get(to);
    if (pending) {
      if (pending.queue.length < 64) pending.queue.push(frame);
      return;
    }
    const addr = this.addresses.get(to);
    if (!addr) return; // nowhere to send: lost, like a frame to a laptop that left
    const now = Date.now();
    if (now - (this.lastAttempt.get(to) ?? 0) < 250) return; // do not hammer a dead address
    this.lastAttempt.set(to, now);
    this.connecting.set(to, { queue: [frame], since: now });
    const ws = this.dial(addr, { handshakeTimeout: 2_000 });
    ws.on('error', (e: NodeJS.ErrnoException) => {
      this.connecting.delete(to);
      if (e.code === 'ECONNREFUSED') this.gone.refused(to); // as good as a probe
    });
    this.adopt(ws, true, addr.host, undefined, to);
  }

  /** Devices with an open, handshaken link. */
  connectedDevices(): DeviceId[] {
    return this.linkInfo().map((l) => l.device);
  }

  /** Every open, handshaken link (a device may have two for a moment). */
  linkInfo(): LinkInfo[] {
    return [...this.links]
      .filter((l) => l.device && l.ws.readyState === WebSocket.OPEN)
      .map((l) => ({ device: l.device!, host: l.host, outbound: l.outbound, rttMs: l.rttMs }));
  }

  /** Close every link to `device` (tests; a member that left). */
  disconnect(device: DeviceId): void {
    for (const l of this.links) if (l.device === device) l.ws.terminate();
  }

  close(): Promise<void> {
    this.closed = true;
    for (const l of this.links) l.ws.terminate();
    this.links.clear();
    return this.server?.close() ?? Promise.resolve();
  }

  // ---- links ---------------------------------------------------------------------

  private adopt(
    ws: WebSocket,
    outbound: boolean,
    host: string,
    waiterKey?: string,
    expect?: DeviceId,
    binding: string | null = null,
  ): void {
    const link: Link = {
      ws,
      device: null,
      binding,
      claim: null,
      nonce: newNonce(),
      outbound,
      rttMs: null,
      host: stripV6Prefix(host),
      activeAt: Date.now(),
    };
    const hello = (): void =>
      ws.send(
        encode({
          type: 'link',
          v: PROTOCOL_VERSION,
          deviceId: this.deviceId,
          key: this.o.key.publicKey,
          nonce: link.nonce,
          port: this.port,
          sid: this.o.sessionOf?.() ?? null,
        }),
      );
    // Outbound: the TLS session is up by the time the upgrade answer arrives; its channel
    // binding is what both proofs sign.
    ws.once('upgrade', (res: http.IncomingMessage) => {
      link.binding = channelBinding(res.socket);
    });
    if (ws.readyState === WebSocket.OPEN) hello();
    else ws.once('open', hello);
    const timer = setTimeout(() => {
      if (!link.device) {
        this.o.log?.(`link from ${host} did not complete its handshake; closing`);
        ws.terminate();
      }
    }, this.o.handshakeMs ?? 5_000);
    const refuse = (code: string, message: string, closeCode: number, reason: string): void => {
      this.stats.refused++;
      this.o.log?.(`link from ${host} refused: ${message}`);
      ws.send(encode({ type: 'refuse', error: { code, message } }));
      ws.close(closeCode, reason);
    };
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const frame = isBinary ? null : rawToString(data);
      if (frame === null) {
        this.stats.refused++;
        this.o.log?.(`binary frame from ${link.device ?? host} dropped`);
        return;
      }
      if (link.device) {
        this.stats.framesIn++;
        link.activeAt = Date.now();
        this.handler?.(link.device, frame);
        return;
      }
      const d = decode(frame);
      // Handshake, step 1: a `link` of our protocol version whose device id is its key's.
      if (!link.claim) {
        const v = d.ok ? (d.message.type === 'link' ? d.message.v : null) : peekLinkVersion(frame);
        if (v !== null && v !== PROTOCOL_VERSION)
          return refuse(
            'version',
            `this copy of Baton speaks protocol ${PROTOCOL_VERSION}, the other speaks ${v}: update the older copy`,
            1002,
            'protocol version',
          );
        if (!d.ok || d.message.type !== 'link') {
          this.stats.refused++;
          this.o.log?.(
            `link from ${host}: expected a handshake, got ${d.ok ? d.message.type : d.error.code}; closing`,
          );
          ws.close(1002, 'handshake expected');
          return;
        }
        const m = d.message;
        if (m.deviceId === this.deviceId) {
          ws.close(1000, 'self');
          return;
        }
        if (deviceIdOfKey(m.key) !== m.deviceId)
          return refuse(
            'identity',
            `device id ${m.deviceId.slice(0, 64)} is not the id of the key it sent`,
            1008,
            'identity',
          );
        // Proofs are bound to this TLS session: without one, no proof can be checked.
        if (!link.binding)
          return refuse('identity', 'links are TLS only (no channel binding)', 1008, 'identity');
        link.claim = {
          device: m.deviceId as DeviceId,
          key: m.key,
          port: m.port,
          sid: m.sid ?? null,
        };
        ws.send(
          encode({ type: 'proof', sig: this.o.key.prove(m.nonce, m.deviceId, link.binding) }),
        );
        return;
      }
      // Step 2: its signature of our nonce proves it holds that device's key.
      const claim = link.claim;
      if (
        !d.ok ||
        d.message.type !== 'proof' ||
        !checkProof(
          claim.key,
          d.message.sig,
          link.nonce,
          claim.device,
          this.deviceId,
          link.binding!,
        )
      )
        return refuse('identity', `could not prove it is device ${claim.device}`, 1008, 'identity');
      clearTimeout(timer);
      link.device = claim.device;
      ping.start();
      if (claim.port > 0 && host)
        this.addresses.set(link.device, { host: stripV6Prefix(host), port: claim.port });
      if (waiterKey) this.linkWaiters.get(waiterKey)?.(link.device, claim.sid);
      const pending =
        this.connecting.get(link.device) ?? (expect ? this.connecting.get(expect) : undefined);
      this.connecting.delete(link.device);
      if (expect) this.connecting.delete(expect);
      for (const f of pending?.queue ?? []) this.write(link, f);
    });
    const ping = measureRtt(link, undefined, this.o.idleCloseMs);
    ws.on('close', () => {
      clearTimeout(timer);
      ping.stop();
      this.links.delete(link);
      if (expect) this.connecting.delete(expect);
      if (link.device && !this.closed) this.gone.linkClosed(link.device);
    });
    ws.on('error', (e) => this.o.log?.(`link ${link.device ?? host}: ${e.message}`));
    this.links.add(link);
  }

  private linkTo(device: DeviceId): Link | null {
    let best: Link | null = null;
    for (const l of this.links) {
      if (l.device !== device || l.ws.readyState !== WebSocket.OPEN) continue;
      if (!best || l.ws.bufferedAmount < best.ws.bufferedAmount) best = l;
    }
    return best;
  }

  private write(link: Link, frame: string): void {
    const max = this.o.maxBufferedBytes ?? 8 * 1024 * 1024;
    if (link.ws.bufferedAmount > max) {
      this.stats.dropped++;
      if (this.dropsLogged++ % 100 === 0)
        this.o.log?.(
          `link to ${link.device}: ${link.ws.bufferedAmount} bytes queued, dropping frames`,
        );
      return;
    }
    this.stats.framesOut++;
    link.activeAt = Date.now();
    link.ws.send(frame);
  }
}
