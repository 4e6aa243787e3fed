import { DEFAULT_PORTS } from '../transport/ws-parts';

/**
 * What "Connect by address" accepts: "10.0.0.5:47001", "10.0.0.5" (the first default
 * port), "[fe80::1]:47001", or a pasted link ("http://10.0.0.5:47001/…").
 */
export function parseAddress(address: string): { host: string; port: number } {
  let a = address.trim();
  if (a.length === 0 || a.length > 200) throw new Error('type an address like 10.0.0.5:47001');
  const link = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]+)/i.exec(a);
  if (link) a = link[1]!.replace(/^[^@]*@/, '');
  const m = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$|^([^:\s]+)(?::(\d{1,5}))?$/i.exec(a);
  const host = m ? (m[1] ?? m[3])! : '';
  const port = m ? Number(m[2] ?? m[4] ?? DEFAULT_PORTS[0]) : NaN;
  const ipv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  const numeric = /^[\d.]+$/.test(host);
  const hostname = /^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)*$/i;
  const okHost =
    (ipv4 && ipv4.slice(1).every((x) => Number(x) <= 255)) ||
    (m?.[1] !== undefined && host.includes(':')) ||
    (!numeric && hostname.test(host));
  if (!m || !okHost)
    throw new Error(`"${address.slice(0, 60)}" is not an address like 10.0.0.5:47001`);
  if (!(port > 0 && port < 65536))
    throw new Error(`port ${m[2] ?? m[4]} is not a port number (1-65535)`);
  return { host, port };
}
