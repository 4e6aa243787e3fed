import type * as http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Peer } from '../engine/peer';
import { asCommandId } from '../ids';
import type { QueueCommand } from '../queue/commands';
import { sha256Hex } from '../queue/passcode';
import type { QueueState } from '../queue/types';
import {
  type LaptopFrame,
  PHONE_MAX_SEALED,
  type PhoneCommand,
  decodePhoneFrame,
} from './protocol';
import { type BoxKeys, newBoxKeys, seal, toBase64, unseal } from './wire';
import { type PhoneLimitOptions, PhoneLimits, isOwnHost } from './limits';
import { OFF_PAGE, type PhoneSocket, cidOf, servePageFile } from './page';

export type { PhoneSocket } from './page';
import { memberNameIn } from '../api/views';
import { type PhoneRoom, phoneRoom } from './views';

/**
 * A laptop serving phones: the phone page and the phone API at /phone on its peer port.
 * A phone is never a member: this laptop submits its commands to the host for it (the
 * entry is owned by the phone's key, not the laptop's: the phone signs each command, and
 * the host checks the signature; its private key never leaves the page), answers with the ack, and
 * pushes the phone its view after every change, with the list of laptops to go to next.
 */

export interface GatewayOptions extends PhoneLimitOptions {
  name: string;
  peer(): Peer<QueueState> | null;
  /** Laptops that serve phones, in successorship order (this one included), ip:port. */
  laptops(): { name: string; address: string; device?: string }[];
  /** This laptop's device id (what a page through the relay dials). */
  device?: string;
  /** This laptop's own ip:port for phones. */
  selfAddress(): string | null;
  /** Every member's last-known ip:port (live or not): pages from these may talk to this one. */
  memberAddresses(): string[];
  /** Where phone.html and phone.js are; null: no page here (tests of the API alone). */
  files: string | null;
  maxPhones?: number;
  /**
   * Names this laptop answers to in a `Host` header besides its interface addresses (tests
   * behind a port forward). A request naming any other host — a DNS-rebinding page — is refused.
   */
  extraHosts?: string[];
  log?: (line: string) => void;
}

/** Every phone hears from its laptop this often: ~1 s of silence means "go elsewhere". */
export const PHONE_HEARTBEAT_MS = 300;
/** Changes this close together reach the phones in one push. */
const PUSH_EVERY_MS = 50;
/** Per phone: frames at once, then per second; junk frames before it is closed. */
const BURST = 30;
const PER_SECOND = 5;
const MAX_BAD = 20;
/** A socket that has not said hello by then is closed: idle sockets cannot pile up. */
const HELLO_WITHIN_MS = 10_000;

interface PhoneConn {
  ws: PhoneSocket;
  address: string;
  owner: string | null;
  /** The phone's Ed25519 public key (hex), from its hello. */
  key: string | null;
  /** The phone's box key for this connection (from its first sealed frame). */
  box: Uint8Array | null;
  tokens: number;
  refilledAt: number;
  bad: number;
}

export class PhoneGateway {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: PHONE_MAX_SEALED,
    perMessageDeflate: false,
  });
  private readonly phones = new Set<PhoneConn>();
  /** This laptop's box key for phones (per process; wire.ts). */
  private readonly box: BoxKeys = newBoxKeys();
  private readonly limits: PhoneLimits;
  private readonly heartbeat: NodeJS.Timeout;
  private wasOff = false;
  private flushTimer: NodeJS.Timeout | null = null;
  readonly stats = { served: 0, refused: 0, frames: 0, bad: 0 };

  constructor(private readonly o: GatewayOptions) {
    this.limits = new PhoneLimits(o);
    this.heartbeat = setInterval(() => {
      for (const p of this.phones) this.send(p, { t: 'hb' });
    }, PHONE_HEARTBEAT_MS);
    this.heartbeat.unref?.();
  }

  /** Why phones are turned away right now, or null when they are welcome. */
  private closedReason(): string | null {
    const peer = this.o.peer();
    const state = peer?.isRunning ? peer.doc?.app : null;
    if (!state?.entries) return 'This laptop is not in a session right now.';
    if (state.phonesOff) return 'Phone joining is turned off for this session. Ask a TA.';
    return null;
  }

  /** The HTTP side, for the transport's `http` hook. */
  readonly http = {
    request: (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
      const url = (req.url ?? '/').split('?')[0]!;
      if (
        req.method !== 'GET' ||
        !['/', '/index.html', '/phone.js', '/phone.css', '/palette.css'].includes(url)
      )
        return false;
      if (!isOwnHost(req.headers.host, this.o.selfAddress(), this.o.extraHosts)) {
        this.stats.refused++;
        res.writeHead(421, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('This laptop does not answer to that name.');
        return true;
      }
      const off = this.closedReason();
      if (off) {
        res.writeHead(403, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
        });
        res.end(OFF_PAGE(off));
        return true;
      }
      if (!servePageFile(res, this.o.files, url)) return false;
      this.stats.served++;
      return true;
    },
    upgrade: (req: http.IncomingMessage, socket: Duplex, head: Buffer): boolean => {
      if ((req.url ?? '').split('?')[0] !== '/phone') return false;
      const refuse = (status: number, why: string): true => {
        this.stats.refused++;
        socket.end(`HTTP/1.1 ${status} ${why}\r\nConnection: close\r\n\r\n`);
        return true;
      };
      if (!isOwnHost(req.headers.host, this.o.selfAddress(), this.o.extraHosts))
        return refuse(421, 'Misdirected Request');
      const off = this.closedReason();
      if (off) return refuse(403, 'Phones off');
      // A page may talk to any laptop of the session, but no page from anywhere else.
      const origin = req.headers.origin;
      const sameOrigin = origin === `http://${req.headers.host}`;
      if (origin !== undefined && !sameOrigin && !this.allowedOrigins().has(origin))
        return refuse(403, 'Foreign origin');
      const address = req.socket.remoteAddress ?? '';
      if (!this.limits.canOpen(address)) return refuse(429, 'Too many phones from one address');
      if (this.phones.size >= (this.o.maxPhones ?? 200)) return refuse(503, 'Too many phones');
      this.wss.handleUpgrade(req, socket, head, (ws) => this.adopt(ws, address));
      return true;
    },
  };

  private allowedOrigins(): Set<string> {
    const out = new Set<string>();
    for (const l of this.o.laptops()) if (l.address) out.add(`http://${l.address}`);
    for (const a of this.o.memberAddresses()) out.add(`http://${a}`);
    const self = this.o.selfAddress();
    if (self) out.add(`http://${self}`);
    return out;
  }

  /**
   * A phone page through the relay (core/relay/phone-channel.ts): the same service as a
   * phone on the LAN, but for the limits per address — a relayed phone has none, so its
   * sign-ups share one budget for the whole relay (limits.ts). False: refused.
   */
  adoptRelayed(channel: PhoneSocket & { id: string }): boolean {
    if (this.closedReason() || this.phones.size >= (this.o.maxPhones ?? 200)) return false;
    this.adopt(channel, `relay:${channel.id}`);
    return true;
  }

  private adopt(ws: PhoneSocket, address: string): void {
    const p: PhoneConn = {
      ws,
      address,
      owner: null,
      key: null,
      box: null,
      tokens: BURST,
      refilledAt: Date.now(),
      bad: 0,
    };
    this.phones.add(p);
    this.limits.opened(address);
    this.send(p, { t: 'key', key: toBase64(this.box.publicKey) });
    const helloBy = setTimeout(() => {
      if (!p.owner) ws.close(1008, 'no hello');
    }, HELLO_WITHIN_MS);
    helloBy.unref?.();
    ws.on('message', (data, isBinary) => {
      this.stats.frames++;
      if (!this.take(p)) {
        this.send(p, { t: 'error', code: 'rate-limited', message: 'too many frames: slow down' });
        if (++p.bad > MAX_BAD) ws.close(1008, 'flood');
        return;
      }
      const sealed = unseal(isBinary ? '' : data.toString(), this.box);
      if (sealed.ok && p.box && !Buffer.from(p.box).equals(sealed.from)) {
        ws.close(1008, 'one box key per connection');
        return;
      }
      if (sealed.ok) p.box = sealed.from;
      const raw = sealed.ok ? sealed.text : '';
      const d = sealed.ok ? decodePhoneFrame(raw) : sealed;
      if (!d.ok) {
        this.stats.bad++;
        const cid = cidOf(raw);
        // A refused command answers its own id, so the page stops waiting for it.
        if (cid)
          this.send(p, {
            t: 'result',
            cid,
            ok: false,
            error: { code: d.code, message: d.message },
          });
        this.send(p, { t: 'error', code: d.code, message: d.message });
        if (++p.bad > MAX_BAD) ws.close(1008, 'too many bad frames');
        return;
      }
      const f = d.frame;
      if (f.t === 'ping') return this.send(p, { t: 'hb' });
      if (f.t === 'hello') {
        p.key = f.key;
        p.owner = sha256Hex(f.key);
        return this.push(p);
      }
      if (!p.owner || !p.key)
        return this.send(p, { t: 'error', code: 'hello-first', message: 'say hello first' });
      void this.run(p, f.cid, f.cmd, f.sig);
    });
    const gone = (): void => {
      if (!this.phones.delete(p)) return;
      clearTimeout(helloBy);
      this.limits.closed(address);
    };
    ws.on('close', gone);
    ws.on('error', gone);
  }

  private take(p: PhoneConn): boolean {
    const now = Date.now();
    p.tokens = Math.min(BURST, p.tokens + ((now - p.refilledAt) / 1000) * PER_SECOND);
    p.refilledAt = now;
    if (p.tokens < 1) return false;
    p.tokens--;
    return true;
  }

  /** Submit a phone's command to the host for it, under the phone's own command id. */
  private async run(p: PhoneConn, cid: string, cmd: PhoneCommand, sig: string): Promise<void> {
    if (cmd.m === 'join') {
      if (!this.limits.takeJoin(p.address, p.owner!, Date.now()))
        return this.send(p, {
          t: 'result',
          cid,
          ok: false,
          error: {
            code: 'rate-limited',
            message: 'too many sign-ups from this phone or network; wait a moment',
          },
        });
    }
    const peer = this.o.peer();
    if (!peer?.isRunning)
      return this.send(p, {
        t: 'result',
        cid,
        ok: false,
        error: { code: 'no-session', message: 'this laptop left the session' },
      });
    const body: QueueCommand =
      cmd.m === 'join'
        ? {
            op: 'join',
            name: cmd.name,
            topic: cmd.topic,
            location: cmd.location,
            ownerHash: p.owner!,
            owner: `phone:${p.owner!.slice(0, 32)}`,
            ...(cmd.queueId ? { queueId: cmd.queueId } : {}),
            ...(cmd.tag ? { tag: cmd.tag } : {}),
            ...(cmd.online !== undefined ? { online: cmd.online } : {}),
            ...(cmd.meeting ? { meeting: cmd.meeting } : {}),
          }
        : cmd.m === 'edit'
          ? {
              op: 'edit',
              entryId: cmd.entryId,
              phoneProof: { key: p.key!, sig },
              forPhone: true,
              name: cmd.name,
              topic: cmd.topic,
              location: cmd.location,
            }
          : cmd.m === 'feedback'
            ? {
                op: 'feedback',
                entryId: cmd.entryId,
                outcome: cmd.outcome,
                text: cmd.text,
                named: cmd.named,
                phoneProof: { key: p.key!, sig },
                forPhone: true,
              }
            : { op: cmd.m, entryId: cmd.entryId, phoneProof: { key: p.key!, sig }, forPhone: true };
    const r = await peer.submit(body, asCommandId(cid)).done;
    if (r.ok) this.send(p, { t: 'result', cid, ok: true, value: r.value });
    else this.send(p, { t: 'result', cid, ok: false, error: r.error });
    this.changed();
  }

  /**
   * The queue or the room changed: every phone gets its view (changes within PUSH_EVERY_MS
   * share one push); all phones are closed when phone joining is off.
   */
  changed(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.flush();
    }, PUSH_EVERY_MS);
    this.flushTimer.unref?.();
  }

  private flush(): void {
    const off = this.closedReason();
    if (off) {
      if (!this.wasOff) this.o.log?.(`phones: ${off}`);
      this.wasOff = true;
      for (const p of this.phones) {
        this.send(p, { t: 'off', message: off });
        p.ws.close(1000, 'phones off');
      }
      return;
    }
    this.wasOff = false;
    const room = this.room();
    if (room) for (const p of this.phones) this.push(p, room);
  }

  private push(p: PhoneConn, room = this.room()): void {
    const view = room?.viewFor(p.owner);
    if (view) this.send(p, { t: 'state', view });
  }

  private room(): PhoneRoom | null {
    const peer = this.o.peer();
    return phoneRoom(peer, {
      // The name the room knows this laptop's person by (the laptops list uses it too).
      name: peer?.memberId ? memberNameIn(peer, peer.memberId, this.o.name) : this.o.name,
      self: this.o.selfAddress() ?? '',
      ...(this.o.device ? { device: this.o.device } : {}),
      laptops: this.o.laptops(),
      now: Date.now(),
    });
  }

  /** A frame to a phone: sealed to its box key (in clear only before it sent one: `key`, errors). */
  private send(p: PhoneConn, f: LaptopFrame): void {
    if (p.ws.readyState !== 1) return; // OPEN
    const text = JSON.stringify(f);
    p.ws.send(p.box ? seal(text, p.box, this.box) : text);
  }

  /** This laptop leaves: phones are told so (they go to the next laptop at once). */
  close(): void {
    clearInterval(this.heartbeat);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const p of this.phones) {
      this.send(p, { t: 'leaving' });
      p.ws.close(1001, 'laptop leaving');
    }
    this.phones.clear();
    this.wss.close();
  }

  /** The addresses phones are sent to, in order. */
  laptopAddresses(): string[] {
    return this.o.laptops().flatMap((l) => (l.address ? [l.address] : []));
  }

  get connected(): number {
    return this.phones.size;
  }
}
