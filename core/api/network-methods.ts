import type { DeviceId } from '../ids';
import type { Results } from './contract';
import type { SessionDirectory } from './directory';
import type { RecentSessions } from './recent';
import { REJOIN_MAX_TRIES, REJOIN_TRY_MS } from './recent';
import { ApiError, type Handlers } from './requests';

/** The App API's network methods: the diagnosis, the interface choice, the scan, rejoining. */

/** What the LAN side of a copy offers (`core/network/lan.ts` through `SessionNode`). */
export interface NetworkPort {
  diag(): Promise<Results['diag.network']>;
  setInterface(choice: string | null): Promise<Results['diag.network']>;
  scan(): Promise<{
    network: string;
    probed: number;
    found: { address: string; sessionId: string | null }[];
  }>;
  /** The phone page's URL on this laptop's address, the QR code of it, and every laptop's. */
  shareLinks(): Promise<Results['session.shareLinks']>;
}

export interface NetworkMethodsPort {
  network: NetworkPort | undefined;
  directory: SessionDirectory;
  recent: RecentSessions;
  join(sessionId: string): Promise<unknown>;
  joinVia(sessionId: string, via: DeviceId): Promise<void>;
  requireNoSession(): void;
}

type NetMethod =
  | 'diag.network'
  | 'net.setInterface'
  | 'net.scan'
  | 'sessions.recent'
  | 'session.rejoin'
  | 'session.shareLinks';

export function networkMethods(p: NetworkMethodsPort): Pick<Handlers, NetMethod> {
  const net = (): NetworkPort => {
    if (!p.network) throw new ApiError('unsupported', 'no network diagnostics here');
    return p.network;
  };
  return {
    'diag.network': () => net().diag(),
    'net.setInterface': (q) =>
      net()
        .setInterface(q.interface)
        .catch((e: Error) => {
          throw new ApiError('bad-interface', e.message);
        }),
    'net.scan': async () => {
      const r = await net()
        .scan()
        .catch((e: Error) => {
          throw new ApiError('scan-failed', e.message);
        });
      const names = new Map(p.directory.list().map((l) => [l.sessionId, l.name]));
      const recent = new Map(p.recent.list().map((l) => [l.sessionId, l.name]));
      return {
        ...r,
        found: r.found.map((f) => ({
          ...f,
          sessionName: f.sessionId
            ? (names.get(f.sessionId) ?? recent.get(f.sessionId) ?? null)
            : null,
        })),
      };
    },
    'sessions.recent': () => p.recent.list(),
    'session.shareLinks': () =>
      net()
        .shareLinks()
        .catch((e: Error) => {
          throw new ApiError('unavailable', e.message);
        }),
    /**
     * Rejoin a recent session: through mDNS if it is listed; else by its saved addresses,
     * each tried once briefly (REJOIN_TRY_MS, at most REJOIN_MAX_TRIES), then reported.
     */
    'session.rejoin': async ({ sessionId }) => {
      if (p.directory.list().some((s) => s.sessionId === sessionId)) {
        await p.join(sessionId);
        return { sessionId, via: 'mdns' };
      }
      p.requireNoSession();
      const saved = p.recent.get(sessionId);
      if (!saved) throw new ApiError('unknown-session', 'this laptop has not been in that session');
      const connect = p.directory.connect;
      if (!connect)
        throw new ApiError('unsupported', 'connecting by address is not available here');
      const tried: string[] = [];
      for (const address of saved.addresses.slice(0, REJOIN_MAX_TRIES)) {
        tried.push(address);
        const found = await connect(address, REJOIN_TRY_MS).catch(() => null);
        if (!found || found.sessionId !== sessionId) continue;
        await p.joinVia(sessionId, found.device);
        return { sessionId, via: address };
      }
      throw new ApiError(
        'unreachable',
        tried.length
          ? `no laptop of "${saved.name}" answered at its saved addresses (${tried.join(', ')}): they may be off, or on another network`
          : `no saved addresses for "${saved.name}" yet`,
      );
    },
  };
}
