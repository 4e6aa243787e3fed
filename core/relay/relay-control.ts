import type { Duplex } from 'node:stream';
import type { DeviceId } from '../ids';
import type { SessionListing } from '../discovery/listing';
import type { Store } from '../store/store';
import type { RelayPort } from '../transport/paths';
import type { PhoneChannel } from './phone-channel';
import { NatsRelay, type RelayStatus } from './relay';
import { type RelaySettings, RelayError, checkRelaySettings, relayServers } from './settings';

const KEY = 'relay.json';
/** While the relay cannot be reached, try again this often (wrong credentials: never). */
const RETRY_MS = 5_000;

/** What the network check and the API show of the relay: never a credential. */
export interface RelayView extends RelayStatus {
  /** The servers, without any user or token part. */
  url: string | null;
  relayOnly: boolean;
}

export interface RelayControlOptions {
  deviceId: DeviceId;
  /** Where the relay's streams go, and which relay the transport dials through. */
  transport: { acceptRelayed(stream: Duplex): void; setRelay(relay: RelayPort | null): void };
  /** Where this copy keeps its relay settings (the data dir's settings). */
  store: Store;
  /** A phone page's channel through the relay: true when taken (phone-channel.ts). */
  onPhone?(channel: PhoneChannel): boolean;
  /** Settings from the command line: used instead of the saved ones. */
  initial?: RelaySettings;
  log?: (line: string) => void;
}

/**
 * This copy's relay: which one (saved, so a restart keeps it), connected in the background
 * and again while it cannot be reached, and plugged into the transport. A relay that
 * fails never stops the LAN session: the transport uses it only where it is up.
 */
export class RelayControl {
  readonly relay: NatsRelay;
  private settings: RelaySettings | null = null;
  private retry: NodeJS.Timeout | null = null;
  private closed = false;
  /** The session setting last followed, and whether the relay in use came from it. */
  private followedAt: number | null = null;
  private fromSession = false;

  constructor(private readonly o: RelayControlOptions) {
    this.relay = new NatsRelay({
      deviceId: o.deviceId,
      onAccept: (stream) => o.transport.acceptRelayed(stream),
      onPhone: (channel) => o.onPhone?.(channel) ?? false,
      log: o.log,
    });
  }

  /** Connect to the saved relay (or the command line's), if any, in the background. */
  start(): void {
    this.settings = this.o.initial ?? this.load();
    if (this.settings) this.connectInBackground(this.settings);
  }

  /**
   * Use `settings` from now on (null: no relay). Resolves once connected; a bad URL, wrong
   * credentials, a server that is not NATS or one that does not answer reject with a
   * RelayError saying which — and the settings are then not kept.
   */
  async set(settings: RelaySettings | null): Promise<RelayView> {
    const next = settings ? checkRelaySettings(settings) : null;
    this.stopRetry();
    this.o.transport.setRelay(null);
    await this.relay.close();
    if (next) {
      try {
        await this.relay.connect(next);
      } catch (e) {
        // Back to the relay that was in use, if any.
        if (this.settings) this.connectInBackground(this.settings);
        throw e;
      }
      this.o.transport.setRelay(this.relay);
    }
    this.settings = next;
    this.fromSession = false;
    this.save(next);
    return this.view();
  }

  /**
   * The session's relay, as its document holds it (signed by the staff key: core/queue/
   * relay-setting.ts), `at` when it was set. A new one is used from then on — with this
   * copy's own "relay only" choice kept; "null" (staff took it away) ends a relay that
   * came from the session. Failures are logged and shown in the network check.
   */
  follow(signed: { json: string; at: number } | null): void {
    if (!signed || signed.at === this.followedAt) return;
    this.followedAt = signed.at;
    let next: RelaySettings | null;
    try {
      const parsed = JSON.parse(signed.json) as unknown;
      next = parsed === null ? null : checkRelaySettings(parsed);
    } catch (e) {
      this.o.log?.(`relay: the session's relay setting is not usable (${(e as Error).message})`);
      return;
    }
    if (next === null) {
      if (this.settings && this.fromSession) void this.set(null).catch(() => {});
      return;
    }
    const mine = this.settings;
    if (mine && sameRelay(mine, next)) return;
    this.o.log?.(`relay: the session uses ${publicUrl(next.url)}`);
    const wanted = { ...next, ...(mine?.relayOnly ? { relayOnly: true } : {}) };
    this.set(wanted).then(
      () => (this.fromSession = true),
      (e: Error) => this.o.log?.(`relay: ${e.message}`),
    );
  }

  /** The settings in use (with credentials: for the session document and join links). */
  get current(): RelaySettings | null {
    return this.settings;
  }

  view(): RelayView {
    return {
      ...this.relay.status,
      error: this.relay.status.error ? { ...this.relay.status.error } : null,
      url: this.settings ? publicUrl(this.settings.url) : null,
      relayOnly: this.settings?.relayOnly === true,
    };
  }

  sessions(): SessionListing[] {
    return this.relay.connected ? this.relay.sessions() : [];
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopRetry();
    this.o.transport.setRelay(null);
    await this.relay.close();
  }

  private connectInBackground(settings: RelaySettings): void {
    this.stopRetry();
    this.relay.connect(settings).then(
      () => {
        if (this.settings === settings && !this.closed) this.o.transport.setRelay(this.relay);
        else void this.relay.close();
      },
      (e: RelayError) => {
        this.o.log?.(`relay: ${e.message}`);
        const again = e.code === 'unreachable' || e.code === 'timeout';
        if (!again || this.closed || this.settings !== settings) return;
        this.retry = setTimeout(() => this.connectInBackground(settings), RETRY_MS);
        this.retry.unref?.();
      },
    );
  }

  private stopRetry(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
  }

  private load(): RelaySettings | null {
    try {
      const raw = this.o.store.load(KEY);
      if (!raw) return null;
      const parsed = JSON.parse(new TextDecoder().decode(raw)) as unknown;
      return parsed === null ? null : checkRelaySettings(parsed);
    } catch (e) {
      this.o.log?.(`relay: saved settings ignored (${(e as Error).message})`);
      return null;
    }
  }

  private save(settings: RelaySettings | null): void {
    this.o.store.save(KEY, new TextEncoder().encode(JSON.stringify(settings)));
  }
}

/** The same relay and credentials ("relay only" is each copy's own). */
export function sameRelay(a: RelaySettings, b: RelaySettings): boolean {
  return (
    a.url === b.url &&
    a.token === b.token &&
    a.user === b.user &&
    a.pass === b.pass &&
    a.creds === b.creds &&
    a.web === b.web &&
    a.page === b.page
  );
}

/** "nats://tok@a:4222, nats://b:4222" → "nats://a:4222, nats://b:4222". */
export function publicUrl(url: string): string {
  try {
    return relayServers(url)
      .map((s) => {
        const u = new URL(s);
        return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
      })
      .join(', ');
  } catch (e) {
    return e instanceof RelayError ? '(bad address)' : '';
  }
}
