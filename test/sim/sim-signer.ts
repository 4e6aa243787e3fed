import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import type { DeviceId } from '../../core/ids';
import type { Signer } from '../../core/session/signer';

// The simulator's device keys: a real Ed25519 key per simulated laptop, made from its
// device id (so a seed replays byte for byte), and a register of which key is whose — what
// a real device id, the hash of its key, gives the real signer. A simulated attacker signs
// with its own laptop's key and is checked as anyone else.

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const keys = new Map<
  DeviceId,
  { privateKey: ReturnType<typeof createPrivateKey>; publicKey: string }
>();

function keyOf(device: DeviceId) {
  let k = keys.get(device);
  if (!k) {
    const seed = createHash('sha256').update(`baton-sim-key\n${device}`).digest();
    const privateKey = createPrivateKey({
      key: Buffer.concat([PKCS8_ED25519, seed]),
      format: 'der',
      type: 'pkcs8',
    });
    const publicKey = createPublicKey(privateKey)
      .export({ format: 'der', type: 'spki' })
      .toString('base64');
    keys.set(device, (k = { privateKey, publicKey }));
  }
  return k;
}

/** A simulated laptop's signer. */
export function simSigner(device: DeviceId): Signer {
  return {
    sign: (text) => {
      const k = keyOf(device);
      return {
        key: k.publicKey,
        sig: sign(null, Buffer.from(text), k.privateKey).toString('base64'),
      };
    },
    verify: (signer, key, text, sig) => {
      const k = keyOf(signer);
      if (k.publicKey !== key) return false;
      try {
        return verify(
          null,
          Buffer.from(text),
          createPublicKey(k.privateKey),
          Buffer.from(sig, 'base64'),
        );
      } catch {
        return false;
      }
    },
  };
}
