import type { MdnsCounters } from '../discovery/counters';
import type { NetInterface } from './interfaces';

/**
 * Why nothing is found, in plain words: the network verdict. Pure: it reads the facts a
 * copy gathers (its interface, mDNS counters, links and failed dials) and names the most
 * likely cause with the evidence and the next step.
 */

/** How long discovery gets (five mDNS queries) before "nothing found" is a finding, not patience. */
export const VERDICT_AFTER_MS = 15_000;
/** How long "connecting…" may be said with no link: past it, the verdict says why not. */
export const CONNECT_WITHIN_MS = 20_000;

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
  /** Other Baton copies heard over mDNS (never this copy: see `countBatons`). */
  batonsHeard: number;
  /** Of those, copies in this copy's session (0 when this copy is in none). */
  batonsInMySession: number;
  /** Sessions other copies announce that this copy is not in. */
  otherSessions: number;
  /** Whether this copy is in a session. */
  inSession: boolean;
  /** Open links to other copies. */
  links: number;
  /** Of those, copies this one reaches only through the relay. */
  relayed: number;
  /** The relay, when one is set: its servers (no credentials) and its state. */
  relay: { url: string | null; state: string } | null;
  /** Since when this copy has had no link (null: it has one now). */
  noLinksSince: number | null;
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
  | 'cannot-connect'
  | 'alone-in-session'
  | 'sessions-here'
  | 'no-session'
  | 'mdns-off'
  | 'relay-unreachable';

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
  'If the session has a relay server, paste its join link: start screen → Join with a link (a TA finds it under Network → Relay server).',
  'Or put every laptop on a phone hotspot.',
];

/** What this copy heard of other copies over mDNS: itself never counts, whatever it hears. */
export function countBatons(
  seen: Iterable<{ device: string; sid: string }>,
  self: { device: string; session: string | null },
): Pick<NetFacts, 'batonsHeard' | 'batonsInMySession' | 'otherSessions'> {
  let heard = 0;
  let mine = 0;
  const others = new Set<string>();
  for (const s of seen) {
    if (s.device === self.device) continue;
    heard++;
    if (self.session && s.sid === self.session) mine++;
    else if (s.sid) others.add(s.sid);
  }
  return { batonsHeard: heard, batonsInMySession: mine, otherSessions: others.size };
}

const copies = (n: number): string => `${n} other Baton ${n === 1 ? 'copy' : 'copies'}`;

export function networkVerdict(f: NetFacts): Verdict {
  const on = f.iface ? `${label(f.iface)} (${f.iface.name})` : 'the network';
  const waited = Math.round((f.now - f.since) / 1000);
  /** How long this copy has had no link, ms (0 while it has one). */
  const lonely = f.links > 0 || f.noLinksSince === null ? 0 : f.now - f.noLinksSince;
  // Connected is connected, whatever the interface list says (a loopback-only machine
  // linked to copies on it is on a network Baton can use).
  const relayDown = f.relay !== null && f.relay.state !== 'connected';
  if (f.links > 0 && f.unreachable.length === 0) {
    const direct = f.links - f.relayed;
    const laptops = (n: number): string => `${n} other ${n === 1 ? 'laptop' : 'laptops'}`;
    const via = `the relay${f.relay?.url ? ` (${f.relay.url})` : ''}`;
    return {
      code: 'ok',
      level: 'ok',
      title:
        f.relayed === 0
          ? `Connected to ${laptops(f.links)} on ${on}.`
          : direct === 0
            ? `Connected to ${laptops(f.links)} through ${via}.`
            : `Connected to ${laptops(f.links)}: ${direct} directly on ${on}, ${f.relayed} through ${via}.`,
      evidence: [
        f.relayed > 0
          ? 'Where a laptop cannot be reached directly (a Wi-Fi that keeps devices apart, or one elsewhere), the relay carries the link, encrypted end to end.'
          : f.mdns
            ? `${f.batonsHeard} Baton ${f.batonsHeard === 1 ? 'copy' : 'copies'} heard over mDNS.`
            : 'Connected by address (mDNS is off).',
        relayDown ? 'The relay cannot be reached now: laptops only it connected are cut off.' : '',
      ]
        .filter(Boolean)
        .join(' '),
      next: [],
    };
  }
  if (relayDown && f.inSession && f.links === 0)
    return {
      code: 'relay-unreachable',
      level: 'bad',
      title: `The relay${f.relay?.url ? ` ${f.relay.url}` : ''} cannot be reached, and no other laptop is reachable directly.`,
      evidence: `The relay is ${f.relay!.state}; Baton keeps trying, and the session runs on this laptop meanwhile — nothing it acknowledged is lost.`,
      next: [
        'Check this laptop is online (the relay is usually outside the room).',
        'Or join the room’s Wi-Fi, where the laptops may reach each other directly.',
      ],
    };
  if (!f.iface)
    return {
      code: 'no-interface',
      level: 'bad',
      title: 'This laptop is not on a network Baton can use.',
      evidence: f.ifaceReason,
      next: ["Join the room's Wi-Fi (or plug in a cable), then look again."],
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
  const last = `Last mDNS packet ${ago(f.now, f.mdns.lastHeardAt)}.`;
  if (f.inSession && f.batonsInMySession > 0) {
    const n = f.batonsInMySession;
    const them = `${n} other ${n === 1 ? 'laptop' : 'laptops'} of this session`;
    if (lonely < CONNECT_WITHIN_MS)
      return {
        code: 'searching',
        level: 'info',
        title: `${them} heard on ${on}; connecting…`,
        evidence: last,
        next: [],
      };
    return {
      code: 'cannot-connect',
      level: 'bad',
      title: `${them} ${n === 1 ? 'is' : 'are'} announced on ${on}, but no link has come up in ${Math.round(lonely / 1000)} s.`,
      evidence: `${last} mDNS works here; the connections themselves fail — often a firewall, or a network that lets devices announce but not connect.`,
      next: ['Allow Baton through the firewall on every laptop.', ...AROUND],
    };
  }
  if (f.inSession && f.batonsHeard > 0)
    return {
      code: 'alone-in-session',
      level: 'info',
      title: `No other laptop is in this session yet; ${copies(f.batonsHeard)} on ${on} ${f.batonsHeard === 1 ? 'is' : 'are'} not in it.`,
      evidence: `${last} ${f.otherSessions > 0 ? `${f.otherSessions} other ${f.otherSessions === 1 ? 'session' : 'sessions'} on this network.` : 'None of them is in a session.'}`,
      next: ['Ask the others to join this session (the QR code, or the start screen).'],
    };
  if (!f.inSession && f.otherSessions > 0)
    return {
      code: 'sessions-here',
      level: 'ok',
      title: `${f.otherSessions} ${f.otherSessions === 1 ? 'session' : 'sessions'} on ${on}: join from the start screen.`,
      evidence: `${copies(f.batonsHeard)} heard. ${last}`,
      next: [],
    };
  if (!f.inSession && f.batonsHeard > 0)
    return {
      code: 'no-session',
      level: 'info',
      title: `${copies(f.batonsHeard)} on ${on}, but nobody has started a session yet.`,
      evidence: `${last} They are waiting at the start screen, like this one.`,
      next: ['A TA starts the session; everyone else then sees it on the start screen.'],
    };
  if (f.now - f.since < VERDICT_AFTER_MS && lonely < CONNECT_WITHIN_MS)
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
