import { type RawData, WebSocket } from 'ws';
import type { DeviceId } from '../ids';
import type { LinkPath } from './paths';

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
  /** Over the LAN, or through the relay (paths.ts). */
  path: LinkPath;
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
  /** The link's TLS channel binding, which each end's proof signs (device-cert.ts). */
  binding: string | null;
  /** What the other end's `link` claimed, until its `proof` arrives. */
  claim: { device: DeviceId; key: string; port: number; sid: string | null } | null;
  /** Our challenge to the other end. */
  nonce: string;
  outbound: boolean;
  path: LinkPath;
  /** Round trip of the last WebSocket ping, ms (the network panel shows it). */
  rttMs: number | null;
  host: string;
  /** When a frame last went either way (Date.now()). */
  activeAt: number;
}

/** How often each link in use is pinged for its round trip: 0.2 control frames/s per link. */
export const PING_EVERY_MS = 5_000;
/**
 * A link that carried no frame for this long is closed (it reopens on the next frame).
 * A room's copies all link to each other while they join; at 100 members most of those
 * links then fall silent (heartbeats go to the host and its electorate), and 10,000
 * open links pinging each other cost the room more than its heartbeats.
 */
export const IDLE_CLOSE_MS = 60_000;
/**
 * The same through the relay, where an open link costs more: each end a stream that NATS
 * carries keepalives for and a timer checks. A relayed room of 100 held 3,500–5,000 link
 * ends in the bench's idle phase (links opened while the room joined, when busy copies
 * lost sight of the host and heartbeat everyone), against the ≈ 800 its heartbeats need.
 */
export const RELAY_IDLE_CLOSE_MS = 15_000;

/**
 * Ping the link every PING_EVERY_MS from `start()` on while it carries frames, keeping
 * `link.rttMs` current; close it once idle for IDLE_CLOSE_MS, or when a ping is still
 * unanswered at the next one: the other end is gone without a word (out of range, a Wi-Fi
 * that started isolating devices). Frames then open a new link — through the relay, if the
 * direct way fails — instead of vanishing into the dead one.
 */
export function measureRtt(
  link: Link,
  every = PING_EVERY_MS,
  idleClose = IDLE_CLOSE_MS,
): { start(): void; stop(): void } {
  let pingAt = 0;
  let unanswered = false;
  let pinger: NodeJS.Timeout | null = null;
  const ping = (): void => {
    if (link.ws.readyState !== WebSocket.OPEN) return;
    pinger ??= setInterval(ping, every);
    pinger.unref?.();
    if (unanswered) return link.ws.terminate();
    const idle = Date.now() - link.activeAt;
    if (idle >= idleClose) return link.ws.close(1000, 'idle');
    if (idle >= every) return;
    pingAt = Date.now();
    unanswered = true;
    link.ws.ping();
  };
  link.ws.on('pong', () => {
    unanswered = false;
    if (pingAt) link.rttMs = Date.now() - pingAt;
  });
  return { start: ping, stop: () => pinger && clearInterval(pinger) };
}
