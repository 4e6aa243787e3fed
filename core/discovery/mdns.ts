import { Bonjour, type Browser, type Service } from 'bonjour-service';
import type { SessionListing } from './listing';
import { type DeviceId, asDeviceId } from '../ids';
import { PROTOCOL_VERSION } from '../protocol/version';
import type { MdnsCounters } from './counters';
import { type Txt, makeTxt, parseTxt } from './txt';

export const SERVICE_TYPE = 'baton';

export interface PeerSeen {
  txt: Txt;
  addresses: string[];
  port: number;
  lastSeen: number;
}

export interface MdnsOptions {
  deviceId: DeviceId;
  name: string;
  /** IPv4 address of the interface to use (bonjour-service sends on one interface). */
  interface?: string;
  /** This laptop's own IPv4 addresses (its looped-back packets are not "heard"). */
  ownAddresses?: () => ReadonlySet<string>;
  /** Re-query this often for the first 30 s, so copies started later are found. Default 3 s. */
  requeryMs?: number;
  /** After the first 30 s, re-query this often. Default 15 s. */
  settledRequeryMs?: number;
  /** The DNS-SD service type (`_<type>._tcp`); another app on the engine uses its own. */
  serviceType?: string;
  log?: (line: string) => void;
}

/**
 * mDNS / DNS-SD: announces this copy as `_baton._tcp` with a static TXT record and
 * browses for the others. A change of session is an unpublish + a new publish (TXT is
 * never updated in place), under a service name made unique with the device id.
 * bonjour-service never reports a crashed peer gone, so liveness comes from the
 * engine's heartbeats; entries here expire with their record TTL.
 */
export class MdnsDiscovery {
  private readonly bonjour: Bonjour;
  private browser: Browser | null = null;
  private service: Service | null = null;
  private readonly peers = new Map<DeviceId, PeerSeen>();
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | null = null;
  private announced: Omit<Txt, 'v'> | null = null;
  private port = 0;
  private readonly hosts = new Set<string>();
  /** What went out and came in on the mDNS socket, for the network verdict. */
  readonly counters: MdnsCounters = {
    queriesSent: 0,
    answersSent: 0,
    packetsHeard: 0,
    ownPacketsHeard: 0,
    hostsHeard: 0,
    lastHeardAt: null,
    sendErrors: 0,
    lastError: null,
  };

  constructor(private readonly o: MdnsOptions) {
    // Passed through to multicast-dns (bonjour-service's type omits them). `interface` picks
    // where to send and join the group; without `bind: '0.0.0.0'` multicast-dns would bind
    // the socket to that unicast address, and on Linux it then never receives multicast.
    const opts = (
      o.interface ? { interface: o.interface, bind: '0.0.0.0' } : {}
    ) as ConstructorParameters<typeof Bonjour>[0];
    this.bonjour = new Bonjour(opts, (e: Error) => o.log?.(`mdns error: ${e.message}`));
    this.count(o.ownAddresses ?? (() => new Set<string>()));
  }

  /**
   * Count every packet sent and heard on the multicast-dns socket under bonjour-service,
   * telling this laptop's own looped-back packets from other hosts'.
   */
  private count(own: () => ReadonlySet<string>): void {
    type Mdns = {
      send(v: { type?: string }, rinfo: unknown, cb?: (e?: Error | null) => void): void;
      on(ev: string, fn: (...a: never[]) => void): void;
    };
    const mdns = (this.bonjour as unknown as { server?: { mdns?: Mdns } }).server?.mdns;
    if (!mdns) return;
    const c = this.counters;
    const send = mdns.send.bind(mdns);
    mdns.send = (value, rinfo, cb) => {
      if (typeof rinfo === 'function') return mdns.send(value, null, rinfo as never);
      if (value.type === 'query') c.queriesSent++;
      else c.answersSent++;
      send(value, rinfo, (e) => {
        if (e) {
          c.sendErrors++;
          c.lastError = e.message;
        }
        cb?.(e);
      });
    };
    const failed = (e: Error): void => {
      c.sendErrors++;
      c.lastError = e.message;
    };
    mdns.on('warning', failed as never);
    mdns.on('packet', ((_m: unknown, rinfo: { address: string }) => {
      if (own().has(rinfo.address)) {
        c.ownPacketsHeard++;
        return;
      }
      c.packetsHeard++;
      c.lastHeardAt = Date.now();
      this.hosts.add(rinfo.address);
      c.hostsHeard = this.hosts.size;
    }) as never);
  }

  /** Browse, and announce on `port` from now on. */
  start(port: number): void {
    this.port = port;
    this.browser = this.bonjour.find({ type: this.o.serviceType ?? SERVICE_TYPE });
    this.browser.on('up', (s) => this.seen(s));
    this.browser.on('txt-update', (s) => this.seen(s));
    this.browser.on('srv-update', (s) => this.seen(s));
    this.browser.on('down', (s) => this.gone(s));
    // Re-query often while the room is forming (copies started later are found within
    // seconds), then less: every query makes every copy answer, and on a room of 30 laptops
    // that multicast chatter costs each of them CPU and the Wi-Fi airtime.
    const every = this.o.requeryMs ?? 3_000;
    const settled = this.o.settledRequeryMs ?? 15_000;
    const fastUntil = Date.now() + 30_000;
    let lastQuery = Date.now();
    this.timer = setInterval(() => {
      const now = Date.now();
      if (now < fastUntil || now - lastQuery >= settled) {
        this.browser?.update();
        lastQuery = now;
      }
      this.browser?.expire();
      this.expire();
    }, every);
    this.timer.unref?.();
  }

  /** Announce (or re-announce with a new TXT) this copy. */
  /** `n`: the name to announce (the person's, once in a session); default this copy's name. */
  announce(t: { sid: string; sn: string; mid: string; n?: string }): void {
    const next = {
      sid: t.sid,
      sn: t.sn,
      mid: t.mid,
      did: this.o.deviceId,
      n: (t.n ?? this.o.name).slice(0, 80),
    };
    if (this.announced && JSON.stringify(this.announced) === JSON.stringify(next)) return;
    this.announced = next;
    const publish = (): void => {
      this.service = this.bonjour.publish({
        name: `Baton ${this.o.name.slice(0, 20)} ${this.o.deviceId.slice(0, 12)}`,
        type: this.o.serviceType ?? SERVICE_TYPE,
        port: this.port,
        txt: makeTxt(next),
        disableIPv6: true,
        // The name carries the device id, so no other copy can own it; probing would only
        // trip over our own previous record (still cached by peers) after a re-announce.
        probe: false,
      });
      this.service.on('error', (e: Error) => this.o.log?.(`mdns publish error: ${e.message}`));
    };
    const old = this.service;
    this.service = null;
    if (old) old.stop?.(() => publish());
    else publish();
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Every Baton copy seen, by device. */
  seenPeers(): Map<DeviceId, PeerSeen> {
    return this.peers;
  }

  /** Sessions on the network: copies grouped by session id, the earliest member first. */
  sessions(): SessionListing[] {
    const by = new Map<string, PeerSeen[]>();
    for (const p of this.peers.values()) {
      if (!p.txt.sid || p.txt.v !== PROTOCOL_VERSION) continue;
      const list = by.get(p.txt.sid) ?? [];
      list.push(p);
      by.set(p.txt.sid, list);
    }
    const out: SessionListing[] = [];
    for (const [sid, list] of by) {
      list.sort((a, b) => (a.txt.mid < b.txt.mid ? -1 : 1));
      out.push({
        sessionId: sid,
        name: list[0]!.txt.sn,
        hostName: list[0]!.txt.n,
        memberCount: list.length,
        contacts: list.map((p) => asDeviceId(p.txt.did)),
      });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.browser?.stop();
    return new Promise((resolve) => {
      // Goodbye packets first, then close the sockets.
      this.bonjour.unpublishAll(() => this.bonjour.destroy(() => resolve()));
      setTimeout(resolve, 1_000).unref?.();
    });
  }

  private seen(s: Service): void {
    const r = parseTxt(s.txt);
    if (!r.ok) {
      this.o.log?.(`mdns: dropped "${s.name}": ${r.error}`);
      return;
    }
    const device = asDeviceId(r.txt.did);
    if (device === this.o.deviceId) return;
    const ipv4 = (a: string): boolean => /^\d+\.\d+\.\d+\.\d+$/.test(a);
    const addresses = (s.addresses ?? []).filter(ipv4);
    // bonjour-service leaves internal interfaces out of its A records (a copy announced on
    // loopback has none): the address the announcement came from is the one to dial then.
    const from = s.referer?.address;
    if (addresses.length === 0 && from && ipv4(from)) addresses.push(from);
    if (r.txt.v !== PROTOCOL_VERSION)
      this.o.log?.(`mdns: ${s.name} speaks protocol ${r.txt.v}, not ${PROTOCOL_VERSION}`);
    this.peers.set(device, { txt: r.txt, addresses, port: s.port, lastSeen: Date.now() });
    this.emit();
  }

  private gone(s: Service): void {
    const r = parseTxt(s.txt);
    if (!r.ok) return;
    if (this.peers.delete(asDeviceId(r.txt.did))) this.emit();
  }

  /** Forget copies whose records the browser expired. */
  private expire(): void {
    const live = new Set(
      (this.browser?.services ?? []).map((s) => {
        const r = parseTxt(s.txt);
        return r.ok ? r.txt.did : '';
      }),
    );
    let changed = false;
    for (const d of this.peers.keys()) {
      if (!live.has(d)) {
        this.peers.delete(d);
        changed = true;
      }
    }
    if (changed) this.emit();
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }
}
