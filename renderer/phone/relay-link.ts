import { sha256 } from '@noble/hashes/sha256';
import { type NatsConnection, wsconnect } from '@nats-io/nats-core';
import { type PhoneView, RELAY_PREFIX } from '../../core/phone/wire';
import type { Carrier, SocketLike } from './link';

/**
 * The phone page away from the room's LAN (a static web host serves it): it talks to the
 * room through the relay's WebSocket listener. The link's fragment is the session's join
 * code (core/relay/join-code.ts); the page finds the room's laptops by their presence on
 * the relay and asks one for a channel (core/relay/phone-channel.ts) — then everything is
 * as on the LAN: the same sealed frames, the same moves to the next laptop when one goes.
 */

export interface WebJoin {
  sid: string;
  sn: string;
  relay: { web?: string; token?: string; user?: string; pass?: string };
}

/** The join code after `#`, or null when there is none (or it is not one). */
export function readJoinCode(fragment: string): WebJoin | null {
  if (!/^[A-Za-z0-9_-]{8,40000}$/.test(fragment)) return null;
  try {
    const b64 = fragment.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(b64 + '==='.slice((b64.length + 3) % 4)), (c) =>
      c.charCodeAt(0),
    );
    const o = JSON.parse(new TextDecoder().decode(bytes)) as Partial<WebJoin> & { v?: number };
    if (o.v !== 1 || typeof o.sid !== 'string' || !o.relay || typeof o.relay !== 'object')
      return null;
    return { sid: o.sid, sn: typeof o.sn === 'string' ? o.sn : '', relay: o.relay };
  } catch {
    return null;
  }
}

const hex = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');

export async function connectRelay(join: WebJoin): Promise<NatsConnection> {
  const r = join.relay;
  if (!r.web) throw new Error("this session's relay has no address for browsers");
  return wsconnect({
    servers: r.web.split(',').map((s) => s.trim()),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    ...(r.token ? { token: r.token } : {}),
    ...(r.user ? { user: r.user, pass: r.pass } : {}),
  });
}

/** The session's laptops, from their presence on the relay (waits up to `ms` for one). */
export function findLaptops(
  nc: NatsConnection,
  sid: string,
  ms = 5_000,
): Promise<PhoneView['laptops']> {
  const tag = hex(sha256(new TextEncoder().encode(`baton-room:${sid}`))).slice(0, 32);
  const subject = `${RELAY_PREFIX}.p.${tag}`;
  const found = new Map<string, { name: string; mid: string }>();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      sub.unsubscribe();
      resolve(
        [...found.entries()]
          .sort((a, b) => (a[1].mid < b[1].mid ? -1 : 1))
          .map(([device, p]) => ({ name: p.name, address: '', device })),
      );
    };
    const sub = nc.subscribe(subject, {
      callback: (err, m) => {
        if (err) return;
        try {
          const p = JSON.parse(m.string()) as {
            did?: unknown;
            sid?: unknown;
            n?: unknown;
            mid?: unknown;
          };
          if (p.sid !== sid || typeof p.did !== 'string' || !/^[0-9a-f]{32}$/.test(p.did)) return;
          found.set(p.did, { name: String(p.n ?? ''), mid: String(p.mid ?? '') });
          // The first answers come together: give the others a moment.
          if (found.size === 1) setTimeout(done, 300);
        } catch {
          // not a presence
        }
      },
    });
    const timer = setTimeout(done, ms);
    nc.publish(subject, 'who');
  });
}

/** A channel to one laptop through the relay, shaped like a browser WebSocket. */
class RelaySocket implements SocketLike {
  readyState = 0;
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  private readonly out: string;
  private readonly sub: { unsubscribe(): void };
  private early: string[] = [];
  private keepalive: number | null = null;

  constructor(
    private readonly nc: NatsConnection,
    device: string,
  ) {
    const c = hex(crypto.getRandomValues(new Uint8Array(16)));
    this.out = `${RELAY_PREFIX}.pc.${c}.l`;
    this.sub = nc.subscribe(`${RELAY_PREFIX}.pc.${c}.p`, {
      callback: (err, m) => {
        if (err) return;
        const d = m.string();
        if (d === '') return this.end();
        if (d === '\u0001') return;
        // The laptop speaks first (its key), perhaps before its "ok": hold it till open.
        if (this.readyState === 0) this.early.push(d);
        else if (this.readyState === 1) this.onmessage?.({ data: d });
      },
    });
    nc.request(`${RELAY_PREFIX}.ph.${device}`, JSON.stringify({ c }), { timeout: 2_000 }).then(
      (r) => {
        if (r.string() !== 'ok' || this.readyState !== 0) return this.end();
        this.readyState = 1;
        this.onopen?.();
        for (const d of this.early) this.onmessage?.({ data: d });
        this.early = [];
        this.keepalive = window.setInterval(() => this.publish('\u0001'), 10_000);
      },
      () => this.end(),
    );
  }

  private publish(data: string): void {
    try {
      this.nc.publish(this.out, data);
    } catch {
      this.end();
    }
  }

  send(text: string): void {
    if (this.readyState === 1) this.publish(text);
  }

  close(): void {
    if (this.readyState === 1) this.publish('');
    this.end();
  }

  private end(): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    if (this.keepalive !== null) clearInterval(this.keepalive);
    this.sub.unsubscribe();
    this.onclose?.();
  }
}

export function relayCarrier(nc: NatsConnection): Carrier {
  return {
    open: (device) => new RelaySocket(nc, device),
    targets: (laptops) => laptops.flatMap((l) => (l.device ? [l.device] : [])),
    home: null,
  };
}
