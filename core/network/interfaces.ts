/**
 * The laptop's network interfaces, which one Baton uses, and why. Pure: the caller passes
 * what `os.networkInterfaces()` and the routing table say.
 */

export type InterfaceKind = 'wifi' | 'wired' | 'virtual' | 'loopback' | 'other';

export interface NetInterface {
  name: string;
  address: string;
  /** Dotted IPv4 netmask. */
  netmask: string;
  kind: InterfaceKind;
  /** Docker, VM, VPN and tunnel interfaces: other laptops are rarely on them. */
  virtual: boolean;
}

/** Interface names that are almost never the room's network. */
export const VIRTUAL_NAME =
  /^(docker|br-|veth|vboxnet|vmnet|virbr|utun|tun|tap|wg|tailscale|zt|lxc|lxd|podman|cni|flannel|vethernet|ham|ppp|ipsec|gpd|nordlynx|proton)/i;

export function kindOf(name: string, internal: boolean): InterfaceKind {
  if (internal || /^lo/i.test(name)) return 'loopback';
  if (VIRTUAL_NAME.test(name)) return 'virtual';
  if (/^(wl|wlan|wifi|wi-fi|airport)/i.test(name)) return 'wifi';
  if (/^(en|eth|em|eno|ens|enp|ethernet)/i.test(name)) return 'wired';
  return 'other';
}

type RawInterfaces = Record<
  string,
  { address: string; netmask: string; family: string | number; internal: boolean }[] | undefined
>;

/** IPv4 interfaces, in the order the OS lists them. */
export function listInterfaces(raw: RawInterfaces): NetInterface[] {
  const out: NetInterface[] = [];
  for (const [name, addrs] of Object.entries(raw))
    for (const a of addrs ?? []) {
      if (a.family !== 'IPv4' && a.family !== 4) continue;
      const kind = kindOf(name, a.internal);
      out.push({ name, address: a.address, netmask: a.netmask, kind, virtual: kind === 'virtual' });
    }
  return out;
}

/** The interface of the default route, from Linux's /proc/net/route (lowest metric wins). */
export function defaultRouteFromProc(procNetRoute: string): string | null {
  let best: { iface: string; metric: number } | null = null;
  for (const line of procNetRoute.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || f[1] !== '00000000' || f[7] !== '00000000') continue;
    const metric = Number(f[6]);
    if (!best || metric < best.metric) best = { iface: f[0]!, metric };
  }
  return best?.iface ?? null;
}

export interface InterfaceChoice {
  iface: NetInterface | null;
  /** Why this one, in plain words. */
  reason: string;
  /** 'auto' (default route, skipping virtual), 'chosen' (Settings), 'fixed' (--interface). */
  mode: 'auto' | 'chosen' | 'fixed';
}

/**
 * Which interface to announce on. `fixed` (the CLI's --interface) and `chosen` (Settings)
 * name an interface or an address; otherwise: the default route's interface unless it is
 * virtual, then the first Wi-Fi or wired one, then any non-virtual one.
 */
export function chooseInterface(
  list: readonly NetInterface[],
  o: { fixed?: string; chosen?: string | null; defaultRoute?: string | null } = {},
): InterfaceChoice {
  const find = (want: string) =>
    list.find((i) => i.address === want) ?? list.find((i) => i.name === want) ?? null;
  if (o.fixed) {
    const i = find(o.fixed);
    return {
      iface: i ?? {
        name: o.fixed,
        address: o.fixed,
        netmask: '255.255.255.0',
        kind: 'other',
        virtual: false,
      },
      reason: `given with --interface ${o.fixed}`,
      mode: 'fixed',
    };
  }
  if (o.chosen) {
    const i = find(o.chosen);
    if (i) return { iface: i, reason: `chosen in Settings`, mode: 'chosen' };
  }
  const lost = o.chosen ? `the chosen interface ${o.chosen} is gone; ` : '';
  const usable = list.filter((i) => i.kind !== 'loopback');
  const real = usable.filter((i) => !i.virtual);
  const route = o.defaultRoute ? usable.find((i) => i.name === o.defaultRoute) : undefined;
  if (route && !route.virtual)
    return { iface: route, reason: `${lost}the interface of the default route`, mode: 'auto' };
  const pick =
    real.find((i) => i.kind === 'wifi') ?? real.find((i) => i.kind === 'wired') ?? real[0];
  if (pick) {
    const why = route
      ? `the default route is on ${route.name}, a virtual interface (VPN, Docker or VM), so Baton skips it`
      : 'there is no default route: the first real interface';
    return { iface: pick, reason: `${lost}${why}`, mode: 'auto' };
  }
  if (usable[0])
    return {
      iface: usable[0],
      reason: `${lost}only virtual interfaces are up: ${usable.map((i) => i.name).join(', ')}`,
      mode: 'auto',
    };
  return {
    iface: null,
    reason: `${lost}no network interface with an IPv4 address is up`,
    mode: 'auto',
  };
}

/** The /24 (or smaller) network of an interface, as the addresses a scan may probe. */
export function scanTargets(iface: NetInterface): string[] {
  const ip = iface.address.split('.').map(Number);
  const mask = iface.netmask.split('.').map(Number);
  if (ip.length !== 4 || mask.length !== 4 || ip.some((x) => !(x >= 0 && x <= 255)))
    throw new Error(`not an IPv4 address: ${iface.address}`);
  // Never wider than the interface's /24, narrower when its netmask says so.
  const last = mask[3]! & 0xff;
  const hostBits = mask.slice(0, 3).every((m) => m === 255) ? 8 - bitCount(last) : 8;
  const size = 1 << hostBits;
  const base = (ip[3]! & ~(size - 1)) >>> 0;
  const out: string[] = [];
  for (let h = base + 1; h < base + size - 1; h++)
    if (h !== ip[3]) out.push(`${ip[0]}.${ip[1]}.${ip[2]}.${h}`);
  return out;
}

function bitCount(n: number): number {
  let c = 0;
  for (let x = n; x; x >>= 1) c += x & 1;
  return c;
}
