import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseTxt, makeTxt } from '../../core/discovery/txt';
import { type DeviceId, asDeviceId } from '../../core/ids';
import { SeededRandom } from '../../core/random';
import type { Transport } from '../../core/transport/transport';
import { WsTransport } from '../../core/transport/ws-transport';
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
  const aId = asDeviceId('dev-a');
  const bId = asDeviceId('dev-b');
  const a = new WsTransport({ deviceId: aId, host: '127.0.0.1' });
  const b = new WsTransport({ deviceId: bId, host: '127.0.0.1' });
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

describe('WebSocket transport handshake', () => {
  const t = new WsTransport({ deviceId: asDeviceId('me'), host: '127.0.0.1' });
  after(() => t.close());

  it('connecting by address learns the device and its session', async () => {
    await t.start();
    const other = new WsTransport({
      deviceId: asDeviceId('other'),
      host: '127.0.0.1',
      sessionOf: () => 'session-1',
    });
    const port = await other.start();
    try {
      const found = await t.connectTo({ host: '127.0.0.1', port });
      assert.deepEqual(found, { device: 'other', sessionId: 'session-1' });
    } finally {
      await other.close();
    }
  });

  it('an unreachable address is a clear error, not a crash', async () => {
    await assert.rejects(t.connectTo({ host: '127.0.0.1', port: 1 }, 1_000));
  });
});

describe('mDNS TXT records', () => {
  it('round-trip, and junk is refused with a reason instead of a throw', () => {
    const txt = makeTxt({ sid: 's1', sn: 'CPSC 416', mid: 'm1', did: 'd1', n: 'Ann' });
    const back = parseTxt(txt);
    assert.ok(back.ok);
    assert.equal(back.txt.sn, 'CPSC 416');
    assert.equal(back.txt.v, 1);
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
