import { Duplex } from 'node:stream';
import type { NatsConnection } from '@nats-io/nats-core';

/**
 * One byte stream between two copies through NATS: what a TCP connection is to a direct
 * link. Each side publishes to the other's subject; NATS keeps one publisher's messages
 * in order, but it is at most once (a reconnect loses what was sent meanwhile), so every
 * data message carries a sequence number and a gap ends the stream — the TLS session on
 * top would fail anyway, and the transport opens a new link. A stream that hears nothing
 * for `silentMs` (the other copy died: its NATS connection went with it, and NATS tells
 * nobody) ends too; each side sends a keepalive when it has sent nothing for a third of it.
 * That holds while the stream is in use (data either way in the last `ACTIVE_FOR` ×
 * `silentMs`). An idle stream — most of a big room's: busy copies that lose sight of the
 * host while a room of 100 joins heartbeat everyone, and those links then carry nothing
 * until they close (RELAY_IDLE_CLOSE_MS) — keeps alive every `IDLE_KEEPALIVE` × `silentMs`
 * and ends after `IDLE_SILENT` × `silentMs` of silence: measured on a relayed room of 100,
 * the keepalives of idle streams were three NATS messages in four. Data on an idle stream
 * puts it in use again at once, and from then on the other side must be heard within
 * `silentMs` (its next keepalive is due at once), so a dead copy's stream still ends
 * within `silentMs` of someone writing to it.
 *
 * A stream that carried a message every few hundred milliseconds (heartbeats: a link to
 * or from the host) and then falls silent for `PROBE_AFTER_MS` asks the relay whether the
 * other copy is still on it (`probe`): a process that died took its NATS connection with
 * it, and the server answers "no responders" at once. Then the stream ends at once, as a
 * direct link's socket does when the other laptop's operating system closes it — the
 * transport's gone watch confirms it and the room fails over without waiting for the
 * failure detector. A copy that is only slow or asleep still has its connection: the
 * probe says so (or times out), and nothing ends.
 *
 * Message layout: byte 0 the kind (0 data, 1 end, 2 keepalive); data adds a 4-byte
 * big-endian sequence number, then the bytes.
 */

/** Publish and subscribe on NATS subjects: what a stream (and a phone channel) needs of it. */
export interface StreamWire {
  publish(subject: string, data: Uint8Array | string): void;
  subscribe(subject: string, onMessage: (data: Uint8Array) => void): { unsubscribe(): void };
}

/** A connection's subjects as a StreamWire (errors on a subscription drop the message). */
export function natsWire(nc: NatsConnection): StreamWire {
  return {
    publish: (subject, data) => nc.publish(subject, data),
    subscribe: (subject, on) => {
      const sub = nc.subscribe(subject, {
        callback: (err, m) => {
          if (!err) on(m.data);
        },
      });
      return { unsubscribe: () => sub.unsubscribe() };
    },
  };
}

const DATA = 0;
const END = 1;
const KEEPALIVE = 2;
/** NATS's default max_payload is 1 MiB; stay well under it. */
export const MAX_CHUNK = 64 * 1024;

/**
 * Silence on a busy stream after which the relay is asked whether the other copy is there:
 * this, or twice the stream's own pace if that is longer.
 */
export const PROBE_AFTER_MS = 500;
/** A stream is busy when its last `BUSY_COUNT` messages came within `BUSY_WITHIN_MS`. */
const BUSY_COUNT = 4;
const BUSY_WITHIN_MS = 1_200;
/** A stream is in use while data went either way within this many `silentMs`. */
export const ACTIVE_FOR = 5;
/** An idle stream's keepalive, and the silence that ends it, in `silentMs`. */
export const IDLE_KEEPALIVE = 5;
export const IDLE_SILENT = 15;

/**
 * One timer for every stream checked at the same period: a relayed room of 100 holds
 * thousands of streams, and a timer each woke every process tens of thousands of times a
 * second for nothing.
 */
const tickers = new Map<number, { timer: NodeJS.Timeout; checks: Set<() => void> }>();
function onTick(every: number, check: () => void): () => void {
  let t = tickers.get(every);
  if (!t) {
    const checks = new Set<() => void>();
    const timer = setInterval(() => {
      for (const c of checks) c();
    }, every);
    timer.unref?.();
    t = { timer, checks };
    tickers.set(every, t);
  }
  t.checks.add(check);
  return () => {
    t.checks.delete(check);
    if (t.checks.size === 0 && tickers.get(every) === t) {
      clearInterval(t.timer);
      tickers.delete(every);
    }
  };
}

export type PeerProbe = () => Promise<'gone' | 'alive' | 'unknown'>;

export class RelayStream extends Duplex {
  private sent = 0;
  /** Arrival times of the last few data messages (is this a busy stream?). */
  private readonly arrivals: number[] = [];
  /** When data last went either way, and when the stream last became busy after idling. */
  private lastData: number;
  private activeSince: number;
  private probing = false;
  private probedAt = -Infinity;
  private expected = 0;
  private lastIn: number;
  private lastOut: number;
  /** When the silence check last ran (a late run means this process was stalled). */
  private lastCheck: number;
  private readonly sub: { unsubscribe(): void };
  private readonly stopTicking: () => void;
  /** Why the stream ended, for the log ("gap", "silent", "closed by the other side"). */
  endReason: string | null = null;

  constructor(
    private readonly wire: StreamWire,
    inbox: string,
    private readonly outbox: string,
    private readonly silentMs = 2_000,
    private readonly now: () => number = Date.now,
    /** Whether the other copy is still on the relay (unset: silence alone ends the stream). */
    private readonly probe?: PeerProbe,
  ) {
    super({ allowHalfOpen: false });
    // A stream can end in error before anyone reads it (a dial whose answer comes late, as
    // its silence runs out): an 'error' with no listener would crash the process. Whoever
    // uses the stream still hears of it (TLS listens), and `endReason` says why.
    this.on('error', () => {});
    // A new stream is in use: a dial's TLS hello follows at once.
    this.lastIn = this.lastOut = this.lastCheck = this.lastData = this.activeSince = now();
    this.sub = wire.subscribe(inbox, (data) => this.onMessage(data));
    const every = Math.max(50, Math.floor(probe ? Math.min(100, silentMs / 6) : silentMs / 6));
    this.stopTicking = onTick(every, () => {
      const t = this.now();
      // This process itself was stalled (CPU starvation, a sleeping laptop): the other
      // side's messages are probably still queued in our socket. Silence is judged on
      // time this copy was awake to hear, as the election judges heartbeats.
      const late = t - this.lastCheck;
      if (late > silentMs / 2) this.lastIn = t;
      this.lastCheck = t;
      const inUse = t - this.lastData < ACTIVE_FOR * silentMs;
      // In use: heard from within silentMs (counted from when it became busy, so a stream
      // that idled is not ended for the quiet before); idle: within IDLE_SILENT of them.
      const silence = inUse ? t - Math.max(this.lastIn, this.activeSince) : t - this.lastIn;
      if (silence > (inUse ? silentMs : IDLE_SILENT * silentMs)) return this.fail('silent');
      if (t - this.lastOut > (inUse ? silentMs / 3 : IDLE_KEEPALIVE * silentMs))
        this.emitKind(KEEPALIVE);
      if (late <= 3 * every) this.maybeProbe(t);
    });
  }

  /** Data went one way or the other at `t`: the stream is in use (again). */
  private used(t: number): void {
    if (t - this.lastData >= ACTIVE_FOR * this.silentMs) this.activeSince = t;
    this.lastData = t;
  }

  /** A busy stream gone quiet: is the other copy still on the relay? Ends the stream if not. */
  private maybeProbe(t: number): void {
    const a = this.arrivals;
    const span = a.length === BUSY_COUNT ? a[BUSY_COUNT - 1]! - a[0]! : Infinity;
    if (!this.probe || this.probing || span > BUSY_WITHIN_MS) return;
    // Silent for twice its own pace, and at least PROBE_AFTER_MS: a stream that carries an
    // electorate's heartbeat every 500 ms (busy when a ping falls between two) is not
    // "quiet" at 500 ms — an idle room of 100 sent 60–120 such probes a second.
    const pace = span / (BUSY_COUNT - 1);
    if (t - this.lastIn < Math.max(PROBE_AFTER_MS, 2 * pace)) return;
    if (this.probedAt >= this.lastIn) return; // one probe per silence: it answered already
    this.probing = true;
    this.probedAt = t;
    const heard = this.lastIn;
    void this.probe().then(
      (answer) => {
        this.probing = false;
        // Gone, and still nothing from it since we asked: its process is dead.
        if (answer === 'gone' && this.lastIn === heard && !this.destroyed) this.fail('gone');
      },
      () => (this.probing = false),
    );
  }

  private emitKind(kind: number): void {
    this.lastOut = this.now();
    try {
      this.wire.publish(this.outbox, Uint8Array.of(kind));
    } catch {
      // the connection is closed: the silence check ends the stream
    }
  }

  private onMessage(data: Uint8Array): void {
    if (this.destroyed) return;
    this.lastIn = this.now();
    const kind = data[0];
    if (kind === KEEPALIVE) return;
    if (kind === END) {
      this.endReason ??= 'closed by the other side';
      this.push(null);
      this.destroy();
      return;
    }
    if (kind !== DATA || data.length < 5) return this.fail('junk');
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const seq = view.getUint32(1);
    if (seq !== this.expected) return this.fail(`gap (expected ${this.expected}, got ${seq})`);
    this.expected = (this.expected + 1) >>> 0;
    this.used(this.lastIn);
    this.arrivals.push(this.lastIn);
    if (this.arrivals.length > BUSY_COUNT) this.arrivals.shift();
    this.push(Buffer.from(data.buffer, data.byteOffset + 5, data.byteLength - 5));
  }

  private fail(reason: string): void {
    this.endReason ??= reason;
    this.destroy(new Error(`relay stream: ${reason}`));
  }

  override _read(): void {
    // pushed as messages arrive
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    try {
      for (let at = 0; at < chunk.length; at += MAX_CHUNK) {
        const part = chunk.subarray(at, Math.min(chunk.length, at + MAX_CHUNK));
        const msg = new Uint8Array(5 + part.length);
        msg[0] = DATA;
        new DataView(msg.buffer).setUint32(1, this.sent);
        msg.set(part, 5);
        this.sent = (this.sent + 1) >>> 0;
        this.wire.publish(this.outbox, msg);
      }
      this.lastOut = this.now();
      this.used(this.lastOut);
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  override _final(done: (e?: Error | null) => void): void {
    this.emitKind(END);
    done();
  }

  override _destroy(err: Error | null, done: (e: Error | null) => void): void {
    this.stopTicking();
    if (!this.endReason) {
      this.endReason = 'closed';
      this.emitKind(END);
    }
    this.sub.unsubscribe();
    done(err);
  }

  // What TLS and HTTP ask of a socket-like stream.
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  setTimeout(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  get remoteAddress(): string {
    return 'relay';
  }
}
