import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decode, encode } from '../../core/protocol/codec';
import type { MessageInput } from '../../core/protocol/messages';
import { MAX_FRAME_BYTES } from '../../core/protocol/version';

const HEAD = 'a'.repeat(64);

const samples: MessageInput[] = [
  {
    type: 'hello',
    v: 1,
    sessionId: 's1',
    deviceId: 'd1',
    memberId: null,
    name: 'Ana',
    eligible: true,
  },
  {
    type: 'hb',
    from: 'm1',
    epoch: 1000,
    role: 'host',
    hostId: 'm1',
    seq: 3,
    echo: -1,
    hostAgoMs: null,
    eligible: true,
    heads: [HEAD],
  },
  { type: 'have', from: 'm2', epoch: 1000, heads: [HEAD] },
  { type: 'cmd', from: 'm2', id: 'c1', body: { op: 'add', value: 'x' } },
  { type: 'ack', id: 'c1', epoch: 1000, result: { ok: true, value: null } },
  { type: 'handover', from: 'm1', epoch: 2001, to: 'm2' },
  { type: 'redirect', sessionId: 's1', hostId: 'm1', hostDevice: 'd1', epoch: 1000 },
  { type: 'not-host', id: 'c1', hostId: null, epoch: 1000 },
  {
    type: 'link',
    v: 2,
    deviceId: 'd1',
    key: 'MCowBQYDK2VwAyEA',
    nonce: 'AAAAAAAAAAAAAAAAAAAAAA==',
    port: 4000,
    sid: null,
  },
  { type: 'proof', sig: 'c2lnbmF0dXJl' },
];

describe('protocol codec', () => {
  it('round-trips every kind of message', () => {
    for (const m of samples) {
      const d = decode(encode(m));
      assert.ok(d.ok, JSON.stringify(d));
      assert.deepEqual(d.message, m);
    }
  });

  it('gives typed errors for bad JSON, unknown types, wrong fields and oversized frames', () => {
    const bad = decode('{"type":');
    assert.equal(!bad.ok && bad.error.code, 'bad-json');
    const unknown = decode('{"type":"launch-missiles"}');
    assert.equal(!unknown.ok && unknown.error.code, 'invalid');
    const wrong = decode(JSON.stringify({ ...samples[1], epoch: -1 }));
    assert.ok(!wrong.ok && wrong.error.code === 'invalid' && /epoch/.test(wrong.error.message));
    const badHead = decode(JSON.stringify({ ...samples[2], heads: ['xyz'] }));
    assert.equal(!badHead.ok && badHead.error.code, 'invalid');
    const big = decode('x'.repeat(MAX_FRAME_BYTES + 1));
    assert.equal(!big.ok && big.error.code, 'too-large');
  });

  it('never throws on arbitrary strings, bytes or JSON values', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        decode(s);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        decode(b);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(...samples.map((m) => m.type)), (v, type) => {
        const obj = typeof v === 'object' && v !== null && !Array.isArray(v) ? v : { v };
        decode(JSON.stringify({ ...obj, type }));
      }),
      { numRuns: 2000 },
    );
  });
});
