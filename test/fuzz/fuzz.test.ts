import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { paramsSchema, METHODS } from '../../core/api/contract';
import { makeTxt, parseTxt } from '../../core/discovery/txt';
import { decode, encode } from '../../core/protocol/codec';
import type { Message } from '../../core/protocol/messages';
import { decodePhoneFrame } from '../../core/phone/protocol';
import { queueCommandSchema } from '../../core/queue/commands';
import { DeviceKey, checkProof, deviceIdOfKey } from '../../core/transport/device-key';

/**
 * Property-based fuzzing of everything that reads untrusted input: wire frames, mDNS TXT
 * records, queue commands and App API parameters. FUZZ_RUNS inputs per property (default
 * 100,000). Nothing may throw; what decodes must round-trip.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 100_000);
const opts = { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 20261122) };
const CODES = new Set(['too-large', 'bad-json', 'invalid']);

const id = fc.stringMatching(/^[0-9a-zA-Z-]{1,64}$/);
const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const epoch = fc.nat();
const anyJson = fc.jsonValue({ maxDepth: 3 });

/** Valid messages of every kind, with arbitrary field values within the schema. */
const validMessage: fc.Arbitrary<Message> = fc.oneof(
  fc.record({
    type: fc.constant('hb' as const),
    from: id,
    epoch,
    role: fc.constantFrom('host' as const, 'member' as const),
    hostId: fc.option(id, { nil: null }),
    seq: fc.nat(),
    echo: fc.integer({ min: -1, max: 1e9 }),
    hostAgoMs: fc.option(fc.nat(), { nil: null }),
    eligible: fc.boolean(),
    heads: fc.array(hex64, { maxLength: 4 }),
  }),
  fc.record({
    type: fc.constant('have' as const),
    from: id,
    epoch,
    heads: fc.array(hex64, { maxLength: 4 }),
  }),
  fc.record({ type: fc.constant('cmd' as const), from: id, id, body: anyJson }),
  fc.record({
    type: fc.constant('ack' as const),
    id,
    epoch,
    result: fc.oneof(
      fc.record({ ok: fc.constant(true as const), value: anyJson }),
      fc.record({
        ok: fc.constant(false as const),
        error: fc.record({
          code: fc.string({ maxLength: 64 }),
          message: fc.string({ maxLength: 200 }),
        }),
      }),
    ),
  }),
  fc.record({ type: fc.constant('handover' as const), from: id, epoch, to: id }),
  fc.record({ type: fc.constant('leave' as const), from: id, epoch }),
  fc.record({
    type: fc.constant('link' as const),
    v: fc.integer({ min: 0, max: 1000 }),
    deviceId: id,
    key: fc.base64String({ maxLength: 200 }),
    nonce: fc.base64String({ maxLength: 64 }),
    port: fc.integer({ min: 0, max: 65535 }),
    sid: fc.option(id, { nil: null }),
  }),
  fc.record({ type: fc.constant('proof' as const), sig: fc.base64String({ maxLength: 200 }) }),
  fc.record({
    type: fc.constant('hello' as const),
    v: fc.integer({ min: 0, max: 1000 }),
    sessionId: id,
    deviceId: id,
    memberId: fc.option(id, { nil: null }),
    name: fc.string({ maxLength: 200 }),
    eligible: fc.boolean(),
  }),
) as fc.Arbitrary<Message>;

function checkDecoded(d: ReturnType<typeof decode>): void {
  if (!d.ok) {
    assert.ok(CODES.has(d.error.code), `untyped error ${JSON.stringify(d.error)}`);
    assert.equal(typeof d.error.message, 'string');
    return;
  }
  // Whatever decodes encodes back to the same message.
  const again = decode(encode(d.message));
  assert.ok(again.ok);
  assert.deepEqual(again.message, d.message);
}

describe(`fuzz: wire frames (${RUNS} inputs each)`, () => {
  it('arbitrary strings never throw; errors are typed', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => checkDecoded(decode(s))),
      opts,
    );
  });

  it('arbitrary bytes never throw; errors are typed', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => checkDecoded(decode(b))),
      opts,
    );
  });

  it('valid messages round-trip exactly', () => {
    fc.assert(
      fc.property(validMessage, (m) => {
        const d = decode(encode(m));
        assert.ok(d.ok, JSON.stringify(d));
        // As JSON carries it (plain prototypes, -0 as 0).
        assert.deepEqual(d.message, JSON.parse(JSON.stringify(m)));
      }),
      opts,
    );
  });

  it('valid messages with one field replaced or dropped, or truncated, never throw', () => {
    fc.assert(
      fc.property(validMessage, fc.nat(), anyJson, fc.nat(), (m, k, v, cut) => {
        const keys = Object.keys(m).filter((x) => x !== 'type');
        const key = keys[k % keys.length]!;
        const mutated: Record<string, unknown> = { ...m };
        if (k % 3 === 0) delete mutated[key];
        else mutated[key] = v;
        checkDecoded(decode(JSON.stringify(mutated)));
        const text = encode(m);
        checkDecoded(decode(text.slice(0, cut % (text.length + 1))));
      }),
      opts,
    );
  });
});

describe(`fuzz: mDNS TXT records (${RUNS} inputs each)`, () => {
  const value = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
    fc.integer(),
    fc.constant(null),
    fc.boolean(),
    anyJson,
  );
  it('arbitrary records never throw and are accepted or refused with a reason', () => {
    const key = fc.constantFrom(
      'v',
      'sid',
      'sn',
      'mid',
      'did',
      'n',
      'x',
      '__proto__',
      'constructor',
    );
    fc.assert(
      fc.property(fc.oneof(fc.dictionary(key, value), anyJson), (raw) => {
        const r = parseTxt(raw);
        if (!r.ok) assert.equal(typeof r.error, 'string');
        else assert.ok(r.txt.did.length > 0);
      }),
      opts,
    );
  });

  it('every record we publish keeps each key=value within 255 bytes and parses back', () => {
    const unicode = fc.string({ unit: 'binary', maxLength: 200 });
    fc.assert(
      fc.property(id, unicode, id, id, unicode, (sid, sn, mid, did, n) => {
        const txt = makeTxt({ sid, sn, mid, did, n });
        for (const [k, v] of Object.entries(txt))
          assert.ok(Buffer.byteLength(`${k}=${v}`) <= 255, `${k} is ${Buffer.byteLength(v)} bytes`);
        const r = parseTxt(txt);
        assert.ok(r.ok, r.ok ? '' : r.error);
        assert.deepEqual([r.txt.sid, r.txt.mid, r.txt.did], [sid, mid, did]);
        assert.ok(
          sn.startsWith(r.txt.sn) && n.startsWith(r.txt.n),
          'names are clipped, not mangled',
        );
      }),
      opts,
    );
  });
});

describe(`fuzz: commands and App API parameters (${RUNS} inputs each)`, () => {
  const ops = [...queueCommandSchema.options.map((o) => o.shape.op.value), 'nope'];
  it('queue commands: arbitrary bodies are parsed or refused, never thrown on', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ops),
        fc.dictionary(fc.string({ maxLength: 12 }), anyJson),
        anyJson,
        (op, fields, other) => {
          const r1 = queueCommandSchema.safeParse({ ...fields, op });
          const r2 = queueCommandSchema.safeParse(other);
          for (const r of [r1, r2]) if (!r.success) assert.ok(r.error.issues.length > 0);
        },
      ),
      opts,
    );
  });

  it('App API: every method validates arbitrary parameters without throwing', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...METHODS),
        fc.oneof(anyJson, fc.dictionary(fc.string({ maxLength: 12 }), anyJson)),
        (m, params) => {
          const r = paramsSchema[m].safeParse(params);
          if (!r.success) assert.ok(r.error.issues.length > 0);
        },
      ),
      opts,
    );
  });
});

describe(`fuzz: the phone API (${RUNS} inputs each)`, () => {
  const PHONE_CODES = new Set(['too-large', 'bad-json', 'validation', 'unknown-method']);
  const check = (raw: string): void => {
    const r = decodePhoneFrame(raw);
    if (!r.ok) assert.ok(PHONE_CODES.has(r.code) && r.message.length > 0, JSON.stringify(r));
  };
  it('arbitrary strings are decoded or refused with a code, never thrown on', () => {
    fc.assert(fc.property(fc.string({ maxLength: 5_000 }), check), opts);
  });
  it('frames of every kind with fields replaced by junk are decoded or refused, never thrown on', () => {
    const frame = fc.oneof(
      fc.record({ t: fc.constant('hello'), key: fc.oneof(hex64, fc.string()) }),
      fc.record({ t: fc.constant('ping') }),
      fc.record({
        t: fc.constant('cmd'),
        cid: fc.oneof(fc.uuid({ version: 7 }), fc.string()),
        cmd: fc.record({
          m: fc.constantFrom('join', 'edit', 'withdraw', 'away', 'back', 'here', 'helpNext', 'x'),
          entryId: fc.oneof(id, fc.string({ maxLength: 100 })),
          name: fc.string({ maxLength: 120 }),
          topic: fc.string({ maxLength: 300 }),
          location: fc.string({ maxLength: 100 }),
        }),
        sig: fc.oneof(hex64, fc.string({ maxLength: 200 })),
      }),
    );
    fc.assert(
      fc.property(frame, fc.string({ maxLength: 12 }), anyJson, (f, k, v) => {
        check(JSON.stringify(f));
        check(JSON.stringify({ ...f, [k]: v }));
      }),
      opts,
    );
  });
});

describe(`fuzz: link proofs (${RUNS} inputs)`, () => {
  const real = DeviceKey.generate();
  const challenger = DeviceKey.generate().deviceId;
  const nonce = 'AAAAAAAAAAAAAAAAAAAAAA==';
  const binding = 'YmluZGluZ2JpbmRpbmdiaW5kaW5nYmluZGluZzEyMw==';
  const good = real.prove(nonce, challenger, binding);

  it('junk keys, signatures, nonces and ids are refused, never thrown on; only the real proof passes', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(real.publicKey), fc.base64String({ maxLength: 200 }), fc.string()),
        fc.oneof(fc.constant(good), fc.base64String({ maxLength: 200 }), fc.string()),
        fc.oneof(fc.constant(nonce), fc.base64String({ maxLength: 64 })),
        fc.oneof(fc.constant(real.deviceId), fc.string({ maxLength: 64 })),
        fc.oneof(fc.constant(binding), fc.base64String({ maxLength: 64 })),
        (key, sig, n, device, b) => {
          const ok = checkProof(key, sig, n, device, challenger, b);
          const isReal =
            key === real.publicKey &&
            sig === good &&
            n === nonce &&
            device === real.deviceId &&
            b === binding;
          assert.equal(ok, isReal);
          const id = deviceIdOfKey(key);
          assert.equal(id === real.deviceId, key === real.publicKey);
        },
      ),
      opts,
    );
  });
});
