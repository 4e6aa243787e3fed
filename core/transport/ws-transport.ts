import type * as http from 'node:http';
import { WebSocket, type RawData } from 'ws';
import type { DeviceId } from '../ids';
import { encode } from '../protocol/codec';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION } from '../protocol/version';
import type { ReachAnswer, Transport } from './transport';
import {
  type Address,
  type Link,
  type LinkInfo,
  measureRtt,
  IDLE_CLOSE_MS,
  RELAY_IDLE_CLOSE_MS,
  DEFAULT_PORTS,
  rawToString,
  stripV6Prefix,
} from './ws-parts';

export { type Address, type LinkInfo, DEFAULT_PORTS } from './ws-parts';
import { type DeviceKey, newNonce } from './device-key';
import { channelBinding, tlsIdentity } from './device-cert';
import {
  type Listening,
  type ListenOptions,
  dialRelayed,
  dialTls,
  listenTwoWays,
} from './ws-listen';
import { GoneWatch, probeListener, probeReach } from './gone-probe';
import { type LinkPath, type RelayPort, preferLink } from './paths';
import { Dialer } from './dialer';
import { handshakeStep, helloFrame } from './ws-handshake';
import type { Duplex } from 'node:stream';

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
  /** The same for a link through the relay (default RELAY_IDLE_CLOSE_MS). */
  relayIdleCloseMs?: number;
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
  private readonly dialer: Dialer = new Dialer({
    addressOf: (d) => this.addresses.get(d) ?? null,
    dialTcp: (addr) => this.dial(addr, { handshakeTimeout: 2_000 }),
    dialStream: (stream) => dialRelayed(stream, this.o.maxFrameBytes ?? MAX_FRAME_BYTES),
    adopt: (ws, host, expect, path) => this.adopt(ws, true, host, { expect, path }),
    linkPath: (d) => this.linkTo(d)?.path ?? null,
    relayedDevices: () =>
      [...this.links].flatMap((l) => (l.device && l.path === 'relay' ? [l.device] : [])),
    refused: (d) => this.gone.refused(d),
    log: (line) => this.o.log?.(line),
  });
  private handler: ((from: DeviceId, frame: string) => void) | null = null;
  private readonly linkWaiters = new Map<string, (d: DeviceId, sid: string | null) => void>();
  private port = 0;
  private closed = false;
  private dropsLogged = 0;
  private readonly gone = new GoneWatch<DeviceId>(
    (d, path) => {
      const addr = this.addresses.get(d);
      if (path === 'direct' && addr) return probeListener(addr);
      const relay = this.dialer.relayPort;
      return relay?.connected ? relay.probe(d) : null;
    },
    (d) => this.linkTo(d) !== null,
  );
  /** Counters for tests and benchmarks. */
  readonly stats = {
    framesIn: 0,
    framesOut: 0,
    dropped: 0,
    refused: 0,
    /** Reachability questions asked (`reach`), and those nothing answered. */
    reachAsked: 0,
    reachSilent: 0,
  };

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
      onLink: (ws, remote, binding, relayed) =>
        this.adopt(ws, false, remote, { binding, path: relayed ? 'relay' : 'direct' }),
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

  /** Whether anything answers at `device`'s address (a direct link's only: gone-probe.ts). */
  reach(device: DeviceId, answer: (a: ReachAnswer) => void): void {
    const addr = this.addresses.get(device);
    if (this.closed || !addr || this.linkTo(device)?.path !== 'direct') return answer('unknown');
    this.stats.reachAsked++;
    void probeReach(addr).then((a) => {
      if (a === 'silent') this.stats.reachSilent++;
      answer(a);
    });
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
      this.adopt(ws, true, addr.host, { waiterKey: key, path: 'direct' });
    });
  }

  send(to: DeviceId, frame: string): void {
    if (this.closed) return;
    const link = this.linkTo(to);
    if (link) return this.write(link, frame);
    this.dialer.send(to, frame);
  }

  /**
   * A relay for the pairs whose direct links fail, or for every pair when it is "relay
   * only" (paths.ts); null turns it off. The relay hands the streams it accepts to
   * `acceptRelayed`.
   */
  setRelay(relay: RelayPort | null): void {
    this.dialer.setRelay(relay);
  }

  /** A stream another copy opened through the relay: a link, once TLS and proofs are done. */
  acceptRelayed(stream: Duplex): void {
    if (this.closed || !this.server) return void stream.destroy();
    this.server.acceptRelayed(stream);
  }

  /** Devices with an open, handshaken link. */
  connectedDevices(): DeviceId[] {
    return this.linkInfo().map((l) => l.device);
  }

  /** Every open, handshaken link (a device may have two for a moment). */
  linkInfo(): LinkInfo[] {
    return [...this.links]
      .filter((l) => l.device && l.ws.readyState === WebSocket.OPEN)
      .map((l) => ({
        device: l.device!,
        host: l.host,
        outbound: l.outbound,
        rttMs: l.rttMs,
        path: l.path,
      }));
  }

  /** Close every link to `device` (tests; a member that left). */
  disconnect(device: DeviceId): void {
    for (const l of this.links) if (l.device === device) l.ws.terminate();
  }

  close(): Promise<void> {
    this.closed = true;
    this.dialer.close();
    for (const l of this.links) l.ws.terminate();
    this.links.clear();
    return this.server?.close() ?? Promise.resolve();
  }

  // ---- links ---------------------------------------------------------------------

  private adopt(
    ws: WebSocket,
    outbound: boolean,
    host: string,
    how: { waiterKey?: string; expect?: DeviceId; binding?: string | null; path: LinkPath },
  ): void {
    const { waiterKey, expect, path } = how;
    const link: Link = {
      ws,
      device: null,
      binding: how.binding ?? null,
      path,
      claim: null,
      nonce: newNonce(),
      outbound,
      rttMs: null,
      host: stripV6Prefix(host),
      activeAt: Date.now(),
    };
    const hello = (): void =>
      ws.send(helloFrame(this.o.key, link, this.port, this.o.sessionOf?.() ?? null));
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
      const step = handshakeStep(link, frame, this.o.key);
      if (step.kind === 'refuse')
        return refuse(step.code, step.message, step.closeCode, step.reason);
      if (step.kind === 'close') {
        if (step.log) {
          this.stats.refused++;
          this.o.log?.(`link from ${host}: ${step.log}`);
        }
        return ws.close(step.closeCode, step.reason);
      }
      if (step.kind === 'reply') return ws.send(step.frame);
      const claim = link.claim!;
      clearTimeout(timer);
      link.device = claim.device;
      ping.start();
      if (path === 'direct' && claim.port > 0 && host)
        this.addresses.set(link.device, { host: stripV6Prefix(host), port: claim.port });
      if (waiterKey) this.linkWaiters.get(waiterKey)?.(link.device, claim.sid);
      for (const f of this.dialer.proven(link.device, path, expect)) this.write(link, f);
    });
    const ping = measureRtt(
      link,
      undefined,
      path === 'relay'
        ? (this.o.relayIdleCloseMs ?? RELAY_IDLE_CLOSE_MS)
        : (this.o.idleCloseMs ?? IDLE_CLOSE_MS),
    );
    ws.on('close', () => {
      clearTimeout(timer);
      ping.stop();
      this.links.delete(link);
      if (outbound) this.dialer.socketClosed(ws, expect);
      if (link.device && !this.closed) this.gone.linkClosed(link.device, path);
    });
    ws.on('error', (e) => this.o.log?.(`link ${link.device ?? host}: ${e.message}`));
    this.links.add(link);
  }

  private linkTo(device: DeviceId): Link | null {
    let best: Link | null = null;
    for (const l of this.links) {
      if (l.device !== device || l.ws.readyState !== WebSocket.OPEN) continue;
      const mine = { path: l.path, buffered: l.ws.bufferedAmount };
      if (!best || preferLink(mine, { path: best.path, buffered: best.ws.bufferedAmount }))
        best = l;
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
