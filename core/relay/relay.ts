import { createHash, randomBytes } from 'node:crypto';
import { type NatsConnection, credsAuthenticator, errors, wsconnect } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { z } from 'zod';
import type { DeviceId } from '../ids';
import { asDeviceId } from '../ids';
import type { SessionListing } from '../discovery/listing';
import { RELAY_PREFIX } from '../phone/wire';
import { RelayStream, natsWire } from './stream';
import { type PhoneChannel, acceptPhones } from './phone-channel';
import { explainConnectFailure } from './connect-errors';
import { type RelaySettings, RelayError, relayServers } from './settings';

/**
 * The relay: a NATS connection carrying byte streams between copies that cannot reach
 * each other directly (an isolating Wi-Fi, a student at home). NATS forwards; it never
 * sees a frame in the clear, because the transport runs the same TLS link and device
 * proof over a relay stream as over TCP (ws-transport.ts). Subjects, all under
 * `baton.<protocol version>`:
 *
 * | subject | what |
 * | --- | --- |
 * | `d.<device id>` | a dial: request {s: stream id, from}; the device answers "ok" and the stream is open. No responders: that device is not on the relay (its process died, or it never came) |
 * | `s.<stream id>.a` / `.b` | the stream's bytes to the dialer / to the dialed (stream.ts) |
 * | `p.<room tag>` | presence of one session's copies: {did, sid, sn, mid, n} every 5 s and when asked, so a copy with a join link finds whom to knock at; the tag is a hash of the session id, which the relay never learns. Only copies looking for the room listen |
 * | `p.<room tag>.who` | "who is there?": the session's copies listen and announce at once |
 */

export type RelayState = 'off' | 'connecting' | 'connected' | 'reconnecting' | 'unreachable';

export interface RelayStatus {
  state: RelayState;
  /** The server in use, when connected. */
  server: string | null;
  /** Round trip to the relay server, ms (measured every 5 s). */
  rttMs: number | null;
  /** The last error, with its code, while not connected. */
  error: { code: string; message: string } | null;
}

const dialSchema = z.object({
  s: z.string().regex(/^[0-9a-f]{32}$/),
  from: z.string().regex(/^[0-9a-f]{32}$/),
});
const presenceSchema = z.object({
  did: z.string().regex(/^[0-9a-f]{32}$/),
  sid: z.string().min(1).max(64),
  sn: z.string().max(120),
  mid: z.string().max(64),
  n: z.string().max(80),
});
type Presence = z.infer<typeof presenceSchema>;

/** Presence not renewed for this long is forgotten. */
const PRESENCE_TTL_MS = 15_000;
const PRESENCE_EVERY_MS = 5_000;
/** After the relay cluster changes, how long a probe's "no responders" is not believed. */
export const CLUSTER_SETTLE_MS = 3_000;

export function roomTag(sessionId: string): string {
  return createHash('sha256').update(`baton-room:${sessionId}`).digest('hex').slice(0, 32);
}

export interface NatsRelayOptions {
  deviceId: DeviceId;
  /** A stream another copy opened to this one (the transport runs its TLS listener on it). */
  onAccept(stream: RelayStream, from: DeviceId): void;
  /** A phone page's channel through the relay (phone-channel.ts); unset: phones are refused. */
  onPhone?(channel: PhoneChannel): boolean;
  /** Stream silence that ends it (default 2 s). */
  silentMs?: number;
  log?: (line: string) => void;
}

export class NatsRelay {
  private nc: NatsConnection | null = null;
  private readonly prefix = RELAY_PREFIX;
  private readonly presence = new Map<string, Map<string, Presence & { at: number }>>();
  /** Sessions whose presence this copy listens for (kept across reconnections). */
  private readonly watched = new Map<string, { unsubscribe(): void } | null>();
  private mine: Presence | null = null;
  private whoSub: { unsubscribe(): void } | null = null;
  private timers: NodeJS.Timeout[] = [];
  /** When the cluster last changed as this connection saw it (watchStatus). */
  private clusterChangedAt = -Infinity;
  private readonly streams = new Set<RelayStream>();
  private only = false;
  private readonly listeners = new Set<() => void>();
  readonly status: RelayStatus = { state: 'off', server: null, rttMs: null, error: null };

  constructor(private readonly o: NatsRelayOptions) {}

  get connected(): boolean {
    return this.status.state === 'connected';
  }

  /** "Relay only": the transport opens no LAN links (paths.ts). */
  get relayOnly(): boolean {
    return this.only;
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }

  /**
   * Connect (the first time with a clear error for each way it can fail); afterwards NATS
   * reconnects by itself, to any server of the cluster, and `status` follows.
   */
  async connect(settings: RelaySettings, timeoutMs = 5_000): Promise<void> {
    await this.close();
    const servers = relayServers(settings.url);
    this.only = settings.relayOnly === true;
    const ws = servers[0]!.startsWith('ws');
    this.status.state = 'connecting';
    this.status.error = null;
    this.changed();
    const opts = {
      servers,
      name: `baton ${this.o.deviceId.slice(0, 8)}`,
      timeout: timeoutMs,
      noEcho: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      pingInterval: 5_000,
      maxPingOut: 2,
      // Without it, every request (a dial, a probe) captures a stack trace for its error:
      // CPU a busy room pays on every probe, for errors this code tells apart by type.
      noAsyncTraces: true,
      ...(settings.token ? { token: settings.token } : {}),
      ...(settings.user ? { user: settings.user, pass: settings.pass } : {}),
      ...(settings.creds
        ? { authenticator: credsAuthenticator(new TextEncoder().encode(settings.creds)) }
        : {}),
    };
    let nc: NatsConnection;
    try {
      nc = await (ws ? wsconnect(opts) : connect(opts));
    } catch (e) {
      const err = explainConnectFailure(e, servers);
      this.status.state = 'unreachable';
      this.status.error = { code: err.code, message: err.message };
      this.changed();
      throw err;
    }
    this.nc = nc;
    this.status.state = 'connected';
    this.status.server = nc.getServer();
    this.changed();
    this.o.log?.(`relay: connected to ${nc.getServer()}`);
    nc.subscribe(`${this.prefix}.d.${this.o.deviceId}`, {
      callback: (err, msg) => {
        if (err) return;
        if (msg.string() === 'probe') return void msg.respond('here');
        const p = parseJson(dialSchema, msg.data);
        if (!p) return;
        // Subscribed before answering: the dialer's TLS hello follows the answer at once.
        const stream = this.stream(p.s, 'b', 'a', asDeviceId(p.from));
        msg.respond('ok');
        this.o.onAccept(stream, asDeviceId(p.from));
      },
    });
    acceptPhones(nc, this.prefix, this.o.deviceId, (channel) => this.o.onPhone?.(channel) ?? false);
    void this.watchStatus(nc);
    for (const sid of this.watched.keys()) this.watched.set(sid, this.subscribeRoom(sid));
    this.answerWho();
    this.timers.push(
      setInterval(() => this.announceNow(), PRESENCE_EVERY_MS),
      setInterval(() => void this.measure(), 5_000),
    );
    for (const t of this.timers) t.unref?.();
    this.announceNow();
    void this.measure();
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (this.nc !== nc) return;
      // The cluster changed (a server's INFO: a node died or came) or we moved: copies on a
      // lost node are reconnecting, and a probe would hear them "gone" (see probe()).
      if (['update', 'disconnect', 'reconnect'].includes(s.type))
        this.clusterChangedAt = Date.now();
      if (s.type === 'disconnect' || s.type === 'reconnecting' || s.type === 'staleConnection') {
        if (this.status.state !== 'reconnecting') {
          this.status.state = 'reconnecting';
          this.status.rttMs = null;
          this.status.error = { code: 'unreachable', message: 'relay unreachable: reconnecting' };
          this.o.log?.(`relay: lost ${this.status.server ?? 'the server'}; reconnecting`);
          this.changed();
        }
      } else if (s.type === 'reconnect') {
        this.status.state = 'connected';
        this.status.server = s.server;
        this.status.error = null;
        this.o.log?.(`relay: reconnected to ${s.server}`);
        this.changed();
        this.announceNow();
      } else if (s.type === 'error') {
        this.status.error = { code: 'error', message: s.error.message };
      }
    }
  }

  private async measure(): Promise<void> {
    const nc = this.nc;
    if (!nc || this.status.state !== 'connected') return;
    try {
      this.status.rttMs = await nc.rtt();
    } catch {
      this.status.rttMs = null;
    }
  }

  /** Open a byte stream to `to` (through its relay subscription). */
  async dial(to: DeviceId, timeoutMs = 2_000): Promise<RelayStream> {
    const nc = this.nc;
    if (!nc || this.status.state !== 'connected')
      throw new RelayError('unreachable', 'the relay is not connected');
    const s = randomBytes(16).toString('hex');
    // Subscribe before asking, so the other side's first bytes are never early.
    const stream = this.stream(s, 'a', 'b', to);
    try {
      await nc.request(`${this.prefix}.d.${to}`, JSON.stringify({ s, from: this.o.deviceId }), {
        timeout: timeoutMs,
      });
      return stream;
    } catch (e) {
      stream.destroy();
      if (e instanceof errors.NoRespondersError || isNoResponders(e))
        throw new RelayError('gone', `device ${to.slice(0, 8)} is not on the relay`);
      throw new RelayError('timeout', `device ${to.slice(0, 8)} did not answer on the relay`);
    }
  }

  /** Is `device` on the relay? 'gone' only when the server says nobody subscribes for it. */
  async probe(device: DeviceId): Promise<'gone' | 'alive' | 'unknown'> {
    const nc = this.nc;
    if (!nc || this.status.state !== 'connected') return 'unknown';
    // Within CLUSTER_SETTLE_MS of a change, "no responders" may be a copy still reconnecting.
    const settling = Date.now() - this.clusterChangedAt < CLUSTER_SETTLE_MS;
    try {
      await nc.request(`${this.prefix}.d.${device}`, 'probe', { timeout: 1_000 });
      return 'alive';
    } catch (e) {
      const none = e instanceof errors.NoRespondersError || isNoResponders(e);
      return none && !settling ? 'gone' : 'unknown';
    }
  }

  private stream(id: string, mine: 'a' | 'b', theirs: 'a' | 'b', peer: DeviceId): RelayStream {
    const stream = new RelayStream(
      natsWire(this.nc!),
      `${this.prefix}.s.${id}.${mine}`,
      `${this.prefix}.s.${id}.${theirs}`,
      this.o.silentMs,
      Date.now,
      () => this.probe(peer),
    );
    this.streams.add(stream);
    stream.once('close', () => this.streams.delete(stream));
    return stream;
  }

  // ---- presence ------------------------------------------------------------------

  /**
   * What this copy announces (its session), or null when in none. A copy in a session
   * answers `who` but does not listen to the others' presence: that is for copies looking
   * for the room (a join link), and a room of 100 all listening would deliver 100 × 100
   * messages every 5 s and on every join. One that leaves keeps watching its session, so
   * the start screen can list it to rejoin.
   */
  announce(p: Presence | null): void {
    const was = this.mine?.sid ?? null;
    this.mine = p;
    if ((p?.sid ?? null) !== was) {
      if (was && !p) this.watch(was);
      if (p) this.unwatch(p.sid);
      this.answerWho();
    }
    this.announceNow();
  }

  /** Listen for `who` on this copy's own session (its presence subject's `.who`). */
  private answerWho(): void {
    this.whoSub?.unsubscribe();
    this.whoSub = null;
    const nc = this.nc;
    if (!nc || !this.mine) return;
    this.whoSub = nc.subscribe(`${this.prefix}.p.${roomTag(this.mine.sid)}.who`, {
      callback: (err) => {
        if (!err) this.announceNow();
      },
    });
  }

  /** Listen for a session's copies (a join link names it). */
  watch(sessionId: string): void {
    if (this.watched.has(sessionId)) return;
    this.watched.set(sessionId, this.subscribeRoom(sessionId));
  }

  private unwatch(sessionId: string): void {
    this.watched.get(sessionId)?.unsubscribe();
    this.watched.delete(sessionId);
    this.presence.delete(sessionId);
  }

  private subscribeRoom(sid: string): { unsubscribe(): void } | null {
    const nc = this.nc;
    if (!nc) return null;
    const subject = `${this.prefix}.p.${roomTag(sid)}`;
    const sub = nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return;
        const p = parseJson(presenceSchema, msg.data);
        if (!p || p.sid !== sid || p.did === this.o.deviceId) return;
        const room = this.presence.get(sid) ?? new Map();
        const fresh = !room.has(p.did);
        room.set(p.did, { ...p, at: Date.now() });
        this.presence.set(sid, room);
        if (fresh) this.changed();
      },
    });
    nc.publish(`${subject}.who`, 'who');
    return sub;
  }

  private announceNow(): void {
    const nc = this.nc;
    if (!nc || !this.mine || this.status.state !== 'connected') return;
    try {
      nc.publish(`${this.prefix}.p.${roomTag(this.mine.sid)}`, JSON.stringify(this.mine));
    } catch {
      // closed meanwhile
    }
  }

  /** Sessions heard on the relay (only those this copy is in or watches). */
  sessions(): SessionListing[] {
    const out: SessionListing[] = [];
    const now = Date.now();
    for (const [sid, room] of this.presence) {
      const list = [...room.values()].filter((p) => now - p.at < PRESENCE_TTL_MS);
      if (list.length === 0) continue;
      list.sort((a, b) => (a.mid < b.mid ? -1 : 1));
      out.push({
        sessionId: sid,
        name: list[0]!.sn,
        hostName: list[0]!.n,
        memberCount: list.length,
        contacts: list.map((p) => asDeviceId(p.did)),
      });
    }
    return out;
  }

  /** Streams open through this connection (the bench counts them). */
  get streamCount(): number {
    return this.streams.size;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    // Each stream says goodbye while the connection can still carry it.
    for (const s of this.streams) s.destroy();
    this.streams.clear();
    const nc = this.nc;
    this.nc = null;
    this.whoSub = null;
    this.only = false;
    this.status.state = 'off';
    this.status.server = null;
    this.status.rttMs = null;
    if (nc) await nc.close().catch(() => {});
  }
}

function parseJson<T>(schema: z.ZodType<T>, data: Uint8Array): T | null {
  if (data.length > 4_096) return null;
  try {
    const r = schema.safeParse(JSON.parse(new TextDecoder().decode(data)));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

function isNoResponders(e: unknown): boolean {
  const cause = (e as { cause?: unknown })?.cause;
  return cause instanceof errors.NoRespondersError;
}
