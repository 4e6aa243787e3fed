import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { MAX_FRAME_BYTES } from '../../core/protocol/version';
import { PROTOCOL_VERSION } from '../../core/protocol/version';
import { DeviceKey } from '../../core/transport/device-key';
import { Classroom, sleep } from './classroom';
import { linkFrame, proofFrame, rawAnswer, rawLink as raw } from './raw-link';

/** An outside mDNS browser (python3-zeroconf, from Debian) run inside laptop `ns`. */
function browse(
  ns: string,
  seconds: number,
): Promise<{ name: string; txt: Record<string, string>; port: number }[]> {
  const script = `
import json, time
from zeroconf import Zeroconf, ServiceBrowser
zc = Zeroconf()
found = {}
class L:
    def add_service(self, z, t, n):
        i = z.get_service_info(t, n, 3000)
        if i: found[n] = {"name": n, "port": i.port, "txt": {k.decode(): (v or b"").decode() for k, v in i.properties.items()}}
    def update_service(self, z, t, n): self.add_service(z, t, n)
    def remove_service(self, z, t, n): pass
ServiceBrowser(zc, "_baton._tcp.local.", L())
time.sleep(${seconds})
zc.close()
print(json.dumps(list(found.values())))
`;
  return new Promise((resolve, reject) => {
    execFile(
      'ip',
      ['netns', 'exec', ns, '/usr/bin/python3', '-c', script],
      { timeout: (seconds + 10) * 1000 },
      (e, out, err) => {
        if (e) reject(new Error(`zeroconf browser failed: ${e.message}\n${err}`));
        else
          resolve(JSON.parse(out) as { name: string; txt: Record<string, string>; port: number }[]);
      },
    );
  });
}

describe('LAN: the wire', () => {
  it('an outside mDNS browser sees every copy with its TXT keys', async () => {
    const c = new Classroom(3);
    try {
      await c.setUp();
      await sleep(500);
      const seen = await browse(c.peer(1).ns, 3);
      const ours = seen.filter((s) => s.txt.sid === c.sessionId);
      assert.equal(ours.length, 3, JSON.stringify(seen));
      for (const s of ours) {
        assert.deepEqual(Object.keys(s.txt).sort(), ['did', 'mid', 'n', 'sid', 'sn', 'v']);
        assert.equal(s.txt.v, String(PROTOCOL_VERSION));
        assert.equal(s.txt.sn, 'CPSC 416 office hours');
        assert.ok(c.memberIds.includes(s.txt.mid!));
        const p = c.room.peers.find((x) => x.deviceId === s.txt.did)!;
        assert.equal(s.port, p.port);
      }
    } finally {
      await c.close();
    }
  });

  it('garbage, oversized frames and a wrong protocol version leave the peer running and the session intact', async () => {
    const c = new Classroom(3);
    try {
      await c.setUp();
      const before = await c.studentJoins(2);
      const host = c.peer(0);
      // 1. A wrong protocol version gets a clear refusal and the link is closed.
      const v = await raw(host.address, host.port, (ws) =>
        ws.send(JSON.stringify({ type: 'link', v: 99, deviceId: 'intruder', port: 0 })),
      );
      assert.ok(
        v.frames.some(
          (f) => /"code":"version"/.test(f) && f.includes(`protocol ${PROTOCOL_VERSION}`),
        ),
        JSON.stringify(v.frames),
      );
      assert.equal(v.closed, 1002);
      // 2. Garbage instead of a handshake.
      const g = await raw(host.address, host.port, (ws) => ws.send('\u0000\u0001 not json {{{'));
      assert.equal(g.closed, 1002);
      // 3. Garbage after a valid handshake: dropped, link and peer stay up.
      const outsider = await raw(
        host.address,
        host.port,
        (ws) => {
          ws.send('{"type":"cmd","from":"x"}');
          ws.send('][');
          ws.send(Buffer.from([1, 2, 3]));
          ws.send(
            JSON.stringify({
              type: 'hb',
              from: 'x',
              epoch: 999999999,
              role: 'host',
              hostId: 'x',
              seq: 1,
              echo: -1,
              hostAgoMs: 0,
              eligible: true,
              heads: [],
            }),
          );
          setTimeout(() => ws.close(), 300);
        },
        { key: DeviceKey.generate() },
      );
      assert.equal(outsider.closed, 1005, 'closed by us, not refused: the link was let in');
      // 4. An oversized frame: the link is cut before it is buffered.
      const big = await raw(
        host.address,
        host.port,
        (ws) => ws.send('x'.repeat(MAX_FRAME_BYTES + 10)),
        { key: DeviceKey.generate(), maxPayload: 2 * MAX_FRAME_BYTES },
      );
      assert.equal(big.closed, 1009);
      assert.ok(host.running, 'the host is still running');
      const h = await c.agreedHost();
      assert.equal(
        h.hostIndex,
        0,
        'still the host: a forged heartbeat from a non-member changes nothing',
      );
      await c.studentJoins(1);
      const q = await c.peer(1).call<{ entries: { entryId: string }[] }>('queue.get');
      assert.ok(q.entries.some((e) => e.entryId === before));
      await c.assertHealthy();
    } finally {
      await c.close();
    }
  });

  it("an impostor with another laptop's device and member ids, staff commands without login and a replayed frame are refused", async () => {
    const c = new Classroom(3);
    try {
      await c.setUp();
      const entry = await c.studentJoins(2);
      const host = c.peer(0);
      const victim = c.memberIds[2]!;
      // 1. Laptop 2's device id is in its mDNS record and its public key in any link
      // handshake it sends: an impostor can copy both, but cannot sign the host's nonce.
      const laptop2 = c.peer(2);
      const hs = await raw(laptop2.address, laptop2.port, (ws) => ws.close(), { timeoutMs: 1_000 });
      const theirLink = JSON.parse(hs.frames[0] ?? '{}') as { deviceId: string; key: string };
      assert.equal(theirLink.deviceId, laptop2.deviceId);
      const mine = DeviceKey.generate();
      const cmd = JSON.stringify({
        type: 'cmd',
        from: victim,
        id: '01a20000-0000-7000-8000-000000000001',
        body: { op: 'withdraw', entryId: entry },
      });
      const copied = await rawAnswer(host.address, host.port, (theirs) => [
        linkFrame({ deviceId: theirLink.deviceId, publicKey: theirLink.key }),
        proofFrame(mine, theirs),
        cmd,
      ]);
      assert.equal(copied.closed, 1008, JSON.stringify(copied.frames));
      assert.ok(
        copied.frames.some((f) => f.includes('"code":"identity"')),
        copied.frames.join('\n'),
      );
      assert.ok(!copied.frames.some((f) => f.includes('"type":"ack"')), 'the command never got in');
      // 2. A copy with its own key, sending commands in laptop 2's member name (and a replay).
      const imp = await raw(
        host.address,
        host.port,
        (ws) => {
          ws.send(cmd);
          ws.send(cmd); // replayed
          setTimeout(() => ws.close(), 500);
        },
        { key: mine },
      );
      const acks = imp.frames.filter((f) => f.includes('"type":"ack"'));
      assert.equal(acks.length, 2, JSON.stringify(imp.frames));
      assert.ok(
        acks.every((f) => f.includes('"code":"forbidden"')),
        acks.join('\n'),
      );
      // A student's copy sending a staff command without logging in.
      const r = await c.peer(1).request('staff.remove', { entryId: entry });
      assert.equal(r.error?.code, 'not-staff');
      // The entry is untouched and the room works on.
      const q = await c
        .peer(2)
        .call<{ entries: { entryId: string; status: string }[] }>('queue.get');
      assert.equal(q.entries.find((e) => e.entryId === entry)?.status, 'waiting');
      await c.studentJoins(1);
      await c.assertHealthy();
    } finally {
      await c.close();
    }
  });

  it('connect by address works when multicast is off', async () => {
    const c = new Classroom(2, (i) => (i === 1 ? ['--no-mdns'] : []));
    try {
      await c.room.startAll();
      const { sessionId } = await c.peer(0).call<{ sessionId: string }>('session.create', {
        name: 'No multicast',
        staffPasscode: 'letmein-please',
      });
      const listed = await c.peer(1).call<unknown[]>('sessions.list');
      assert.deepEqual(listed, []);
      const r = await c.peer(1).call<{ sessionId: string }>('session.connect', {
        address: `${c.peer(0).address}:${c.peer(0).port}`,
      });
      assert.equal(r.sessionId, sessionId);
      const st = await c.peer(1).call<{ members: unknown[]; connected: boolean }>('status');
      assert.equal(st.members.length, 2);
      const bad = await c.peer(1).request('session.connect', { address: 'nowhere' });
      assert.equal(bad.error?.code, 'in-session');
    } finally {
      await c.close();
    }
  });
});
