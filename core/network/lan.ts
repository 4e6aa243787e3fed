import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import { MdnsDiscovery } from '../discovery/mdns';
import type { DeviceId } from '../ids';
import { DEFAULT_PORTS, type WsTransport } from '../transport/ws-transport';
import {
  type InterfaceChoice,
  type NetInterface,
  chooseInterface,
  defaultRouteFromProc,
  listInterfaces,
  scanTargets,
} from './interfaces';
import { type DialFailure, type NetFacts, countBatons, networkVerdict } from './verdict';

/**
 * This copy on the LAN: which interface it uses, its mDNS discovery on it (started anew
 * when the choice changes, without a restart), whether the peers it hears answer on their
 * port, and the explicit "scan this network". The facts it gathers feed `networkVerdict`.
 */

export interface LanOptions {
  deviceId: DeviceId;
  name: string;
  transport: WsTransport;
  /** The relay, when one is set (its servers without credentials, and its state). */
  relay?: () => { url: string | null; state: string } | null;
  /** The CLI's --interface: fixed, Settings cannot change it. */
  fixedInterface?: string;
  /** The interface chosen in Settings last time (name), or null for auto. */
  chosen?: string | null;
  mdns: boolean;
  log?: (line: string) => void;
  /** For tests: what the OS says. */
  readInterfaces?: () => NetInterface[];
  readDefaultRoute?: () => string | null;
}

export interface ScanResult {
  network: string;
  probed: number;
  found: { address: string; sessionId: string | null }[];
}

/** Probes per second and at once, and how long one waits: a scan of a /24 takes ~10 s. */
export const SCAN_RATE = { perSecond: 400, concurrent: 48, timeoutMs: 300 } as const;

const OWN_ADDRESSES_MS = 5_000;

export class LanNetwork {
  private discovery: MdnsDiscovery | null = null;
  private choice: InterfaceChoice;
  private since = Date.now();
  private port = 0;
  private announced: { sid: string; sn: string; mid: string; n?: string } | null = null;
  private readonly listeners = new Set<() => void>();
  private readonly unreachable = new Map<DeviceId, DialFailure & { at: number }>();
  private probing = false;
  private chosen: string | null;
  private own: { at: number; set: Set<string> } | null = null;
  /** Since when no link has been seen (null while there is one): see `facts`. */
  private noLinksSince: number | null = Date.now();

  constructor(private readonly o: LanOptions) {
    this.chosen = o.chosen ?? null;
    this.choice = this.choose();
  }

  interfaces(): NetInterface[] {
    return this.o.readInterfaces?.() ?? listInterfaces(os.networkInterfaces());
  }

  private defaultRoute(): string | null {
    if (this.o.readDefaultRoute) return this.o.readDefaultRoute();
    try {
      return defaultRouteFromProc(fs.readFileSync('/proc/net/route', 'utf8'));
    } catch {
      return null; // not Linux: the auto choice falls back to the first real interface
    }
  }

  private choose(): InterfaceChoice {
    return chooseInterface(this.interfaces(), {
      fixed: this.o.fixedInterface,
      chosen: this.chosen,
      defaultRoute: this.defaultRoute(),
    });
  }

  /**
   * This laptop's addresses, asked of the OS at most every OWN_ADDRESSES_MS: every mDNS
   * packet heard is checked against them.
   */
  private ownAddresses(): ReadonlySet<string> {
    const now = Date.now();
    if (!this.own || now - this.own.at > OWN_ADDRESSES_MS) {
      // Every address of this machine, loopback included: a copy whose interface has
      // multicast off hears its own packets back through another path, and they are still
      // its own, not another device's.
      const set = new Set(this.interfaces().map((i) => i.address));
      for (const list of Object.values(os.networkInterfaces()))
        for (const a of list ?? []) set.add(a.address);
      this.own = { at: now, set };
    }
    return this.own.set;
  }

  get current(): InterfaceChoice {
    return this.choice;
  }

  get mdns(): MdnsDiscovery | null {
    return this.discovery;
  }

  start(port: number): void {
    this.port = port;
    this.startDiscovery();
  }

  private startDiscovery(): void {
    if (!this.o.mdns) return;
    const address = this.choice.iface?.address;
    this.discovery = new MdnsDiscovery({
      deviceId: this.o.deviceId,
      name: this.o.name,
      interface: address,
      ownAddresses: () => this.ownAddresses(),
      log: this.o.log,
    });
    this.since = Date.now();
    this.discovery.onChange(() => {
      for (const [device, p] of this.discovery?.seenPeers() ?? []) {
        const host = p.addresses[0];
        if (host) this.o.transport.setAddress(device, { host, port: p.port });
      }
      this.emit();
    });
    this.discovery.start(this.port);
    if (this.announced) this.discovery.announce(this.announced);
  }

  /**
   * Use another interface (a name or address from `interfaces()`), or null for auto.
   * Discovery stops on the old one and starts on the new one; the port stays.
   */
  async setInterface(choice: string | null): Promise<InterfaceChoice> {
    if (this.o.fixedInterface)
      throw new Error(`this copy was started with --interface ${this.o.fixedInterface}`);
    if (
      choice !== null &&
      !this.interfaces().some((i) => i.name === choice || i.address === choice)
    )
      throw new Error(`no interface "${choice}" on this laptop`);
    this.chosen = choice;
    this.choice = this.choose();
    const old = this.discovery;
    this.discovery = null;
    await old?.stop();
    this.unreachable.clear();
    this.startDiscovery();
    this.o.log?.(`network: now on ${this.choice.iface?.name ?? 'nothing'} (${this.choice.reason})`);
    this.emit();
    return this.choice;
  }

  announce(t: { sid: string; sn: string; mid: string; n?: string }): void {
    this.announced = t;
    this.discovery?.announce(t);
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }

  /** ip:port where the others can reach this copy: on the interface in use. */
  shareAddress(): string | null {
    const port = this.o.transport.listeningPort;
    const a = this.choice.iface?.address;
    return port && a ? `${a}:${port}` : null;
  }

  async stop(): Promise<void> {
    await this.discovery?.stop();
    this.discovery = null;
  }

  /**
   * The facts for the verdict. Copies heard over mDNS that this copy has no link to get a
   * TCP probe of their announced port (at most one round every 5 s).
   */
  async facts(): Promise<NetFacts> {
    const seen = [...(this.discovery?.seenPeers() ?? new Map()).entries()];
    const infos = this.o.transport.linkInfo();
    const linked = new Set(infos.map((l) => l.device));
    const direct = new Set(infos.filter((l) => l.path === 'direct').map((l) => l.device));
    if (!this.probing) {
      this.probing = true;
      try {
        await Promise.all(
          seen
            .filter(([d]) => !linked.has(d))
            .slice(0, 16)
            .map(async ([device, p]) => {
              const was = this.unreachable.get(device);
              if (was && Date.now() - was.at < 5_000) return;
              const address = `${p.addresses[0] ?? '?'}:${p.port}`;
              const error = await tcpProbe(p.addresses[0] ?? '', p.port, 1_000);
              if (error)
                this.unreachable.set(device, { name: p.txt.n, address, error, at: Date.now() });
              else this.unreachable.delete(device);
            }),
        );
      } finally {
        this.probing = false;
      }
    }
    for (const d of this.unreachable.keys())
      if (linked.has(d) || !seen.some(([s]) => s === d)) this.unreachable.delete(d);
    if (linked.size > 0) this.noLinksSince = null;
    else this.noLinksSince ??= Date.now();
    const session = this.announced?.sid || null;
    return {
      now: Date.now(),
      since: this.since,
      iface: this.choice.iface,
      ifaceReason: this.choice.reason,
      mdns: this.discovery?.counters ?? null,
      ...countBatons(
        seen.map(([device, p]) => ({ device, sid: p.txt.sid })),
        { device: this.o.deviceId, session },
      ),
      inSession: session !== null,
      links: linked.size,
      relayed: [...linked].filter((d) => !direct.has(d)).length,
      relay: this.o.relay?.() ?? null,
      noLinksSince: this.noLinksSince,
      unreachable: [...this.unreachable.values()].map(({ name, address, error }) => ({
        name,
        address,
        error,
      })),
    };
  }

  async verdict() {
    return networkVerdict(await this.facts());
  }

  /**
   * Probe the interface's /24 (never wider) on Baton's default ports, at a bounded rate
   * with a short timeout, and ask whatever answers which session it is in.
   */
  async scan(): Promise<ScanResult> {
    const iface = this.choice.iface;
    if (!iface || (iface.kind === 'loopback' && !this.o.fixedInterface))
      throw new Error('no network interface to scan');
    const hosts = scanTargets(iface);
    const own = this.o.transport.listeningPort;
    const targets = hosts
      .flatMap((h) => DEFAULT_PORTS.map((port) => ({ host: h, port })))
      .concat(
        DEFAULT_PORTS.filter((p) => p !== own).map((port) => ({ host: iface.address, port })),
      );
    const open: { host: string; port: number }[] = [];
    let next = 0;
    const started = Date.now();
    const worker = async (): Promise<void> => {
      while (next < targets.length) {
        const t = targets[next++]!;
        // Bounded rate: the n-th probe starts no earlier than n / perSecond seconds in.
        const due = started + (next * 1000) / SCAN_RATE.perSecond;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
        if ((await tcpProbe(t.host, t.port, SCAN_RATE.timeoutMs)) === null) open.push(t);
      }
    };
    await Promise.all(Array.from({ length: SCAN_RATE.concurrent }, worker));
    const found: ScanResult['found'] = [];
    for (const t of open) {
      try {
        const r = await this.o.transport.connectTo(t, 2_000);
        found.push({ address: `${t.host}:${t.port}`, sessionId: r.sessionId });
      } catch {
        // Something else listens there: not a Baton.
      }
    }
    const [a, b, c] = iface.address.split('.');
    return { network: `${a}.${b}.${c}.0/24`, probed: targets.length, found };
  }
}

/** null when host:port accepts a TCP connection within the timeout, else why not. */
export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    if (!net.isIPv4(host)) return resolve(`not an IPv4 address: ${host}`);
    const s = net.connect({ host, port });
    const done = (why: string | null): void => {
      s.destroy();
      resolve(why);
    };
    s.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    s.once('connect', () => done(null));
    s.once('error', (e: NodeJS.ErrnoException) =>
      done(e.code === 'ECONNREFUSED' ? 'connection refused' : (e.code ?? e.message)),
    );
  });
}
