import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as Automerge from '@automerge/automerge';
import { errors } from '@nats-io/nats-core';
import { asDeviceId } from '../../core/ids';
import { signRelay } from '../../core/queue/passcode';
import { sessionRelay } from '../../core/queue/relay-setting';
import { imm } from '../../core/queue/types';
import { decodeJoinCode, encodeJoinCode } from '../../core/relay/join-code';
import { CLUSTER_SETTLE_MS, NatsRelay } from '../../core/relay/relay';
import { publicUrl } from '../../core/relay/relay-control';
import { checkRelaySettings, relayServers } from '../../core/relay/settings';
import {
  ACTIVE_FOR,
  IDLE_KEEPALIVE,
  IDLE_SILENT,
  type PeerProbe,
  RelayStream,
  type StreamWire,
} from '../../core/relay/stream';
import { memoryWire } from './memory-wire';
import { PathChoice, preferLink } from '../../core/transport/paths';
import { Dialer, RELAY_DIALS_AT_ONCE } from '../../core/transport/dialer';
import { STAFF_KEY, TA, WRONG_KEY, code, makeQueue, verifier } from './queue-fixture';

const D = asDeviceId('d'.repeat(32));

describe('relay settings', () => {
  it('takes nats, tls, ws and wss servers; anything else gets a clear error', () => {
    assert.deepEqual(relayServers('nats://a:4222, nats://b:4222'), [
      'nats://a:4222',
      'nats://b:4222',
    ]);
    assert.deepEqual(relayServers('wss://relay.example.edu/nats'), [
      'wss://relay.example.edu/nats',
    ]);
    for (const [bad, msg] of [
      ['', /type a relay address/],
      ['http://x', /nats:\/\//],
      ['not a url', /not a relay address/],
      ['nats://a:4222,wss://b', /not both/],
    ] as const)
      assert.throws(() => relayServers(bad), msg, bad);
    assert.throws(() => checkRelaySettings({ url: 'nats://a', user: 'u' }), /password/);
    assert.throws(() => checkRelaySettings({ url: 'nats://a', evil: 1 }), /Unrecognized/);
  });

  it('never shows a credential: the URL is shown without its user part', () => {
    assert.equal(
      publicUrl('nats://s3cret@a:4222, nats://u:p@b:4222'),
      'nats://a:4222, nats://b:4222',
    );
  });
});

describe('join codes', () => {
  const jc = {
    v: 1 as const,
    sid: 'sid-1',
    sn: 'CPSC 416',
    relay: { url: 'nats://a:4222', token: 't' },
  };

  it('round-trips as a code, a baton:// link and the fragment of a web link', () => {
    const code = encodeJoinCode(jc);
    assert.deepEqual(decodeJoinCode(code), jc);
    assert.deepEqual(decodeJoinCode(`baton://join/${code}`), jc);
    assert.deepEqual(decodeJoinCode(`https://cs.example.edu/baton/#${code}`), jc);
  });

  it('refuses junk, extra fields and a code with a bad relay', () => {
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    for (const bad of [
      'hello',
      '%%%%%%%%%%%%',
      enc({ ...jc, staff: 'letmein' }),
      enc({ ...jc, relay: { url: 'http://x' } }),
      enc({ ...jc, v: 2 }),
    ])
      assert.throws(() => decodeJoinCode(bad), /not a Baton join code/, bad);
  });
});

/** Two streams joined by an in-memory wire that can lose messages; `a` probes with `probe`. */
function pipe(silentMs = 6_000, probe?: PeerProbe) {
  let drop = 0;
  const wire = memoryWire(() => {
    if (drop === 0) return true;
    drop--;
    return false;
  });
  const a = new RelayStream(wire, 'a', 'b', silentMs, Date.now, probe);
  const b = new RelayStream(wire, 'b', 'a', silentMs);
  return { a, b, dropNext: (n: number) => (drop = n) };
}

describe('relay streams', () => {
  it('carry bytes in order, in 64 KiB messages', async () => {
    const { a, b } = pipe();
    const got: Buffer[] = [];
    b.on('data', (d: Buffer) => got.push(d));
    const big = Buffer.alloc(200_000, 7);
    a.write(Buffer.from('hello '));
    a.write(big);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(Buffer.concat(got).length, 6 + big.length);
    a.destroy();
    b.destroy();
  });

  it('end at a lost message (a gap), rather than hand TLS a hole', async () => {
    const { a, b, dropNext } = pipe();
    const error = new Promise<Error>((r) => b.once('error', r));
    b.on('data', () => {});
    a.write('one');
    dropNext(1);
    a.write('two');
    a.write('three');
    assert.match((await error).message, /gap \(expected 1, got 2\)/);
    a.destroy();
  });

  it('end when the other side goes silent (its process died with its NATS connection)', async () => {
    const { a, b } = pipe(300);
    b.on('data', () => {});
    b.on('error', () => {});
    // b stops answering anything: unsubscribe it without a goodbye.
    (b as unknown as { sub: { unsubscribe(): void } }).sub.unsubscribe();
    b.removeAllListeners('close');
    const t0 = Date.now();
    const keepAlive = setTimeout(() => {}, 2_000); // the stream's own timer is unref'd
    const err = await new Promise<Error>((r) => a.once('error', r));
    clearTimeout(keepAlive);
    assert.match(err.message, /silent/);
    assert.ok(Date.now() - t0 < 1_000);
    b.destroy();
  });
});

describe('relay streams whose other copy died', () => {
  /** `a` probes with `answer`; `b` writes `busy` messages 20 ms apart, then says nothing. */
  async function quietAfter(busy: number, answer: 'gone' | 'alive') {
    let probes = 0;
    const { a, b } = pipe(6_000, () => {
      probes++;
      return Promise.resolve(answer);
    });
    a.on('data', () => {});
    const keepAlive = setTimeout(() => {}, 3_000);
    for (let i = 0; i < busy; i++) {
      b.write(`heartbeat ${i}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const t0 = Date.now();
    const ended = new Promise<number>((r) => a.once('close', () => r(Date.now() - t0)));
    const outcome = await Promise.race([ended, new Promise((r) => setTimeout(r, 1_300, null))]);
    clearTimeout(keepAlive);
    a.destroy();
    b.destroy();
    return { endedAfter: outcome as number | null, reason: a.endReason, probes };
  }

  it('a busy stream that falls silent asks the relay, and ends at once when the other copy is gone', async () => {
    const r = await quietAfter(6, 'gone');
    assert.equal(r.reason, 'gone');
    assert.ok(r.endedAfter !== null && r.endedAfter < 900, `ended after ${r.endedAfter} ms`);
    assert.equal(r.probes, 1);
  });

  it('a copy the relay still has (slow, asleep) is asked once and kept', async () => {
    const r = await quietAfter(6, 'alive');
    assert.equal(r.endedAfter, null, `ended: ${r.reason}`);
    assert.equal(r.probes, 1);
  });

  it('a stream that was not busy is not probed: only silence ends it', async () => {
    const r = await quietAfter(1, 'gone');
    assert.equal(r.endedAfter, null, `ended: ${r.reason}`);
    assert.equal(r.probes, 0);
  });
});

describe('relay streams: when a busy stream counts as quiet', () => {
  it("is judged on the stream's own pace: data every 380 ms is not quiet at 600 ms, and asked about by 900", async () => {
    let t = 0;
    const wire = memoryWire();
    const probedAt: number[] = [];
    const probe: PeerProbe = () => {
      probedAt.push(t);
      return Promise.resolve('alive');
    };
    const a = new RelayStream(wire, 'a', 'b', 6_000, () => t, probe);
    const b = new RelayStream(wire, 'b', 'a', 6_000, () => t);
    a.on('data', () => {});
    const keepAlive = setTimeout(() => {}, 10_000);
    /** `ms` of made-up time, 100 ms per real check period. */
    const pass = async (ms: number) => {
      for (let left = ms; left > 0; left -= 100) {
        t += 100;
        await new Promise((r) => setTimeout(r, 110));
      }
    };
    // An electorate's heartbeat pace, and the ping that makes it look busy.
    for (let i = 0; i < 4; i++) {
      b.write(`heartbeat ${i}`);
      await new Promise((r) => setTimeout(r, 5));
      if (i < 3) t += 380;
    }
    const last = t;
    await pass(600);
    assert.deepEqual(probedAt, [], 'asked after 500 ms of a 380 ms pace');
    await pass(400);
    clearTimeout(keepAlive);
    a.destroy();
    b.destroy();
    assert.equal(probedAt.length, 1, 'asked once it was quiet for twice its pace');
    assert.ok(probedAt[0]! - last >= 760, `asked at ${probedAt[0]! - last} ms`);
  });
});

describe('the relay probe while the NATS cluster changes', () => {
  it('does not believe "no responders" for a while after a node died (copies on it are reconnecting); then it does', async () => {
    const relay = new NatsRelay({ deviceId: asDeviceId('a'.repeat(32)), onAccept: () => {} });
    const peer = asDeviceId('b'.repeat(32));
    // A connection on which nobody holds the peer's subscription.
    const nc = {
      request: () => Promise.reject(new errors.NoRespondersError(`d.${peer}`)),
      status: async function* () {
        // The server's INFO after a route to a dead node dropped (nats.js: "update").
        yield { type: 'update', added: [], deleted: [] };
      },
    };
    const inside = relay as unknown as {
      nc: unknown;
      clusterChangedAt: number;
      watchStatus(nc: unknown): Promise<void>;
    };
    inside.nc = nc;
    relay.status.state = 'connected';
    assert.equal(await relay.probe(peer), 'gone', 'a settled cluster: no responders is gone');
    await inside.watchStatus(nc);
    assert.equal(await relay.probe(peer), 'unknown', 'just after a node died');
    inside.clusterChangedAt = Date.now() - CLUSTER_SETTLE_MS - 1;
    assert.equal(await relay.probe(peer), 'gone', 'once the cluster has settled');
  });
});

describe('relay streams on a stalled process', () => {
  it('do not call a peer silent for time this process itself was stalled; real silence still ends them', async () => {
    let t = 0;
    // The other side says nothing from here on: its messages never arrive.
    const quiet: StreamWire = { publish: () => {}, subscribe: () => ({ unsubscribe: () => {} }) };
    const a = new RelayStream(quiet, 'a', 'b', 600, () => t);
    const keepAlive = setTimeout(() => {}, 3_000);
    const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // This process stalls for 2 s (the clock jumps between two of the check's runs): a
    // CPU-starved laptop, not a silent peer. The old check ended the stream here.
    t += 2_000;
    await tick(150);
    assert.equal(a.destroyed, false, `ended on its own stall: ${a.endReason}`);
    // Awake, and the other side really says nothing: ended after 600 ms of it.
    for (let i = 0; i < 12 && !a.destroyed; i++) {
      t += 100;
      await tick(110);
    }
    clearTimeout(keepAlive);
    assert.equal(a.endReason, 'silent');
  });
});

describe('relay streams that idle (a room of 100 links everyone while it joins)', () => {
  const SILENT = 200; // ms; the streams' checks run every 50 ms of real time
  /** Two streams on one made-up clock; counts what each publishes, by kind; `b` can die. */
  function clockPipe() {
    const clock = { t: 0 };
    const sent = { a: { data: 0, keepalive: 0 }, b: { data: 0, keepalive: 0 } };
    let bDead = false;
    const wire = memoryWire((subject, bytes) => {
      const from = subject === 'b' ? sent.a : sent.b;
      if (bytes[0] === 0) from.data++;
      if (bytes[0] === 2) from.keepalive++;
      return !(bDead && subject === 'a'); // a dead copy says nothing
    });
    const a = new RelayStream(wire, 'a', 'b', SILENT, () => clock.t);
    const b = new RelayStream(wire, 'b', 'a', SILENT, () => clock.t);
    a.on('data', () => {});
    b.on('data', () => {});
    /** Let `ms` of made-up time pass, 40 ms per real check period. */
    const pass = async (ms: number) => {
      for (let left = ms; left > 0 && !a.destroyed; left -= 40) {
        clock.t += 40;
        await new Promise((r) => setTimeout(r, 55));
      }
    };
    return { a, b, sent, pass, kill: () => (bDead = true) };
  }

  it('an idle stream keeps alive every IDLE_KEEPALIVE × silentMs, not every third of it, and stays open', async () => {
    const keepAlive = setTimeout(() => {}, 10_000);
    const { a, b, sent, pass } = clockPipe();
    a.write('hello'); // in use, then nothing more either way
    const idleFrom = ACTIVE_FOR * SILENT + 100;
    await pass(idleFrom);
    const before = sent.a.keepalive;
    const idleFor = 3 * IDLE_KEEPALIVE * SILENT;
    await pass(idleFor);
    clearTimeout(keepAlive);
    const idleKeepalives = sent.a.keepalive - before;
    // In use it would have sent one every SILENT / 3: 3 × 3 × IDLE_KEEPALIVE of them.
    assert.ok(idleKeepalives <= 4, `${idleKeepalives} keepalives in ${idleFor} ms idle`);
    assert.ok(
      idleKeepalives >= 2,
      `${idleKeepalives} keepalives: the other side must still hear it`,
    );
    assert.equal(a.destroyed || b.destroyed, false, `ended: ${a.endReason ?? b.endReason}`);
    a.destroy();
    b.destroy();
  });

  it("a dead copy's idle stream ends within silentMs of being written to, and at IDLE_SILENT × silentMs unwritten", async () => {
    const keepAlive = setTimeout(() => {}, 10_000);
    const written = async () => {
      const p = clockPipe();
      p.a.write('hello');
      await p.pass(ACTIVE_FOR * SILENT + 100);
      p.kill();
      await p.pass(2 * SILENT); // idle: not ended yet
      assert.equal(p.a.destroyed, false);
      // A heartbeat every 100 ms into a dead copy's stream must not keep it open.
      for (let i = 0; i < 6 && !p.a.destroyed; i++) {
        p.a.write(`heartbeat ${i}`);
        await p.pass(100);
      }
      await p.pass(SILENT);
      return p;
    };
    const unwritten = async () => {
      const p = clockPipe();
      p.a.write('hello');
      await p.pass(ACTIVE_FOR * SILENT + 100);
      p.kill();
      await p.pass(IDLE_SILENT * SILENT - 2 * SILENT);
      const openBefore = !p.a.destroyed;
      await p.pass(4 * SILENT);
      return { ...p, openBefore };
    };
    const [w, u] = await Promise.all([written(), unwritten()]);
    clearTimeout(keepAlive);
    assert.equal(w.a.endReason, 'silent');
    assert.equal(u.openBefore, true, 'an idle stream ended before IDLE_SILENT × silentMs');
    assert.equal(u.a.endReason, 'silent');
    w.b.destroy();
    u.b.destroy();
  });
});

describe('relay streams that fail before anyone listens', () => {
  it('end without taking the process down (a dial answered as its silence ran out: the nemesis lost a laptop to it)', async () => {
    const { a, b } = pipe(200);
    // Nobody has attached to either stream yet; both go silent and fail.
    (b as unknown as { sub: { unsubscribe(): void } }).sub.unsubscribe();
    const keepAlive = setTimeout(() => {}, 2_000);
    await new Promise((r) => setTimeout(r, 700));
    clearTimeout(keepAlive);
    assert.equal(a.destroyed, true);
    assert.equal(a.endReason, 'silent');
    b.destroy();
  });
});

describe('path choice', () => {
  const relay = {
    connected: true,
    relayOnly: false,
    dial: async () => null!,
    probe: async () => 'unknown' as const,
  };

  it('direct first, the relay once a direct dial failed, direct again after the retry period', () => {
    const p = new PathChoice(30_000);
    assert.equal(p.pick(D, true, relay, 0), 'direct');
    assert.equal(p.pick(D, false, relay, 0), 'relay', 'no address known: the relay');
    assert.equal(p.pick(D, false, null, 0), null, 'nowhere');
    p.directFailed(D, 1_000);
    assert.equal(p.pick(D, true, relay, 2_000), 'relay');
    assert.equal(
      p.pick(D, true, { ...relay, connected: false }, 2_000),
      'direct',
      'relay down: try direct',
    );
    assert.equal(p.retryDue(D, 20_000), false);
    assert.equal(p.retryDue(D, 31_000), true);
    p.directWorked(D);
    assert.equal(p.pick(D, true, relay, 3_000), 'direct');
    assert.equal(p.pick(D, true, { ...relay, relayOnly: true }, 3_000), 'relay', 'relay only');
  });

  it('frames take a direct link over a relayed one', () => {
    assert.equal(preferLink({ path: 'direct', buffered: 9 }, { path: 'relay', buffered: 0 }), true);
    assert.equal(
      preferLink({ path: 'relay', buffered: 0 }, { path: 'direct', buffered: 9 }),
      false,
    );
  });
});

describe('relay dials', () => {
  it(`at most ${RELAY_DIALS_AT_ONCE} at once: a copy calling on the whole room waits its turn, and every one is dialled`, async () => {
    const waiting: { to: string; fail(): void }[] = [];
    const dialled: string[] = [];
    const relay = {
      connected: true,
      relayOnly: true,
      dial: (to: string) =>
        new Promise<never>((_ok, no) => {
          dialled.push(to);
          waiting.push({ to, fail: () => no({ code: 'timeout', message: 'no answer' }) });
        }),
      probe: async () => 'unknown' as const,
    };
    const d = new Dialer({
      addressOf: () => null,
      dialTcp: () => assert.fail('no LAN links when relay only'),
      dialStream: () => assert.fail('no stream is answered here'),
      adopt: () => {},
      linkPath: () => null,
      relayedDevices: () => [],
      refused: () => {},
      log: () => {},
    });
    d.setRelay(relay as never);
    const devices = Array.from({ length: 30 }, (_, i) =>
      asDeviceId(i.toString(16).padStart(32, '0')),
    );
    for (const to of devices) d.send(to, 'hb');
    assert.equal(dialled.length, RELAY_DIALS_AT_ONCE, 'the rest wait');
    // Each answer (here: a timeout) lets the next one go, until all 30 were tried.
    while (waiting.length > 0) {
      waiting.shift()!.fail();
      await new Promise((r) => setTimeout(r, 0));
      assert.ok(waiting.length <= RELAY_DIALS_AT_ONCE);
    }
    assert.deepEqual(dialled.sort(), [...devices].sort());
    d.close();
  });
});

describe("the session's relay: signed by the staff key", () => {
  const json = JSON.stringify({ url: 'nats://relay.cs.example.edu:4222', token: 't' });

  it('a signed setting is kept and read back; an older one arriving late changes nothing', () => {
    const q = makeQueue();
    q.login(TA);
    const at = 5_000;
    const sig = signRelay(STAFF_KEY, verifier, q.sessionId, at, json);
    assert.equal(code(q.run(TA, { op: 'setRelay', json, at, sig })), 'ok');
    assert.deepEqual(sessionRelay(q.state, q.sessionId), { json, at, sig });
    const older = JSON.stringify({ url: 'nats://old:4222' });
    const sig2 = signRelay(STAFF_KEY, verifier, q.sessionId, 1_000, older);
    assert.equal(code(q.run(TA, { op: 'setRelay', json: older, at: 1_000, sig: sig2 })), 'ok');
    assert.equal(sessionRelay(q.state, q.sessionId)!.json, json);
  });

  it('a setting the staff key did not sign is refused by the host and ignored by every reader', () => {
    const q = makeQueue();
    q.login(TA);
    const forged = signRelay(WRONG_KEY, verifier, q.sessionId, 5_000, json);
    assert.equal(
      code(q.run(TA, { op: 'setRelay', json, at: 5_000, sig: forged })),
      'wrong-passcode',
    );
    // A modified host writes it into the document anyway: nobody reads it.
    const doc = Automerge.change(Automerge.clone(q.replica.doc), (d) => {
      d.app.relay = { json: imm(json), at: 5_000, sig: imm(forged) };
    });
    assert.equal(sessionRelay(doc.app, q.sessionId), null);
    // Nor a signed setting moved to another session.
    const other = signRelay(STAFF_KEY, verifier, 'another-session', 5_000, json);
    const moved = Automerge.change(Automerge.clone(q.replica.doc), (d) => {
      d.app.relay = { json: imm(json), at: 5_000, sig: imm(other) };
    });
    assert.equal(sessionRelay(moved.app, q.sessionId), null);
  });

  it('only staff may set it', () => {
    const q = makeQueue();
    const sig = signRelay(STAFF_KEY, verifier, q.sessionId, 5_000, json);
    assert.equal(code(q.run('student', { op: 'setRelay', json, at: 5_000, sig })), 'not-staff');
  });
});
