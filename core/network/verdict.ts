import type { NetInterface } from './interfaces';

/**
 * Why nothing is found, in plain words: the network verdict. Pure: it reads the facts a
 * copy gathers (its interface, mDNS counters, links and failed dials) and names the most
 * likely cause with the evidence and the next step.
 */

/** How long discovery gets (five mDNS queries) before "nothing found" is a finding, not patience. */
export const VERDICT_AFTER_MS = 15_000;

export interface MdnsCounters {
  queriesSent: number;
  answersSent: number;
  /** Packets from other hosts. */
  packetsHeard: number;
  /** This laptop's own packets, looped back by the network stack. */
  ownPacketsHeard: number;
  /** Other hosts heard (any mDNS, not only Baton). */
  hostsHeard: number;
  lastHeardAt: number | null;
  sendErrors: number;
  lastError: string | null;
}

export interface DialFailure {
  name: string;
  address: string;
  error: string;
}

export interface NetFacts {
  now: number;
  /** When discovery started on the current interface. */
  since: number;
  iface: NetInterface | null;
  ifaceReason: string;
  mdns: MdnsCounters | null;
  /** Other Baton copies heard over mDNS. */
  batonsHeard: number;
  /** Open links to other copies. */
  links: number;
  /** Copies announced over mDNS whose peer port does not answer. */
  unreachable: DialFailure[];
}

export type VerdictCode =
  | 'ok'
  | 'searching'
  | 'no-interface'
  | 'virtual-interface'
  | 'multicast-blocked'
  | 'only-self'
  | 'no-baton'
  | 'port-unreachable'
  | 'mdns-off';

export interface Verdict {
  code: VerdictCode;
  level: 'ok' | 'info' | 'warn' | 'bad';
  /** One sentence: what is wrong (or right). */
  title: string;
  /** The evidence behind it. */
  evidence: string;
  /** What to do next, most useful first. */
  next: string[];
}

const AROUND = [
  'Connect by address: on a laptop in the session, open Members and read "Others can connect to …".',
  'Or put every laptop on a phone hotspot.',
];

export function networkVerdict(f: NetFacts): Verdict {
  const on = f.iface ? `${label(f.iface)} (${f.iface.name})` : '';
  const waited = Math.round((f.now - f.since) / 1000);
  if (!f.iface)
    return {
      code: 'no-interface',
      level: 'bad',
      title: 'This laptop is not on a network Baton can use.',
      evidence: f.ifaceReason,
      next: ["Join the room's Wi-Fi (or plug in a cable), then look again."],
    };
  if (f.links > 0 && f.unreachable.length === 0)
    return {
      code: 'ok',
      level: 'ok',
      title: `Connected to ${f.links} other ${f.links === 1 ? 'laptop' : 'laptops'} on ${on}.`,
      evidence: f.mdns
        ? `${f.batonsHeard} Baton ${f.batonsHeard === 1 ? 'copy' : 'copies'} heard over mDNS.`
        : 'Connected by address (mDNS is off).',
      next: [],
    };
  if (f.iface.virtual)
    return {
      code: 'virtual-interface',
      level: 'bad',
      title: `Baton is using ${f.iface.name}, a virtual interface (VPN, Docker or a VM): the other laptops are not on it.`,
      evidence: `${f.iface.name} ${f.iface.address}: ${f.ifaceReason}.`,
      next: [
        'Settings → Network: choose your Wi-Fi or wired interface.',
        'Or turn the VPN off while in class.',
      ],
    };
  if (f.unreachable.length > 0) {
    const u = f.unreachable[0]!;
    const more = f.unreachable.length > 1 ? ` (and ${f.unreachable.length - 1} more)` : '';
    return {
      code: 'port-unreachable',
      level: 'bad',
      title: `${u.name} is announced on this network, but its Baton port does not answer.`,
      evidence: `${u.address}: ${u.error}${more}. mDNS works here; the connection itself is blocked — often a firewall on that laptop.`,
      next: [
        `On ${u.name}: allow Baton through the firewall (incoming TCP on port ${u.address.split(':').pop()}).`,
        'Or connect by address to another laptop in the session.',
      ],
    };
  }
  if (!f.mdns)
    return {
      code: 'mdns-off',
      level: 'info',
      title: 'Discovery is off on this copy: sessions appear only by address.',
      evidence: 'Started with --no-mdns.',
      next: ['Connect by address.'],
    };
  if (f.batonsHeard > 0)
    return {
      code: 'searching',
      level: 'info',
      title: `${f.batonsHeard} other Baton ${f.batonsHeard === 1 ? 'copy' : 'copies'} heard on ${on}; connecting…`,
      evidence: `Last mDNS packet ${ago(f.now, f.mdns.lastHeardAt)}.`,
      next: [],
    };
  if (f.now - f.since < VERDICT_AFTER_MS)
    return {
      code: 'searching',
      level: 'info',
      title: `Looking for other laptops on ${on}…`,
      evidence: `${waited} s so far; ${f.mdns.queriesSent + f.mdns.answersSent} mDNS packets sent.`,
      next: [],
    };
  const m = f.mdns;
  const sent = m.queriesSent + m.answersSent;
  if (m.sendErrors > 0 || (m.ownPacketsHeard === 0 && m.packetsHeard === 0))
    return {
      code: 'multicast-blocked',
      level: 'bad',
      title: `Multicast is blocked on ${on}: this laptop's announcements do not go out.`,
      evidence:
        m.sendErrors > 0
          ? `${m.sendErrors} of ${sent} mDNS sends failed in ${waited} s (${m.lastError ?? 'error'}).`
          : `No mDNS packet heard in ${waited} s, not even this laptop's own.`,
      next: [...AROUND, 'Check that the Wi-Fi is connected and no firewall blocks UDP port 5353.'],
    };
  if (m.hostsHeard === 0)
    return {
      code: 'only-self',
      level: 'warn',
      title: `No other Baton heard on ${on} in ${waited} s, though this laptop sent ${sent} announcements.`,
      evidence: `Only this laptop's own mDNS packets come back (${m.ownPacketsHeard}), none from any other device: multicast is blocked between this laptop and the others. This network may keep devices from seeing each other (guest and campus Wi-Fi often do).`,
      next: AROUND,
    };
  return {
    code: 'no-baton',
    level: 'warn',
    title: `No other Baton heard on ${on} in ${waited} s, though this laptop sent ${sent} announcements.`,
    evidence: `Multicast works here — ${m.hostsHeard} other ${m.hostsHeard === 1 ? 'device' : 'devices'} answered mDNS, last ${ago(f.now, m.lastHeardAt)} — but none runs Baton: the others may be on another network (a guest Wi-Fi, a second band).`,
    next: ['Check that everyone is on the same Wi-Fi network.', ...AROUND],
  };
}

function label(i: NetInterface): string {
  return i.kind === 'wifi'
    ? 'Wi-Fi'
    : i.kind === 'wired'
      ? 'Ethernet'
      : i.kind === 'virtual'
        ? 'a virtual interface'
        : 'the network';
}

function ago(now: number, at: number | null): string {
  if (at === null) return 'never';
  const s = Math.max(0, Math.round((now - at) / 1000));
  return s < 2 ? 'just now' : `${s} s ago`;
}
