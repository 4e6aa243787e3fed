import { type RawData, WebSocket } from 'ws';
import type { DeviceId } from '../ids';

/** The WebSocket transport's small parts: addresses, ports, link info, frame helpers. */

export interface Address {
  host: string;
  port: number;
}

/** Where a copy listens unless told otherwise: the first free one of these. */
export const DEFAULT_PORTS: readonly number[] = Array.from({ length: 10 }, (_, i) => 47001 + i);

/** One open link, as the network panel shows it. */
export interface LinkInfo {
  device: DeviceId;
  host: string;
  outbound: boolean;
  rttMs: number | null;
}

export function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/** The `v` of something shaped like a `link` that failed validation (an older or newer copy). */
export function peekLinkVersion(frame: string): number | null {
  try {
    const m = JSON.parse(frame) as { type?: unknown; v?: unknown };
    return m && m.type === 'link' && typeof m.v === 'number' ? m.v : null;
  } catch {
    return null;
  }
}

export function stripV6Prefix(host: string): string {
  return host.startsWith('::ffff:') ? host.slice(7) : host;
}

export function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** One WebSocket to another copy, through its handshake and after. */
export interface Link {
  ws: WebSocket;
  /** Set once the other end proved it holds the key of the device it claims. */
  device: DeviceId | null;
  /** What the other end's `link` claimed, until its `proof` arrives. */
  claim: { device: DeviceId; key: string; port: number; sid: string | null } | null;
  /** Our challenge to the other end. */
  nonce: string;
  outbound: boolean;
  /** Round trip of the last WebSocket ping, ms (the network panel shows it). */
  rttMs: number | null;
  host: string;
}

/** How often each link is pinged for its round trip: 0.2 control frames/s per link. */
export const PING_EVERY_MS = 5_000;

/** Ping the link every PING_EVERY_MS from `start()` on, keeping `link.rttMs` current. */
export function measureRtt(link: Link): { start(): void; stop(): void } {
  let pingAt = 0;
  let pinger: NodeJS.Timeout | null = null;
  const ping = (): void => {
    if (link.ws.readyState !== WebSocket.OPEN) return;
    pingAt = Date.now();
    link.ws.ping();
    pinger ??= setInterval(ping, PING_EVERY_MS);
    pinger.unref?.();
  };
  link.ws.on('pong', () => {
    if (pingAt) link.rttMs = Date.now() - pingAt;
  });
  return { start: ping, stop: () => pinger && clearInterval(pinger) };
}
