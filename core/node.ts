import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SessionDirectory } from './api/directory';
import type { PrefsStore } from './api/local-data';
import { BatonService } from './api/service';
import { systemClock } from './clock';
import { MdnsDiscovery } from './discovery/mdns';
import type { EngineConfig } from './engine/config';
import { Peer } from './engine/peer';
import type { DeviceId } from './ids';
import type { QueueState } from './queue/types';
import { cryptoRandom } from './random';
import { FileStore } from './store/file-store';
import { DeviceKey } from './transport/device-key';
import { WsTransport } from './transport/ws-transport';

export interface SessionNodeOptions {
  dataDir: string;
  name: string;
  /** WebSocket port; 0 picks a free one. */
  port?: number;
  /** IPv4 address of the network interface to announce on and listen on. */
  interface?: string;
  /** False: this copy never hosts (`--no-host`). */
  eligible?: boolean;
  /** Engine overrides (tests use a short failback window). */
  config?: Partial<EngineConfig>;
  /** Turn mDNS off (manual "connect by address" only). */
  mdns?: boolean;
  /** Where preferences live (the app's electron-store); default: the data dir. */
  prefs?: PrefsStore;
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
  readonly discovery: MdnsDiscovery | null = null;
  readonly deviceId: DeviceId;
  private stopping: Promise<void> | null = null;

  constructor(private readonly o: SessionNodeOptions) {
    fs.mkdirSync(o.dataDir, { recursive: true });
    const log = (line: string): void => o.log?.(line);
    const key = DeviceKey.loadOrCreate(o.dataDir, log);
    this.deviceId = key.deviceId;
    this.transport = new WsTransport({
      key,
      port: o.port ?? 0,
      host: o.interface,
      sessionOf: () => this.service?.currentPeer?.sessionId ?? null,
      log: (l) => log(`ws: ${l}`),
    });
    const transport = this.transport;
    if (o.mdns !== false) {
      this.discovery = new MdnsDiscovery({
        deviceId: this.deviceId,
        name: o.name,
        interface: o.interface,
        log: (l) => log(l),
      });
      // Every copy seen is an address the transport can reach.
      this.discovery.onChange(() => {
        for (const [device, p] of this.discovery!.seenPeers()) {
          const host = p.addresses[0];
          if (host) transport.setAddress(device, { host, port: p.port });
        }
      });
    }
    const directory: SessionDirectory = {
      list: () => this.discovery?.sessions() ?? [],
      onChange: (fn) => this.discovery?.onChange(fn) ?? (() => {}),
      connect: async (address) => {
        const { host, port } = parseAddress(address);
        const found = await transport.connectTo({ host, port });
        if (!found.sessionId) throw new Error(`${address} is not in a session`);
        return { sessionId: found.sessionId, device: found.device };
      },
    };
    this.service = new BatonService({
      name: o.name,
      clock: systemClock,
      directory,
      settings: new FileStore(path.join(o.dataDir, 'settings')),
      ...(o.prefs ? { prefs: o.prefs } : {}),
      storeFor: (sid) => new FileStore(path.join(o.dataDir, 'sessions', safeDir(sid))),
      makePeer: (store, app) =>
        new Peer<QueueState>({
          deviceId: this.deviceId,
          name: o.name,
          clock: systemClock,
          random: cryptoRandom,
          transport,
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
          links: transport.connectedDevices().length,
          cpuMs: (cpu.user + cpu.system) / 1000,
          uptimeMs: process.uptime() * 1000,
          rssBytes: mem.rss,
          heapUsedBytes: mem.heapUsed,
          addresses: this.addresses(),
        };
      },
    });
  }

  /** Listen, announce, and resume the last session if there was one. */
  async start(): Promise<{ port: number; resumed: boolean }> {
    const port = await this.transport.start();
    this.discovery?.start(port);
    const resumed = this.service.start();
    this.announce();
    this.service.events.on('role', () => this.announce());
    this.service.events.on('members', () => this.announce());
    return { port, resumed };
  }

  /**
   * Graceful shutdown (window closed, SIGTERM): a host hands over first, everyone hears
   * a goodbye, and the session stays on disk so the laptop rejoins when it comes back.
   */
  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      const peer = this.service.currentPeer;
      if (peer?.isRunning) await peer.leave();
      this.service.close();
      await this.discovery?.stop();
      await this.transport.close();
    })();
    return this.stopping;
  }

  /** ip:port pairs this copy listens on (the chosen interface, else every IPv4 one). */
  addresses(): string[] {
    const port = this.transport.listeningPort;
    if (!port) return [];
    if (this.o.interface) return [`${this.o.interface}:${port}`];
    const out: string[] = [];
    for (const list of Object.values(os.networkInterfaces()))
      for (const a of list ?? [])
        if (a.family === 'IPv4' && !a.internal) out.push(`${a.address}:${port}`);
    return out.length ? out : [`127.0.0.1:${port}`];
  }

  private announce(): void {
    const peer = this.service.currentPeer;
    const doc = peer?.doc;
    this.discovery?.announce({
      sid: peer?.isRunning && peer.sessionId ? peer.sessionId : '',
      sn: peer?.isRunning ? (doc?.baton?.session?.name ?? '') : '',
      mid: peer?.isRunning ? (peer.memberId ?? '') : '',
    });
  }
}

function safeDir(sessionId: string): string {
  return sessionId.replace(/[^a-zA-Z0-9-]/g, '_').slice(0, 64);
}

/** "10.0.0.5:4000", "[fe80::1]:4000" → host and port. */
export function parseAddress(address: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(address.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port > 0 && port < 65536)) throw new Error(`expected host:port, got "${address}"`);
  return { host: m[1]!, port };
}
