import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  chooseInterface,
  defaultRouteFromProc,
  listInterfaces,
  scanTargets,
} from '../../core/network/interfaces';
import {
  CONNECT_WITHIN_MS,
  type NetFacts,
  VERDICT_AFTER_MS,
  countBatons,
  networkVerdict,
} from '../../core/network/verdict';
import { parseAddress } from '../../core/network/address';

const v4 = (address: string, internal = false, netmask = '255.255.255.0') => ({
  address,
  netmask,
  family: 'IPv4',
  internal,
});
const raw = {
  lo: [v4('127.0.0.1', true, '255.0.0.0')],
  docker0: [v4('172.17.0.1', false, '255.255.0.0')],
  wlan0: [v4('10.0.0.5')],
  tun0: [v4('10.8.0.2')],
  eth0: [{ address: 'fe80::1', netmask: 'ffff::', family: 'IPv6', internal: false }],
};
const list = listInterfaces(raw);

describe('network: interfaces', () => {
  it('lists IPv4 interfaces and marks the virtual ones', () => {
    assert.deepEqual(
      list.map((i) => [i.name, i.kind, i.virtual]),
      [
        ['lo', 'loopback', false],
        ['docker0', 'virtual', true],
        ['wlan0', 'wifi', false],
        ['tun0', 'virtual', true],
      ],
    );
  });

  it('reads the default route from /proc/net/route, lowest metric first', () => {
    const table = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask',
      'tun0\t00000000\t0100080A\t0003\t0\t0\t50\t00000000',
      'wlan0\t00000000\t0100000A\t0003\t0\t0\t600\t00000000',
      'wlan0\t0000000A\t00000000\t0001\t0\t0\t600\t00FFFFFF',
    ].join('\n');
    assert.equal(defaultRouteFromProc(table), 'tun0');
    assert.equal(defaultRouteFromProc('Iface\tDestination\n'), null);
  });

  it('auto picks the default route, skips a virtual one (VPN, Docker) and says why', () => {
    const plain = chooseInterface(list, { defaultRoute: 'wlan0' });
    assert.equal(plain.iface?.name, 'wlan0');
    assert.match(plain.reason, /default route/);
    const vpn = chooseInterface(list, { defaultRoute: 'tun0' });
    assert.equal(vpn.iface?.name, 'wlan0');
    assert.match(vpn.reason, /tun0, a virtual interface/);
    const none = chooseInterface(list, { defaultRoute: null });
    assert.equal(none.iface?.name, 'wlan0', 'docker0 is listed first but is virtual');
    assert.equal(chooseInterface(list, { chosen: 'docker0' }).iface?.name, 'docker0');
    assert.equal(chooseInterface(list, { chosen: 'docker0' }).mode, 'chosen');
    const gone = chooseInterface(list, { chosen: 'wlan9', defaultRoute: 'wlan0' });
    assert.match(gone.reason, /wlan9 is gone/);
    assert.equal(chooseInterface(list, { fixed: '10.0.0.5' }).mode, 'fixed');
    const empty = chooseInterface(listInterfaces({ lo: raw.lo }));
    assert.equal(empty.iface, null);
  });

  it('a scan never leaves the interface /24 (narrower when the netmask says so)', () => {
    const wlan = list.find((i) => i.name === 'wlan0')!;
    const t = scanTargets(wlan);
    assert.equal(t.length, 253, '10.0.0.1–254 but this laptop');
    assert.ok(t.every((a) => a.startsWith('10.0.0.')));
    assert.ok(!t.includes('10.0.0.5') && !t.includes('10.0.0.0') && !t.includes('10.0.0.255'));
    const docker = scanTargets(list.find((i) => i.name === 'docker0')!);
    assert.ok(
      docker.every((a) => a.startsWith('172.17.0.')),
      'a /16 is scanned as its /24',
    );
    const small = scanTargets({ ...wlan, address: '10.0.0.130', netmask: '255.255.255.192' });
    assert.equal(small[0], '10.0.0.129');
    assert.equal(small.at(-1), '10.0.0.190');
  });
});

describe('network: the verdict', () => {
  const wlan = list.find((i) => i.name === 'wlan0')!;
  const base: NetFacts = {
    now: 100_000,
    since: 100_000 - VERDICT_AFTER_MS,
    iface: wlan,
    ifaceReason: 'the interface of the default route',
    mdns: {
      queriesSent: 5,
      answersSent: 2,
      packetsHeard: 0,
      ownPacketsHeard: 7,
      hostsHeard: 0,
      lastHeardAt: null,
      sendErrors: 0,
      lastError: null,
    },
    batonsHeard: 0,
    batonsInMySession: 0,
    otherSessions: 0,
    inSession: true,
    links: 0,
    relayed: 0,
    relay: null,
    noLinksSince: 100_000 - VERDICT_AFTER_MS,
    unreachable: [],
  };
  const code = (f: Partial<NetFacts>) => networkVerdict({ ...base, ...f }).code;

  it('names each cause with its evidence and the next step', () => {
    const self = networkVerdict(base);
    assert.equal(self.code, 'only-self');
    assert.equal(
      self.title,
      'No other Baton heard on Wi-Fi (wlan0) in 15 s, though this laptop sent 7 announcements.',
    );
    assert.match(self.evidence, /multicast is blocked between this laptop and the others/);
    assert.match(self.next.join(' '), /Connect by address/);
    assert.equal(code({ now: base.since + 5_000 }), 'searching', 'patience first');
    assert.equal(
      code({
        mdns: { ...base.mdns!, ownPacketsHeard: 0, sendErrors: 7, lastError: 'send ENETUNREACH' },
      }),
      'multicast-blocked',
    );
    assert.equal(code({ mdns: { ...base.mdns!, ownPacketsHeard: 0 } }), 'multicast-blocked');
    assert.equal(
      code({ mdns: { ...base.mdns!, packetsHeard: 12, hostsHeard: 3, lastHeardAt: 99_000 } }),
      'no-baton',
    );
    assert.equal(code({ iface: null, ifaceReason: 'no network interface' }), 'no-interface');
    assert.equal(code({ iface: list.find((i) => i.name === 'docker0')! }), 'virtual-interface');
    const port = networkVerdict({
      ...base,
      batonsHeard: 1,
      unreachable: [
        { name: "Ana's laptop", address: '10.0.0.7:47001', error: 'connection refused' },
      ],
    });
    assert.equal(port.code, 'port-unreachable');
    assert.match(
      port.title,
      /Ana's laptop is announced on this network, but its Baton port does not answer/,
    );
    assert.match(port.next[0]!, /firewall .*47001/);
    assert.equal(code({ links: 2, batonsHeard: 2 }), 'ok');
    assert.equal(code({ mdns: null }), 'mdns-off');
  });

  it('never says "connecting" to copies that are not in this session, nor while nobody has a session', () => {
    // This copy is in a session and hears an idle copy: nobody is connecting.
    const alone = networkVerdict({ ...base, batonsHeard: 1 });
    assert.equal(alone.code, 'alone-in-session');
    assert.doesNotMatch(alone.title, /connecting/);
    // Idle copies at the start screen, no session anywhere: say exactly that.
    const idle = networkVerdict({ ...base, inSession: false, batonsHeard: 3 });
    assert.equal(idle.code, 'no-session');
    assert.match(idle.title, /3 other Baton copies .* nobody has started a session yet/);
    // Not in a session, a session heard: the start screen lists it, the verdict agrees.
    assert.equal(code({ inSession: false, batonsHeard: 1, otherSessions: 1 }), 'sessions-here');
    // Copies of this session heard: connecting for 20 s, then a finding.
    const mine = { batonsHeard: 2, batonsInMySession: 2 };
    assert.equal(code({ ...mine, noLinksSince: base.now - 5_000 }), 'searching');
    assert.equal(code({ ...mine, noLinksSince: base.now - CONNECT_WITHIN_MS }), 'cannot-connect');
  });

  it('a loopback-only machine linked to other copies is connected, not "not on a network"', () => {
    const v = networkVerdict({
      ...base,
      iface: null,
      ifaceReason: 'no network interface but loopback',
      links: 2,
      noLinksSince: null,
    });
    assert.equal(v.code, 'ok');
    assert.doesNotMatch(v.title, /not on a network/);
  });

  it('through the relay: never "on Wi-Fi" for a link the relay carries; a relay down with no link says so', () => {
    const relay = { url: 'nats://relay.cs.example.edu:4222', state: 'connected' };
    const all = networkVerdict({ ...base, links: 2, relayed: 2, relay, noLinksSince: null });
    assert.equal(all.code, 'ok');
    assert.equal(
      all.title,
      'Connected to 2 other laptops through the relay (nats://relay.cs.example.edu:4222).',
    );
    assert.doesNotMatch(all.title + all.evidence, /Wi-Fi \(wlan0\)|mDNS is off/);
    const mixed = networkVerdict({ ...base, links: 3, relayed: 1, relay, noLinksSince: null });
    assert.match(
      mixed.title,
      /3 other laptops: 2 directly on Wi-Fi \(wlan0\), 1 through the relay/,
    );
    const down = { ...relay, state: 'reconnecting' };
    const lost = networkVerdict({ ...base, links: 0, relayed: 0, relay: down });
    assert.equal(lost.code, 'relay-unreachable');
    assert.match(lost.title, /relay nats:\/\/relay\.cs\.example\.edu:4222 cannot be reached/);
    const partly = networkVerdict({
      ...base,
      links: 1,
      relayed: 0,
      relay: down,
      noLinksSince: null,
    });
    assert.match(partly.evidence, /relay cannot be reached now/);
  });

  it('property: whatever the counters, this copy is never counted, and no link for 20 s is never "ok" or "searching"', () => {
    const counters = fc.record({
      queriesSent: fc.nat(1000),
      answersSent: fc.nat(1000),
      packetsHeard: fc.nat(1000),
      ownPacketsHeard: fc.nat(1000),
      hostsHeard: fc.nat(50),
      lastHeardAt: fc.option(fc.nat(100_000)),
      sendErrors: fc.nat(10),
      lastError: fc.option(fc.string()),
    });
    const self = 'a'.repeat(32);
    const seen = fc.array(
      fc.record({
        device: fc.constantFrom(self, 'b'.repeat(32), 'c'.repeat(32), 'd'.repeat(32)),
        sid: fc.constantFrom('', 'mine', 'theirs'),
      }),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(
        seen,
        fc.boolean(),
        counters,
        fc.nat(60_000),
        fc.nat(60_000),
        (heard, inSession, mdns, sinceAgo, lonelyFor) => {
          const counted = countBatons(heard, { device: self, session: inSession ? 'mine' : null });
          assert.equal(counted.batonsHeard, heard.filter((h) => h.device !== self).length);
          const v = networkVerdict({
            ...base,
            ...counted,
            inSession,
            mdns,
            since: base.now - sinceAgo,
            links: 0,
            noLinksSince: base.now - lonelyFor,
          });
          if (lonelyFor >= CONNECT_WITHIN_MS)
            assert.ok(!['ok', 'searching'].includes(v.code), v.code);
        },
      ),
      { numRuns: 5_000 },
    );
  });
});

describe('network: connect by address', () => {
  it('accepts host:port, a bare address and a pasted link; refuses junk clearly', () => {
    assert.deepEqual(parseAddress('10.0.0.5:47001'), { host: '10.0.0.5', port: 47001 });
    assert.deepEqual(parseAddress(' 10.0.0.5 '), { host: '10.0.0.5', port: 47001 });
    assert.deepEqual(parseAddress('http://10.0.0.5:47002/?join=1'), {
      host: '10.0.0.5',
      port: 47002,
    });
    assert.deepEqual(parseAddress('[fe80::1]:47003'), { host: 'fe80::1', port: 47003 });
    assert.deepEqual(parseAddress('anas-laptop.local:47001'), {
      host: 'anas-laptop.local',
      port: 47001,
    });
    for (const bad of [
      '',
      'http://',
      '10.0.0.300:47001',
      '10.0.0.5:0',
      '10.0.0.5:99999',
      'a b',
      '$(rm -rf)',
      'x'.repeat(300),
    ])
      assert.throws(() => parseAddress(bad), /address|port/, bad);
  });
});
