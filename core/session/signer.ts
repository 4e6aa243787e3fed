import type { DeviceId } from '../ids';

/**
 * What signs and checks heads certificates (certs.ts): the device key
 * (`DeviceKey.signer()`), or the simulator's stand-in (`test/sim/sim-signer.ts`).
 */
export interface Signer {
  /** This device's signature over `text`, with the public key that checks it (SPKI, base64). */
  sign(text: string): { key: string; sig: string };
  /** Whether `sig` over `text` is by `device`, whose public key `key` claims to be. Never throws. */
  verify(device: DeviceId, key: string, text: string, sig: string): boolean;
}
