import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { type TlsIdentity, channelBinding } from './device-cert';
import { type Address, hostForUrl } from './ws-parts';

/** The servers behind one listening port, closed together. */
export interface Listening {
  port: number;
  /** A byte stream through the relay (core/relay/): a link over TLS, as from TCP. */
  acceptRelayed(stream: Duplex): void;
  close(): Promise<void>;
}

export interface ListenOptions {
  port: number;
  host?: string;
  tls: TlsIdentity;
  maxPayload: number;
  /** Plain-HTTP traffic that is not a link (the phone page and its WebSocket). */
  http?: {
    request(req: http.IncomingMessage, res: http.ServerResponse): boolean;
    upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): boolean;
  };
  /** A link over TLS, with its channel binding (device-cert.ts); `relayed` through the relay. */
  onLink(ws: WebSocket, remote: string, binding: string | null, relayed: boolean): void;
  /** A link attempted over plain HTTP (a copy from before TLS links). */
  onPlainLink(ws: WebSocket, remote: string): void;
  log?: (line: string) => void;
}

const notFound = (res: http.ServerResponse): void => {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('Baton: nothing here\n');
};

/**
 * One port, two protocols. Links are TLS 1.3 (a per-process certificate nobody checks;
 * each device proves itself inside, over the channel binding: device-cert.ts); the phone
 * page and its WebSocket are plain HTTP, since a phone's browser cannot check a laptop's
 * certificate. The first byte of a connection
 * tells them apart (a TLS handshake starts with 0x16, a request with a letter).
 */
export function listenTwoWays(o: ListenOptions): Promise<Listening> {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: o.maxPayload,
    perMessageDeflate: false,
  });
  const plain = http.createServer((req, res) => {
    if (!o.http?.request(req, res)) notFound(res);
  });
  plain.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    if (o.http?.upgrade(req, socket, head)) return;
    wss.handleUpgrade(req, socket, head, (ws) => o.onPlainLink(ws, req.socket.remoteAddress ?? ''));
  });
  // Links over TCP and links through the relay: the same TLS, each told where it came from.
  const tlsServer = (relayed: boolean): https.Server => {
    const server = https.createServer(
      {
        ...o.tls,
        // Nobody's certificate is checked: the device proves itself inside, over the binding.
        minVersion: 'TLSv1.3',
      },
      (_req, res) => notFound(res),
    );
    server.on('upgrade', (req, socket, head) => {
      socket.on('error', () => socket.destroy());
      const binding = channelBinding(req.socket);
      wss.handleUpgrade(req, socket, head, (ws) =>
        o.onLink(ws, relayed ? 'relay' : (req.socket.remoteAddress ?? ''), binding, relayed),
      );
    });
    server.on('tlsClientError', (e, socket) => {
      o.log?.(
        `TLS handshake from ${relayed ? 'the relay' : (socket.remoteAddress ?? '?')} failed: ${e.message}`,
      );
    });
    return server;
  };
  const secure = tlsServer(false);
  const relayed = tlsServer(true);
  const tcp = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    // A connection that never says a byte is closed (each server has its own timeouts after).
    socket.setTimeout(10_000, () => socket.destroy());
    const route = (): void => {
      const first = socket.read(1) as Buffer | null;
      if (first === null) {
        if (!socket.destroyed) socket.once('readable', route);
        return;
      }
      socket.setTimeout(0);
      socket.unshift(first);
      (first[0] === 0x16 ? secure : plain).emit('connection', socket);
    };
    socket.once('readable', route);
  });
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      wss.close();
      for (const server of [plain, secure, relayed]) {
        server.closeAllConnections?.();
        server.close();
      }
      tcp.close(() => resolve());
    });
  return new Promise((resolve, reject) => {
    const failed = (e: Error): void => {
      tcp.close();
      reject(e);
    };
    tcp.once('error', failed);
    tcp.listen(o.port, o.host, () => {
      tcp.off('error', failed);
      tcp.on('error', (e) => o.log?.(`server error: ${e.message}`));
      const a = tcp.address();
      resolve({
        port: typeof a === 'object' && a ? a.port : 0,
        acceptRelayed: (stream) => {
          stream.on('error', () => stream.destroy());
          relayed.emit('connection', stream);
        },
        close,
      });
    });
  });
}

/**
 * One TLS context for every link this process dials: building one per connection (what
 * tls.connect does without it) costs a millisecond or more of CPU each, which a room's
 * worth of relayed links re-dialled at once turns into seconds.
 */
let dialContext: tls.SecureContext | null = null;
function clientContext(): tls.SecureContext {
  dialContext ??= tls.createSecureContext({ minVersion: 'TLSv1.3' });
  return dialContext;
}

/** A link over TLS 1.3 through a relay stream (core/relay/stream.ts) instead of TCP. */
export function dialRelayed(stream: Duplex, maxPayload: number): WebSocket {
  return new WebSocket('wss://relay', {
    maxPayload,
    perMessageDeflate: false,
    handshakeTimeout: 5_000,
    createConnection: () =>
      tls.connect({
        socket: stream,
        secureContext: clientContext(),
        rejectUnauthorized: false,
        minVersion: 'TLSv1.3',
      }) as unknown as net.Socket,
  });
}

/** A link to `addr` over TLS 1.3. */
export function dialTls(
  addr: Address,
  maxPayload: number,
  extra: { handshakeTimeout?: number } = {},
): WebSocket {
  return new WebSocket(`wss://${hostForUrl(addr.host)}:${addr.port}`, {
    maxPayload,
    perMessageDeflate: false,
    rejectUnauthorized: false, // self-signed: the device proves itself inside the link
    minVersion: 'TLSv1.3',
    // ws hands its options to tls.connect; its types do not list this one.
    ...({ secureContext: clientContext() } as object),
    ...extra,
  });
}
