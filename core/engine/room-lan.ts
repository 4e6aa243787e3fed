import * as fs from 'node:fs';
import * as path from 'node:path';
import { systemClock } from '../clock';
import { MdnsDiscovery } from '../discovery/mdns';
import { cryptoRandom } from '../random';
import { DataDirLock } from '../store/data-dir-lock';
import { FileStore } from '../store/file-store';
import { DeviceKey } from '../transport/device-key';
import { WsTransport } from '../transport/ws-transport';
import { Room, type RoomOptions, type TypedApp } from './room';

/** A room on the LAN: where this copy keeps its data, and how the room's copies meet. */
export interface LanRoomOptions extends RoomOptions {
  /** This copy's data: its device key, the room's document, its lock (one process per dir). */
  dataDir: string;
  /** The DNS-SD service type the app's copies announce (`_<type>._tcp`); default the app's room name space `baton-room`. */
  serviceType?: string;
  /** WebSocket port (default: any free one). */
  port?: number;
  /** IPv4 address of the network interface to use (default: all; mDNS on the default one). */
  interface?: string;
  log?: (line: string) => void;
}

/**
 * Open `app`'s room on the LAN in one call: the device key, the data dir's lock, the
 * store, the WebSocket links, mDNS discovery and announcing are inside; `room.close()`
 * leaves and releases them in order. Resolves once this copy is in the room.
 */
export async function openRoom<S, C, R>(
  app: TypedApp<S, C, R>,
  o: LanRoomOptions,
): Promise<Room<S, C, R>> {
  const log = o.log ?? (() => {});
  fs.mkdirSync(o.dataDir, { recursive: true });
  const lock = DataDirLock.take(o.dataDir, log);
  let room: Room<S, C, R> | null = null;
  try {
    const key = DeviceKey.loadOrCreate(o.dataDir, log);
    const transport = new WsTransport({
      key,
      port: o.port ?? 0,
      ...(o.interface ? { host: o.interface } : {}),
      sessionOf: () => room?.sessionId ?? null,
      log: (l) => log(`ws: ${l}`),
    });
    const mdns = new MdnsDiscovery({
      deviceId: key.deviceId,
      name: o.name,
      ...(o.interface ? { interface: o.interface } : {}),
      serviceType: o.serviceType ?? 'baton-room',
      log,
    });
    mdns.onChange(() => {
      for (const [device, seen] of mdns.seenPeers()) {
        const host = seen.addresses[0];
        if (host) transport.setAddress(device, { host, port: seen.port });
      }
    });
    const stores = new Map<string, FileStore>();
    const port = await transport.start();
    mdns.start(port);
    room = new Room(app, o, {
      deviceId: key.deviceId,
      signer: key.signer(),
      clock: systemClock,
      random: cryptoRandom,
      transport,
      directory: {
        sessions: () => mdns.sessions(),
        onChange: (fn) => mdns.onChange(fn),
        announce: (t) => mdns.announce(t),
      },
      storeFor: (k) => {
        let s = stores.get(k);
        if (!s) stores.set(k, (s = new FileStore(path.join(o.dataDir, 'rooms', safe(k)))));
        return s;
      },
      log,
      close: async () => {
        await mdns.stop();
        await transport.close();
        lock.unlock();
      },
    });
    await room.start();
    return room;
  } catch (e) {
    if (room) await room.close().catch(() => {});
    else lock.unlock();
    throw e;
  }
}

/** A session id as a directory name. */
const safe = (k: string): string => k.replace(/[^\w-]/g, '_').slice(0, 80);
