import * as os from 'node:os';
import * as path from 'node:path';
import type { SessionDirectory } from './api/directory';
import type { PrefsStore } from './api/local-data';
import { BatonService } from './api/service';
import { memberNameIn } from './api/views';
import { systemClock } from './clock';
import type { EngineConfig } from './session/config';
import { Peer } from './engine/peer';
import { type DeviceId, asDeviceId, asMemberId } from './ids';
import type { NetworkDiag } from './api/contract';
import type { QueueState } from './queue/types';
import { cryptoRandom } from './random';
import { DataDirLock, DataDirLockedError } from './store/data-dir-lock';
import { FileStore } from './store/file-store';
import QRCode from 'qrcode';
import { LanNetwork } from './network/lan';
import { PhoneGateway } from './phone/gateway';
import { phoneLaptops } from './phone/views';
import { DeviceKey } from './transport/device-key';
import { WsTransport } from './transport/ws-transport';
import { type FaultPlan, InjectedFaults } from './transport/injected-faults';
import { RelayControl } from './relay/relay-control';
import type { RelaySettings } from './relay/settings';
import { sessionRelay } from './queue/relay-setting';
import { mergeListings } from './discovery/listing';
import { parseAddress } from './network/address';

export interface SessionNodeOptions {
  dataDir: string;
  name: string;
  /** WebSocket port; 0 picks any free one; unset: the first free of DEFAULT_PORTS. */
  port?: number;
  /** IPv4 address of the network interface to announce on and listen on. */
  interface?: string;
  /** False: this copy never hosts (`--no-host`). */
  eligible?: boolean;
  /** Engine overrides (tests use a short failback window). */
  config?: Partial<EngineConfig>;
  /** Benchmarks only: phones from one address are not limited (the bench is one address). */
  phoneLimits?: { maxPerAddress: number; joinBurst: number; joinsPerSecond: number };
  /** Turn mDNS off (manual "connect by address" only). */
  mdns?: boolean;
  /** Where the phone page's files are (phone.html, phone.js); unset: no phone page. */
  phoneDir?: string;
  /** Where preferences live (the app's electron-store); default: the data dir. */
  prefs?: PrefsStore;
  /** A relay (NATS) for the pairs that cannot link directly; default: the saved one, if any. */
  relay?: RelaySettings;
  /** Tests and benchmarks only: bad Wi-Fi injected on this copy's outgoing frames. */
  faults?: FaultPlan;
  log?: (line: string) => void;
}

/**
 * One running copy of Baton: discovery, transport, stores, engine and queue wired
 * together behind the App API. The only place these parts meet; the Electron main
 * process and the headless CLI both run one of these.
 */
export class SessionNode {
  readonly service: BatonService;
  readonly transport: WsTransport;
  readonly network: LanNetwork;
  readonly phones: PhoneGateway;
  readonly relays: RelayControl;
  readonly deviceId: DeviceId;
  /** Injected bad Wi-Fi (tests only), with its counts. */
  readonly faults: InjectedFaults | null;
  private stopping: Promise<void> | null = null;
  /** When the session's relay setting seen last was set (it is checked once per change). */
  private relayAt: number | null = null;
  /** This process's hold on the data dir (one process per data dir). */
  private readonly lock: DataDirLock;

  constructor(private readonly o: SessionNodeOptions) {
    const refused = FileStore.probe(o.dataDir);
    if (refused)
      throw new DataDirError(
        `Baton cannot write to its data directory ${o.dataDir} (${refused.code ?? 'error'}: ` +
          `${refused.message}). Free some space, or make the directory writable, and start again.`,
      );
    const log = (line: string): void => o.log?.(line);
    try {
      this.lock = DataDirLock.take(o.dataDir, log);
    } catch (e) {
      if (e instanceof DataDirLockedError) throw new DataDirError(e.message);
      throw e;
    }
    const key = DeviceKey.loadOrCreate(o.dataDir, log);
    this.deviceId = key.deviceId;
    const signer = key.signer();
    this.transport = new WsTransport({
      key,
      port: o.port,
      host: o.interface,
      sessionOf: () => this.service?.currentPeer?.sessionId ?? null,
      // The phone page and API share the peer port (a phone may reach any laptop).
      http: {
        request: (req, res) => this.phones?.http.request(req, res) ?? false,
        upgrade: (req, socket, head) => this.phones?.http.upgrade(req, socket, head) ?? false,
      },
      log: (l) => log(`ws: ${l}`),
    });
    const transport = this.transport;
    this.faults = o.faults ? new InjectedFaults(transport, o.faults, cryptoRandom) : null;
    if (this.faults) log('injecting faults on outgoing frames (test mode)');
    const peerTransport = this.faults ?? transport;
    const settings = new FileStore(path.join(o.dataDir, 'settings'));
    this.network = new LanNetwork({
      deviceId: this.deviceId,
      name: o.name,
      transport,
      relay: () => (this.relays.current ? this.relays.view() : null),
      fixedInterface: o.interface,
      chosen: readChosenInterface(settings),
      mdns: o.mdns !== false,
      log: (l) => log(l),
    });
    const network = this.network;
    this.relays = new RelayControl({
      deviceId: this.deviceId,
      transport,
      store: settings,
      onPhone: (channel) => this.phones.adoptRelayed(channel),
      ...(o.relay ? { initial: o.relay } : {}),
      log: (l) => log(l),
    });
    const relays = this.relays;
    const directory: SessionDirectory = {
      list: () => mergeListings(network.mdns?.sessions() ?? [], relays.sessions()),
      onChange: (fn) => {
        const offLan = network.onChange(fn);
        const offRelay = relays.relay.onChange(fn);
        return () => {
          offLan();
          offRelay();
        };
      },
      connect: async (address, timeoutMs) => {
        const { host, port } = parseAddress(address);
        const found = await transport.connectTo({ host, port }, timeoutMs);
        if (!found.sessionId) throw new Error(`${address} is not in a session`);
        return { sessionId: found.sessionId, device: found.device };
      },
    };
    this.service = new BatonService({
      name: o.name,
      clock: systemClock,
      random: cryptoRandom,
      directory,
      settings,
      ...(o.prefs ? { prefs: o.prefs } : {}),
      storeFor: (sid) => new FileStore(path.join(o.dataDir, 'sessions', safeDir(sid))),
      makePeer: (store, app, name) =>
        new Peer<QueueState>({
          deviceId: this.deviceId,
          signer,
          name,
          clock: systemClock,
          random: cryptoRandom,
          transport: peerTransport,
          store,
          app,
          config: { eligible: o.eligible ?? true, ...o.config },
          log: (l) => log(`engine: ${l}`),
        }),
      log,
      diagnostics: () => {
        const cpu = process.cpuUsage();
        const mem = process.memoryUsage();
        return {
          framesIn: transport.stats.framesIn,
          framesOut: transport.stats.framesOut,
          framesDropped: transport.stats.dropped,
          reachAsked: transport.stats.reachAsked,
          reachSilent: transport.stats.reachSilent,
          links: transport.connectedDevices().length,
          cpuMs: (cpu.user + cpu.system) / 1000,
          uptimeMs: process.uptime() * 1000,
          rssBytes: mem.rss,
          heapUsedBytes: mem.heapUsed,
          addresses: this.addresses(),
        };
      },
      network: {
        diag: () => this.networkDiag(),
        setInterface: async (choice) => {
          await network.setInterface(choice);
          writeChosenInterface(settings, choice);
          return this.networkDiag();
        },
        scan: () => network.scan(),
        shareLinks: async () => {
          const at = network.shareAddress();
          if (!at) throw new Error('not listening on a network yet');
          const phoneUrl = `http://${at}/`;
          const qrSvg = await QRCode.toString(phoneUrl, { type: 'svg', margin: 1 });
          return { phoneUrl, addresses: this.phones.laptopAddresses(), qrSvg };
        },
      },
      relay: {
        set: (settings) => relays.set(settings),
        current: () => relays.current,
        watch: (sid) => relays.relay.watch(sid),
      },
      addressOf: (device) => {
        return this.addressText(device as DeviceId);
      },
    });
    this.phones = new PhoneGateway({
      ...o.phoneLimits,
      name: o.name,
      device: this.deviceId,
      peer: () => this.service.currentPeer,
      laptops: () =>
        phoneLaptops(this.service.currentPeer, (device, self) =>
          self ? this.network.shareAddress() : this.addressText(device),
        ),
      selfAddress: () => this.network.shareAddress(),
      memberAddresses: () =>
        Object.values(this.service.currentPeer?.doc?.baton?.members ?? {}).flatMap((m) => {
          const a = this.addressText(asDeviceId(m.deviceId));
          return a ? [a] : [];
        }),
      files: o.phoneDir ?? null,
      log: (l) => log(l),
    });
  }

  /** What `diag.network` answers: interfaces, the one in use and why, counters, links, verdict. */
  private async networkDiag(): Promise<NetworkDiag> {
    const net = this.network;
    const verdict = await net.verdict();
    const inUse = net.current.iface;
    const peer = this.service.currentPeer;
    const deviceName = new Map<string, { name: string; memberId: string }>();
    for (const [id, m] of Object.entries(peer?.doc?.baton?.members ?? {}))
      deviceName.set(m.deviceId, { name: memberNameIn(peer, id, m.name), memberId: id });
    for (const [d, p] of net.mdns?.seenPeers() ?? [])
      if (!deviceName.has(d)) deviceName.set(d, { name: p.txt.n, memberId: '' });
    const links = this.transport.linkInfo();
    return {
      interfaces: net.interfaces().map((i) => ({
        ...i,
        inUse: !!inUse && i.address === inUse.address,
      })),
      inUse: inUse ? { name: inUse.name, address: inUse.address, kind: inUse.kind } : null,
      reason: net.current.reason,
      mode: net.current.mode,
      mdns: net.mdns ? { ...net.mdns.counters } : null,
      batonsHeard: net.mdns?.seenPeers().size ?? 0,
      links: links.map((l) => {
        const who = deviceName.get(l.device);
        const member = who?.memberId ? asMemberId(who.memberId) : null;
        return {
          name: who?.name ?? l.device.slice(0, 8),
          address: l.host,
          outbound: l.outbound,
          rttMs: l.rttMs,
          lastHeartbeatAgoMs: member && peer ? peer.heardAgoMs(member) : null,
          path: l.path,
          memberId: member,
        };
      }),
      relay: this.relays.current ? this.relays.view() : null,
      reachable: links.some((l) => !l.outbound) ? true : null,
      shareAddress: net.shareAddress(),
      verdict,
    };
  }

  /** Where a device was last reachable, as "10.0.0.5:47001". */
  private addressText(device: DeviceId): string | null {
    const a = this.transport.addressOf(device);
    return a ? `${a.host}:${a.port}` : null;
  }

  /** Listen, announce, and resume the last session if there was one. */
  async start(): Promise<{ port: number; resumed: boolean }> {
    const port = await this.transport.start();
    this.network.start(port);
    this.relays.start();
    const resumed = this.service.start();
    this.announce();
    this.service.events.on('role', () => this.announce());
    this.service.events.on('members', () => this.announce());
    for (const e of ['state', 'members', 'role'] as const)
      this.service.events.on(e, () => this.phones.changed());
    // The session's relay, signed by its staff: every member uses it.
    this.service.events.on('state', () => {
      const peer = this.service.currentPeer;
      const app = peer?.doc?.app;
      if (app?.relay && peer?.sessionId)
        this.relays.follow(
          app.relay.at === this.relayAt ? null : sessionRelay(app, peer.sessionId),
        );
      this.relayAt = app?.relay?.at ?? null;
    });
    return { port, resumed };
  }

  /**
   * Graceful shutdown (window closed, SIGTERM): a host hands over first, everyone hears
   * a goodbye, and the session stays on disk so the laptop rejoins when it comes back.
   */
  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      // Phones hear "leaving" first and go to the next laptop on their list at once.
      this.phones.close();
      const peer = this.service.currentPeer;
      if (peer?.isRunning) await peer.leave();
      this.service.close();
      await this.network.stop();
      await this.relays.close();
      await this.transport.close();
      this.lock.unlock();
    })();
    return this.stopping;
  }

  /** ip:port pairs this copy listens on (the interface in use first, then every IPv4 one). */
  addresses(): string[] {
    const port = this.transport.listeningPort;
    if (!port) return [];
    if (this.o.interface) return [`${this.o.interface}:${port}`];
    const share = this.network.shareAddress();
    const out: string[] = [];
    for (const list of Object.values(os.networkInterfaces()))
      for (const a of list ?? [])
        if (a.family === 'IPv4' && !a.internal) out.push(`${a.address}:${port}`);
    if (share) out.sort((a, b) => (a === share ? -1 : b === share ? 1 : 0));
    return out.length ? out : [`127.0.0.1:${port}`];
  }

  /**
   * The TXT record follows the session: announced once the document holds it (a joiner
   * between welcome and snapshot stays unannounced, so one join is one re-publish).
   */
  private announce(): void {
    const peer = this.service.currentPeer;
    const name = peer?.doc?.baton?.session?.name;
    const inSession = !!(peer?.isRunning && peer.sessionId && name);
    const me = peer?.memberId;
    const txt = {
      sid: inSession ? peer!.sessionId! : '',
      sn: inSession ? name! : '',
      mid: inSession ? (me ?? '') : '',
    };
    // One name per person: the start screens of the others say "hosted by Prof. Kim", as
    // the room names this copy's person (staff login name, else the joined name).
    const n = inSession && me ? memberNameIn(peer, me, this.service.myName) : this.service.myName;
    this.network.announce({ ...txt, n });
    this.relays.relay.announce(
      inSession ? { ...txt, did: this.deviceId, n: n.slice(0, 80) } : null,
    );
  }
}

/**
 * The data directory cannot be used: it refuses writes (read-only, full, no permission),
 * or another process holds it. Nothing can start (the CLI exits with code 3).
 */
export class DataDirError extends Error {
  override name = 'DataDirError';
}

function safeDir(sessionId: string): string {
  return sessionId.replace(/[^a-zA-Z0-9-]/g, '_').slice(0, 64);
}

const CHOSEN_KEY = 'network.json';

function readChosenInterface(settings: FileStore): string | null {
  try {
    const raw = settings.load(CHOSEN_KEY);
    return raw
      ? ((JSON.parse(new TextDecoder().decode(raw)) as { chosen?: string }).chosen ?? null)
      : null;
  } catch {
    return null;
  }
}

function writeChosenInterface(settings: FileStore, chosen: string | null): void {
  settings.save(CHOSEN_KEY, new TextEncoder().encode(JSON.stringify({ chosen })));
}
