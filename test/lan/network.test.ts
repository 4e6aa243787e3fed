import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { PROTOCOL_VERSION } from '../../core/protocol/version';
import { LanRoom, ip, scenario } from './harness';

/**
 * When the network is the problem, on real processes in the run's own namespaces: a laptop
 * whose multicast is blocked is told so within 20 s and still joins by address and by a
 * saved address; a laptop with a virtual interface on the default route picks the real
 * one and says why; an announced copy whose port does not answer is named.
 */

interface Diag {
  verdict: { code: string; title: string; evidence: string; next: string[] };
  inUse: { name: string; address: string } | null;
  reason: string;
  interfaces: { name: string; virtual: boolean; inUse: boolean }[];
  links: { rttMs: number | null }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll diag.network until `pred`; returns the diag and how long it took from `since`. */
async function verdictOf(
  room: LanRoom,
  i: number,
  pred: (d: Diag) => boolean,
  since: number,
  timeoutMs = 30_000,
): Promise<{ diag: Diag; afterMs: number }> {
  let last: Diag | null = null;
  while (Date.now() - since < timeoutMs) {
    last = await room.peer(i).call<Diag>('diag.network');
    if (pred(last)) return { diag: last, afterMs: Date.now() - since };
    await sleep(500);
  }
  throw new Error(
    `laptop ${i}: verdict never matched; last: ${JSON.stringify(last?.verdict)} ${JSON.stringify((last as unknown as { mdns: unknown })?.mdns)}`,
  );
}

describe('LAN: when the network is the problem', () => {
  it('multicast blocked on one laptop: the verdict says so within 20 s; it joins by address and by a saved address', async () => {
    const room = new LanRoom(2);
    try {
      // Laptop 1: multicast off on its interface and no route to 224/4.
      const ns = room.peer(1).ns;
      const dev = `r${room.id}e1`;
      ip('netns', 'exec', ns, 'ip', 'route', 'del', '224.0.0.0/4', 'dev', dev);
      ip('netns', 'exec', ns, 'ip', 'link', 'set', 'dev', dev, 'multicast', 'off');
      // And the room's switch floods it no multicast (as client-isolating Wi-Fi does).
      ip('link', 'set', 'dev', `r${room.id}v1`, 'type', 'bridge_slave', 'mcast_flood', 'off');
      await room.peer(0).start();
      const { sessionId } = await room.peer(0).call<{ sessionId: string }>('session.create', {
        name: 'Lab 5',
        staffPasscode: 'letmein-please',
      });
      const started = Date.now();
      await room.peer(1).start();
      const { diag, afterMs } = await verdictOf(
        room,
        1,
        (d) => d.verdict.code === 'only-self' || d.verdict.code === 'multicast-blocked',
        started,
      );
      console.log(
        `  verdict after ${afterMs} ms: ${diag.verdict.title} — ${diag.verdict.evidence}`,
      );
      assert.ok(afterMs <= 20_000, `named within 20 s of starting (${afterMs} ms)`);
      assert.match(`${diag.verdict.title} ${diag.verdict.evidence}`, /multicast is blocked/i);
      assert.match(diag.verdict.next.join(' '), /Connect by address/);
      assert.deepEqual(await room.peer(1).call('sessions.list'), [], 'nothing found over mDNS');

      // The way around: connect by address (a pasted link works too).
      const address = `${room.peer(0).address}:${room.peer(0).port}`;
      const bad = await room
        .peer(1)
        .request('session.connect', { address: 'http://10.77.0.300:1/' });
      assert.match(bad.error?.message ?? '', /not an address/);
      await room.peer(1).call('session.connect', { address: `http://${address}/` });
      await room.peer(1).call('queue.join', { name: 'Ann', topic: '', location: '' });
      await room.peer(1).call('session.leave');
      // And back by the address saved for that session, without mDNS.
      const recent = await room
        .peer(1)
        .call<{ sessionId: string; addresses: string[] }[]>('sessions.recent');
      assert.equal(recent[0]?.sessionId, sessionId);
      assert.ok(recent[0]!.addresses.includes(address), JSON.stringify(recent));
      const back = await room.peer(1).call<{ via: string }>('session.rejoin', { sessionId });
      assert.equal(back.via, address);
      const q = await room.peer(1).call<{ myEntryId: string | null }>('queue.get');
      assert.ok(q.myEntryId, 'its place in line is still there');
      // A saved address that no longer answers is tried briefly, then reported.
      await room.peer(1).call('session.leave');
      room.peer(0).kill('SIGKILL');
      await room.peer(0).exited();
      const t0 = Date.now();
      const gone = await room.peer(1).request('session.rejoin', { sessionId }, 40_000);
      assert.equal(gone.error?.code, 'unreachable');
      assert.match(gone.error?.message ?? '', new RegExp(address.replace(/\./g, '\\.')));
      assert.ok(Date.now() - t0 < 30_000, 'not retried forever');
    } catch (e) {
      console.error(room.logs());
      throw e;
    } finally {
      await room.close();
    }
  });

  it('multicast off and no 224/4 route on one laptop (the switch still floods): no verdict says "connecting" to a copy outside its session; each names what it hears within 20 s', async () => {
    const room = new LanRoom(2);
    await scenario(room, async () => {
      const ns = room.peer(1).ns;
      const dev = `r${room.id}e1`;
      ip('netns', 'exec', ns, 'ip', 'route', 'del', '224.0.0.0/4', 'dev', dev);
      ip('netns', 'exec', ns, 'ip', 'link', 'set', 'dev', dev, 'multicast', 'off');
      await room.peer(0).start();
      await room.peer(0).call('session.create', { name: 'Lab 5', staffPasscode: 'letmein-please' });
      const started = Date.now();
      await room.peer(1).start();
      // Laptop 1 is at the start screen: the session it lists is what its verdict names.
      const idle = await verdictOf(
        room,
        1,
        (d) => d.verdict.code === 'sessions-here',
        started,
        20_000,
      );
      const listed = await room.peer(1).call<unknown[]>('sessions.list');
      assert.equal(listed.length, 1, 'the start screen lists the session the verdict names');
      // Laptop 0 hosts alone: nobody is connecting to it, and it says so.
      const host = await verdictOf(
        room,
        0,
        (d) => d.verdict.code === 'alone-in-session',
        started,
        20_000,
      );
      for (const d of [idle.diag, host.diag]) {
        assert.doesNotMatch(d.verdict.title, /connecting/);
        const own = (d as unknown as { mdns: { ownPacketsHeard: number; packetsHeard: number } })
          .mdns;
        assert.ok(own.ownPacketsHeard > 0, 'its own packets are recognised as its own');
      }
      console.log(`  idle laptop: ${idle.diag.verdict.title} (after ${idle.afterMs} ms)`);
      console.log(`  host: ${host.diag.verdict.title} (after ${host.afterMs} ms)`);
    });
  });

  it('three idle copies and no session: each says copies are here and nobody has started a session (not "connecting…")', async () => {
    const room = new LanRoom(3);
    await scenario(room, async () => {
      const started = Date.now();
      for (const p of room.peers) await p.start();
      for (let i = 0; i < 3; i++) {
        const { diag, afterMs } = await verdictOf(
          room,
          i,
          (d) => d.verdict.code === 'no-session' && d.verdict.title.startsWith('2 other'),
          started,
          20_000,
        );
        assert.match(diag.verdict.title, /2 other Baton copies .*nobody has started a session yet/);
        assert.deepEqual(await room.peer(i).call('sessions.list'), [], 'the start screen agrees');
        if (i === 0) console.log(`  ${diag.verdict.title} (after ${afterMs} ms)`);
      }
    });
  });

  it('a virtual interface holding the default route: the auto choice takes the real one and says why', async () => {
    const room = new LanRoom(1, () => [], {
      // docker0 first, with the default route, as a VPN or Docker leaves a laptop.
      prepare: (_i, ns) => {
        ip(
          'netns',
          'exec',
          ns,
          'ip',
          'link',
          'add',
          'docker0',
          'type',
          'veth',
          'peer',
          'name',
          'docker0p',
        );
        ip('netns', 'exec', ns, 'ip', 'addr', 'add', '172.17.0.1/16', 'dev', 'docker0');
        ip('netns', 'exec', ns, 'ip', 'link', 'set', 'docker0', 'up');
        ip('netns', 'exec', ns, 'ip', 'link', 'set', 'docker0p', 'up');
        ip('netns', 'exec', ns, 'ip', 'route', 'add', 'default', 'dev', 'docker0');
      },
      autoInterface: () => true,
    });
    try {
      await room.peer(0).start();
      const d = await room.peer(0).call<Diag>('diag.network');
      const real = `r${room.id}e0`;
      assert.equal(d.inUse?.name, real, JSON.stringify(d.interfaces));
      assert.match(d.reason, /the default route is on docker0, a virtual interface/);
      assert.deepEqual(
        d.interfaces.filter((i) => i.virtual).map((i) => i.name),
        ['docker0'],
      );
      // Choosing docker0 by hand re-announces there, and the verdict names the mistake.
      const chosen = await room.peer(0).call<Diag>('net.setInterface', { interface: 'docker0' });
      assert.equal(chosen.inUse?.name, 'docker0');
      assert.equal(chosen.verdict.code, 'virtual-interface');
      const unknown = await room.peer(0).request('net.setInterface', { interface: 'wlan9' });
      assert.equal(unknown.error?.code, 'bad-interface');
      const auto = await room.peer(0).call<Diag>('net.setInterface', { interface: null });
      assert.equal(auto.inUse?.name, real);
    } catch (e) {
      console.error(room.logs());
      throw e;
    } finally {
      await room.close();
    }
  });

  it('a copy announced on the network whose port does not answer is named in the verdict', async () => {
    const room = new LanRoom(2);
    let ghost: ChildProcess | null = null;
    try {
      await room.peer(0).start();
      // An announcement of a Baton on laptop 1's address, on a port where nothing listens.
      const host = room.peer(1).address;
      const script = `
import socket, time
from zeroconf import Zeroconf, ServiceInfo
zc = Zeroconf(interfaces=["${host}"])
info = ServiceInfo("_baton._tcp.local.", "Baton Ghost ghost0000._baton._tcp.local.",
  addresses=[socket.inet_aton("${host}")], port=47009, server="ghost.local.",
  properties={"v": "${PROTOCOL_VERSION}", "did": "ghost000000000000", "n": "Ghost's laptop",
              "sid": "", "sn": "", "mid": ""})
zc.register_service(info)
time.sleep(60)
`;
      ghost = spawn('ip', ['netns', 'exec', room.peer(1).ns, '/usr/bin/python3', '-c', script], {
        stdio: 'ignore',
      });
      const { diag, afterMs } = await verdictOf(
        room,
        0,
        (d) => d.verdict.code === 'port-unreachable',
        Date.now(),
      );
      console.log(
        `  verdict after ${afterMs} ms: ${diag.verdict.title} — ${diag.verdict.evidence}`,
      );
      assert.match(
        diag.verdict.title,
        /^Ghost's laptop is announced on this network, but its Baton port does not answer/,
      );
      assert.match(
        diag.verdict.evidence,
        new RegExp(`${host.replace(/\./g, '\\.')}:47009: connection refused`),
      );
    } catch (e) {
      console.error(room.logs());
      throw e;
    } finally {
      ghost?.kill('SIGKILL');
      await room.close();
    }
  });
});
