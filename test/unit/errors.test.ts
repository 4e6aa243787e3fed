import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { engineCode } from '../../core/errors';
import { SessionCore } from '../../core/session/core';
import { engineConfig } from '../../core/session/config';
import { encode } from '../../core/protocol/codec';
import { asDeviceId, asSessionId } from '../../core/ids';
import { SeededRandom } from '../../core/random';
import { setApp } from '../sim/set-app';
import { simSigner } from '../sim/sim-signer';

describe('error codes: one union the app can switch on', () => {
  it("a code another copy sends is one of the engine's, or `refused`", () => {
    assert.equal(engineCode('version'), 'version');
    assert.equal(engineCode('storage-full'), 'storage-full');
    assert.equal(engineCode('some-code-of-a-newer-copy'), 'refused');
    assert.equal(engineCode('toString'), 'refused', 'not a property of every object');
  });

  it('a refused join reports a code of the union, whatever the refusing copy sent', () => {
    const core = new SessionCore({
      deviceId: asDeviceId('joiner'),
      signer: simSigner(asDeviceId('joiner')),
      name: 'Joiner',
      random: new SeededRandom(1),
      app: setApp,
      cfg: engineConfig(),
      stored: { identity: null, doc: null, outbox: [] },
    });
    const host = asDeviceId('host');
    core.join(0, host, asSessionId('s1'));
    const refuse = encode({ type: 'refuse', error: { code: 'banned-by-v99', message: 'no' } });
    const fx = core.step(10, host, refuse);
    const failed = fx.emit.find((e) => e.name === 'joinFailed');
    assert.deepEqual(failed?.payload, { code: 'refused', message: 'no' });
  });
});
