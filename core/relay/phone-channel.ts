import { EventEmitter } from 'node:events';
import type { NatsConnection } from '@nats-io/nats-core';
import { type StreamWire, natsWire } from './stream';

/**
 * A phone's channel through the relay: what its WebSocket is on the LAN. The phone page
 * (served by any static web host, renderer/phone/relay-link.ts) connects to the relay's
 * WebSocket listener and asks a laptop for a channel (`ph.<device id>`); then text frames
 * go over `pc.<channel>.l` (to the laptop) and `pc.<channel>.p` (to the phone). The phone
 * API's own sealing (core/phone/wire.ts) runs inside, as on the LAN. An empty message
 * closes the channel; "\u0001" keeps it alive; a channel that hears nothing for
 * SILENT_MS is closed (the page went away without a word).
 */
export const CHANNEL_SILENT_MS = 30_000;
export const KEEPALIVE = '\u0001';
const OPEN = 1;
const CLOSED = 3;

/** The laptop's end, shaped like the `ws` socket the phone gateway adopts. */
export class PhoneChannel extends EventEmitter {
  readyState = OPEN;
  private readonly sub: { unsubscribe(): void };
  private heardAt = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly wire: StreamWire,
    readonly id: string,
    inbox: string,
    private readonly outbox: string,
    silentMs = CHANNEL_SILENT_MS,
  ) {
    super();
    this.sub = wire.subscribe(inbox, (bytes) => {
      if (this.readyState !== OPEN) return;
      this.heardAt = Date.now();
      const data = new TextDecoder().decode(bytes);
      if (data === '') return this.end();
      if (data === KEEPALIVE) return;
      this.emit('message', Buffer.from(data), false);
    });
    this.timer = setInterval(
      () => {
        if (Date.now() - this.heardAt > silentMs) this.close(1001, 'silent');
      },
      Math.min(5_000, silentMs),
    );
    this.timer.unref?.();
  }

  send(text: string): void {
    if (this.readyState !== OPEN) return;
    try {
      this.wire.publish(this.outbox, text);
    } catch {
      this.end();
    }
  }

  close(_code?: number, _reason?: string): void {
    if (this.readyState !== OPEN) return;
    try {
      this.wire.publish(this.outbox, '');
    } catch {
      // the relay is gone: nothing to tell
    }
    this.end();
  }

  private end(): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    clearInterval(this.timer);
    this.sub.unsubscribe();
    this.emit('close');
  }
}

/**
 * Take phone pages' channel requests (`ph.<device id>`): a channel for each, which `take`
 * adopts (answered "ok") or refuses (phones off, too many: answered "refused").
 */
export function acceptPhones(
  nc: NatsConnection,
  prefix: string,
  device: string,
  take: (channel: PhoneChannel) => boolean,
): void {
  const wire = natsWire(nc);
  nc.subscribe(`${prefix}.ph.${device}`, {
    callback: (err, msg) => {
      if (err || msg.data.length > 256) return;
      const c = /^\{"c":"([0-9a-f]{32})"\}$/.exec(msg.string())?.[1];
      if (!c) return;
      const channel = new PhoneChannel(wire, c, `${prefix}.pc.${c}.l`, `${prefix}.pc.${c}.p`);
      if (take(channel)) msg.respond('ok');
      else {
        channel.close();
        msg.respond('refused');
      }
    },
  });
}
