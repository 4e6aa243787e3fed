import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseTxt, makeTxt } from '../../core/discovery/txt';
import { type DeviceId, asDeviceId } from '../../core/ids';
import { SeededRandom } from '../../core/random';
import type { Transport } from '../../core/transport/transport';
import { PROTOCOL_VERSION } from '../../core/protocol/version';
import { DeviceKey, checkProof, deviceIdOfKey } from '../../core/transport/device-key';
import { WsTransport } from '../../core/transport/ws-transport';
import { RelayStream } from '../../core/relay/stream';
import { memoryWire } from './memory-wire';
import type { RelayPort } from '../../core/transport/paths';
import { probeListener, probeReach } from '../../core/transport/gone-probe';
import { type TheirLink, linkFrame, proofFrame, rawAnswer, rawLink } from '../lan/raw-link';
import { ManualClock } from '../sim/manual-clock';
import { SimNetwork } from '../sim/sim-network';

interface Pair {
  a: Transport;
  b: Transport;
  aId: DeviceId;
  bId: DeviceId;
  /** Let frames travel. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** The same guarantees, whichever transport: every adapter runs this suite. */
function runTransportContract(name: string, make: () => Promise<Pair>): void {
  describe(`transport contract: ${name}`, () => {
    it('delivers frames to the addressed device, in order, with the sender named', async () => {
      const p = await make();
      try {
        const got: [DeviceId, string][] = [];
        p.b.onFrame((from, frame) => got.push([from, frame]));
        for (let i = 0; i < 50; i++) p.a.send(p.bId, `{"n":${i}}`);
        await p.flush();
        assert.equal(got.length, 50);
        assert.ok(got.every(([from]) => from === p.aId));
        assert.deepEqual(
          got.map(([, f]) => (JSON.parse(f) as { n: number }).n),
          [...Array(50).keys()],
        );
      } finally {
        await p.close();
      }
    });

    it('works both ways and drops frames to unknown devices without throwing', async () => {
      const p = await make();
      try {
        const atA: string[] = [];
        p.a.onFrame((_f, frame) => atA.push(frame));
        p.b.onFrame(() => {});
        p.a.send(asDeviceId('nobody'), '{"lost":true}');
        p.a.send(p.bId, '{"hello":1}');
        await p.flush();
        p.b.send(p.aId, '{"back":1}');
        await p.flush();
        assert.deepEqual(atA, ['{"back":1}']);
      } finally {
        await p.close();
      }
    });
  });
}

runTransportContract('in-memory (simulation)', async () => {
  const clock = new ManualClock();
  const net = new SimNetwork(clock, new SeededRandom(1), {
    latencyMs: [1, 1],
    drop: 0,
    duplicate: 0,
  });
  const aId = asDeviceId('a');
  const bId = asDeviceId('b');
  return {
    a: net.endpoint(aId),
    b: net.endpoint(bId),
    aId,
    bId,
    flush: async () => clock.advance(10),
    close: async () => {},
  };
});

runTransportContract('WebSocket (loopback)', async () => {
  const ka = DeviceKey.generate();
  const kb = DeviceKey.generate();
  const aId = ka.deviceId;
  const bId = kb.deviceId;
  const a = new WsTransport({ key: ka, host: '127.0.0.1' });
  const b = new WsTransport({ key: kb, host: '127.0.0.1' });
  await a.start();
  const portB = await b.start();
  a.setAddress(bId, { host: '127.0.0.1', port: portB });
  return {
    a,
    b,
    aId,
    bId,
    flush: () => new Promise((r) => setTimeout(r, 150)),
    close: async () => {
      await a.close();
      await b.close();
    },
  };
});

/** Two WebSocket transports on loopback, `a` knowing where `b` listens. */
async function loopbackPair(opts: { idleCloseMs?: number } = {}) {
  const ka = DeviceKey.generate();
  const kb = DeviceKey.generate();
  const a = new WsTransport({ key: ka, host: '127.0.0.1', ...opts });
  const b = new WsTransport({ key: kb, host: '127.0.0.1', ...opts });
  await a.start();
  a.setAddress(kb.deviceId, { host: '127.0.0.1', port: await b.start() });
  return { a, b, bId: kb.deviceId };
}

describe('WebSocket transport: a device whose process died', () => {
  it('is reported gone when its link closes and nothing listens at its address; a link that merely drops is not', async () => {
    const { a, b, bId } = await loopbackPair();
    const kb = { deviceId: bId };
    const gone: DeviceId[] = [];
    a.onGone((d) => gone.push(d));
    const linked = async () => {
      a.send(kb.deviceId, '{"n":1}');
      for (let i = 0; i < 50 && !a.connectedDevices().includes(kb.deviceId); i++)
        await new Promise((r) => setTimeout(r, 20));
      assert.ok(a.connectedDevices().includes(kb.deviceId), 'linked');
    };
    try {
      await linked();
      // The link drops, but b still listens: alive, so no hint.
      a.disconnect(kb.deviceId);
      await new Promise((r) => setTimeout(r, 400));
      assert.deepEqual(gone, []);
      await new Promise((r) => setTimeout(r, 300)); // past the 250 ms reconnect pause
      await linked();
      // b's process goes: its links close and its port refuses.
      await b.close();
      for (let i = 0; i < 50 && gone.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(gone, [kb.deviceId]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('WebSocket transport: does a late device’s laptop answer?', () => {
  it('answered while it listens (whatever its copy is doing), refused once its process is gone; unknown without a direct link', async () => {
    const { a, b, bId } = await loopbackPair();
    const ask = (d: DeviceId) => new Promise<string>((r) => a.reach(d, r));
    try {
      assert.equal(await ask(bId), 'unknown', 'no link yet: no address to ask');
      a.send(bId, '{"n":1}');
      for (let i = 0; i < 50 && !a.connectedDevices().includes(bId); i++)
        await new Promise((r) => setTimeout(r, 20));
      assert.equal(await ask(bId), 'answered');
      const addr = a.addressOf(bId)!;
      await b.close();
      assert.equal(await probeReach(addr), 'refused');
      assert.equal(await probeListener(addr), 'gone');
      assert.equal(a.stats.reachAsked, 1);
      assert.equal(a.stats.reachSilent, 0);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

/** Two transports whose every link goes through an in-memory relay (streams as on NATS). */
async function relayedPair(opts: { idleCloseMs?: number; relayIdleCloseMs?: number }) {
  const ka = DeviceKey.generate();
  const kb = DeviceKey.generate();
  const a = new WsTransport({ key: ka, host: '127.0.0.1', ...opts });
  const b = new WsTransport({ key: kb, host: '127.0.0.1', ...opts });
  await a.start();
  await b.start();
  const wire = memoryWire();
  let streams = 0;
  const port = (other: WsTransport): RelayPort => ({
    connected: true,
    relayOnly: true,
    probe: async () => 'alive',
    dial: async () => {
      const id = `s${streams++}`;
      const theirs = new RelayStream(wire, `${id}.b`, `${id}.a`);
      const mine = new RelayStream(wire, `${id}.a`, `${id}.b`);
      other.acceptRelayed(theirs);
      return mine;
    },
  });
  a.setRelay(port(b));
  b.setRelay(port(a));
  return { a, b, bId: kb.deviceId };
}

describe('WebSocket transport: idle links', () => {
  it('a link through the relay is closed sooner when idle than a direct one (it costs the relay keepalives)', async () => {
    // Direct links idle for a minute; this one is closed at its relay setting.
    const { a, b, bId } = await relayedPair({ idleCloseMs: 60_000, relayIdleCloseMs: 300 });
    const got: string[] = [];
    b.onFrame((_, f) => got.push(f));
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    try {
      a.send(bId, '{"n":1}');
      for (let i = 0; i < 50 && a.connectedDevices().length === 0; i++) await wait(20);
      assert.deepEqual(
        a.linkInfo().map((l) => [l.device, l.path]),
        [[bId, 'relay']],
      );
      await wait(5_800); // the idle check runs with the ping, every 5 s
      assert.deepEqual(a.connectedDevices(), [], 'closed when idle');
      a.send(bId, '{"n":2}');
      await wait(500);
      assert.deepEqual(got, ['{"n":1}', '{"n":2}']);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a link that carries nothing is closed (no pings kept up for it, no "gone"); the next frame reopens it', async () => {
    const { a, b, bId } = await loopbackPair({ idleCloseMs: 300 });
    const kb = { deviceId: bId };
    const got: string[] = [];
    b.onFrame((_, f) => got.push(f));
    const gone: DeviceId[] = [];
    a.onGone((d) => gone.push(d));
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    try {
      a.send(kb.deviceId, '{"n":1}');
      await wait(150);
      assert.deepEqual(a.connectedDevices(), [kb.deviceId]);
      await wait(5_800); // the idle check runs with the ping, every 5 s
      assert.deepEqual(a.connectedDevices(), [], 'closed when idle');
      assert.deepEqual(gone, [], 'an idle close is not a death');
      a.send(kb.deviceId, '{"n":2}');
      await wait(300);
      assert.deepEqual(got, ['{"n":1}', '{"n":2}']);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('WebSocket transport handshake', () => {
  const tKey = DeviceKey.generate();
  const t = new WsTransport({ key: tKey, host: '127.0.0.1' });
  after(() => t.close());

  it('connecting by address learns the device and its session', async () => {
    await t.start();
    const otherKey = DeviceKey.generate();
    const other = new WsTransport({
      key: otherKey,
      host: '127.0.0.1',
      sessionOf: () => 'session-1',
    });
    const port = await other.start();
    try {
      const found = await t.connectTo({ host: '127.0.0.1', port });
      assert.deepEqual(found, { device: otherKey.deviceId, sessionId: 'session-1' });
    } finally {
      await other.close();
    }
  });

  it('an unreachable address is a clear error, not a crash', async () => {
    await assert.rejects(t.connectTo({ host: '127.0.0.1', port: 1 }, 1_000));
  });

  it('a link over plain HTTP (a copy from before TLS links) is told to update Baton, and gets nothing', async () => {
    const got: string[] = [];
    t.onFrame((from, frame) => got.push(`${from} ${frame}`));
    const old = DeviceKey.generate();
    const r = await rawLink(
      '127.0.0.1',
      t.listeningPort,
      (ws) => ws.send(linkFrame(old).replace(`"v":${PROTOCOL_VERSION}`, '"v":3')),
      { plain: true, timeoutMs: 1_000 },
    );
    assert.equal(r.closed, 1002, JSON.stringify(r));
    const refusal = r.frames.map(
      (f) => JSON.parse(f) as { type: string; error?: { code: string; message: string } },
    );
    assert.equal(refusal[0]?.type, 'refuse');
    assert.equal(refusal[0]?.error?.code, 'version');
    assert.match(refusal[0]!.error!.message, /encrypted \(TLS\): update Baton/);
    assert.deepEqual(got, []);
  });

  it("a copy that claims another device's id without its key is refused; the real one gets through", async () => {
    const victim = DeviceKey.generate();
    const got: string[] = [];
    t.onFrame((from, frame) => got.push(`${from} ${frame}`));
    const port = t.listeningPort;
    const mine = DeviceKey.generate();
    // The victim's id and public key with another's key pair (what a forger can copy).
    const forged = { deviceId: victim.deviceId, publicKey: mine.publicKey };
    const attempts: Record<string, (theirs: TheirLink) => string[]> = {
      // The victim's id (it is in every mDNS record) with the impostor's own key.
      'id not of its key': (theirs) => [linkFrame(forged, theirs.nonce), proofFrame(mine, theirs)],
      // The victim's id and public key, but no private key to sign with.
      'signed with another key': (theirs) => [
        linkFrame(victim, theirs.nonce),
        proofFrame(mine, theirs),
      ],
      // A proof replayed from another link (another nonce).
      'replayed proof': (theirs) => [
        linkFrame(victim, theirs.nonce),
        proofFrame(victim, { ...theirs, nonce: 'AAAAAAAAAAAAAAAAAAAAAA==' }),
      ],
      'no proof, straight to business': (theirs) => [
        linkFrame(victim, theirs.nonce),
        JSON.stringify({ type: 'leave', from: 'm', epoch: 1 }),
      ],
      'junk key': (theirs) => [
        linkFrame({ deviceId: victim.deviceId, publicKey: 'AAAA' }, theirs.nonce),
        '{}',
      ],
      // The relay attack: the victim itself signed this link's nonce (the attacker forwarded
      // it over a link of its own to the victim), so its signature binds the attacker's
      // other TLS session, not this one. Before TLS links, this got through as the victim.
      'a proof relayed from the real device': (theirs) => [
        linkFrame(victim, theirs.nonce),
        proofFrame(victim, { ...theirs, binding: 'dGhlIHZpY3RpbSdzIG90aGVyIFRMUyBzZXNzaW9u' }),
      ],
    };
    for (const [what, frames] of Object.entries(attempts)) {
      const r = await rawAnswer('127.0.0.1', port, frames, { timeoutMs: 1_000 });
      assert.equal(r.closed, 1008, `${what}: ${JSON.stringify(r)}`);
      assert.ok(
        r.frames.some((f) => f.includes('"code":"identity"')),
        `${what}: ${r.frames.join('\n')}`,
      );
    }
    assert.equal(got.length, 0, 'nothing from an impostor reaches the engine');
    // The real device, with its key, is let in and its frames are delivered.
    const r = await rawAnswer(
      '127.0.0.1',
      port,
      (theirs) => [
        linkFrame(victim, 'bm9uY2Vub25jZW5vbmNlMQ=='),
        proofFrame(victim, theirs),
        JSON.stringify({ type: 'leave', from: 'm', epoch: 1 }),
      ],
      { timeoutMs: 1_000 },
    );
    assert.equal(r.closed, -1, JSON.stringify(r));
    assert.equal(got.length, 1);
    assert.ok(got[0]!.startsWith(`${victim.deviceId} `));
    // Its own proof checks out against our nonce.
    const p = JSON.parse(r.frames.find((f) => f.includes('"proof"'))!) as { sig: string };
    assert.ok(
      checkProof(
        JSON.parse(r.frames[0]!).key as string,
        p.sig,
        'bm9uY2Vub25jZW5vbmNlMQ==',
        tKey.deviceId,
        victim.deviceId,
        r.binding,
      ),
    );
  });
});

describe('mDNS TXT records', () => {
  it('round-trip, and junk is refused with a reason instead of a throw', () => {
    const txt = makeTxt({ sid: 's1', sn: 'CPSC 416', mid: 'm1', did: 'd1', n: 'Ann' });
    const back = parseTxt(txt);
    assert.ok(back.ok);
    assert.equal(back.txt.sn, 'CPSC 416');
    assert.equal(back.txt.v, PROTOCOL_VERSION);
    for (const junk of [
      null,
      'x',
      42,
      {},
      { v: 'abc', did: 'd' },
      { v: '1' },
      { v: '1', did: 'x'.repeat(300) },
    ]) {
      const r = parseTxt(junk);
      assert.equal(r.ok, false, JSON.stringify(junk));
    }
    const buffers = parseTxt({ v: Buffer.from('1'), did: Buffer.from('dev') });
    assert.ok(buffers.ok && buffers.txt.did === 'dev');
  });

  it('long names are clipped to fit one 255-byte TXT string', () => {
    const txt = makeTxt({ sid: 's', sn: 'é'.repeat(300), mid: 'm', did: 'd', n: 'n'.repeat(300) });
    for (const [k, v] of Object.entries(txt)) assert.ok(Buffer.byteLength(`${k}=${v}`) <= 255, k);
  });
});

describe('device key on disk', () => {
  it('is made once (mode 0600) and read back; a data dir from before keys gets a new id and its old sessions set aside', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-key-'));
    try {
      const a = DeviceKey.loadOrCreate(dir);
      assert.equal(fs.statSync(path.join(dir, 'device.json')).mode & 0o777, 0o600);
      assert.equal(DeviceKey.loadOrCreate(dir).deviceId, a.deviceId);
      assert.equal(deviceIdOfKey(a.publicKey), a.deviceId);
      // An older data dir: a random device id, no key, and a session joined with that id.
      fs.writeFileSync(path.join(dir, 'device.json'), JSON.stringify({ deviceId: 'old-id' }));
      fs.mkdirSync(path.join(dir, 'sessions', 's1'), { recursive: true });
      const lines: string[] = [];
      const b = DeviceKey.loadOrCreate(dir, (l) => lines.push(l));
      assert.notEqual(b.deviceId, a.deviceId);
      assert.ok(!fs.existsSync(path.join(dir, 'sessions')));
      assert.ok(fs.readdirSync(dir).some((f) => f.startsWith('sessions.before-device-key.')));
      assert.match(lines.join('\n'), /set aside/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
