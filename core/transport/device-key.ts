import {
  type KeyObject,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type DeviceId, asDeviceId } from '../ids';
import type { Signer } from '../session/signer';

/**
 * A laptop's identity on the wire: an Ed25519 key pair made on first start, kept in the
 * data dir. The device id is derived from the public key (sha256, first 16 bytes, hex), so
 * a copy can claim a device id only if it holds that device's private key: the link
 * handshake asks it to sign the other side's fresh nonce. Copying another laptop's device
 * id (it is in every mDNS record) gets an impostor nowhere.
 */
export class DeviceKey {
  readonly deviceId: DeviceId;
  /** Public key, SPKI DER, base64: sent in the link handshake. */
  readonly publicKey: string;

  private constructor(private readonly privateKey: KeyObject) {
    const der = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    this.publicKey = der.toString('base64');
    this.deviceId = deviceIdOfKey(this.publicKey)!;
  }

  static generate(): DeviceKey {
    return new DeviceKey(generateKeyPairSync('ed25519').privateKey);
  }

  static fromPkcs8(b64: string): DeviceKey {
    return new DeviceKey(
      createPrivateKey({ key: Buffer.from(b64, 'base64'), format: 'der', type: 'pkcs8' }),
    );
  }

  toPkcs8(): string {
    return this.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  }

  /**
   * Answer a link challenge: sign the other side's nonce, both device ids and the link's
   * channel binding (its TLS session's exported key, device-cert.ts), so the proof is good
   * on this one TLS session only.
   */
  prove(theirNonce: string, theirDevice: string, binding: string): string {
    return sign(
      null,
      linkProofText(theirNonce, this.deviceId, theirDevice, binding),
      this.privateKey,
    ).toString('base64');
  }

  /**
   * Heads certificates (session/certs.ts) signed with this key, and others' checked
   * against the device id their key must hash to.
   */
  signer(): Signer {
    return {
      sign: (text) => ({
        key: this.publicKey,
        sig: sign(null, Buffer.from(text, 'utf8'), this.privateKey).toString('base64'),
      }),
      verify: (device, key, text, sig) => {
        if (deviceIdOfKey(key) !== device) return false;
        try {
          return verify(
            null,
            Buffer.from(text, 'utf8'),
            publicKeyObject(key)!,
            Buffer.from(sig, 'base64'),
          );
        } catch {
          return false;
        }
      },
    };
  }

  /**
   * The data dir's device key, made (and written with mode 0600) on first start. A data
   * dir from before device keys holds only a random device id: that laptop gets a new,
   * key-derived id, and its old sessions are set aside (it joins them again as a new
   * member) — an id that no key backs cannot be proven on the wire.
   */
  static loadOrCreate(dir: string, log?: (line: string) => void): DeviceKey {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'device.json');
    let legacy = false;
    try {
      const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { privateKey?: unknown };
      if (typeof raw.privateKey === 'string') return DeviceKey.fromPkcs8(raw.privateKey);
      legacy = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        log?.(`device key in ${file} unreadable (${(e as Error).message}); making a new one`);
      legacy = fs.existsSync(file);
    }
    const key = DeviceKey.generate();
    const tmp = `${file}.tmp`;
    fs.writeFileSync(
      tmp,
      JSON.stringify({
        deviceId: key.deviceId,
        publicKey: key.publicKey,
        privateKey: key.toPkcs8(),
      }),
      { mode: 0o600 },
    );
    fs.renameSync(tmp, file);
    const sessions = path.join(dir, 'sessions');
    if (legacy && fs.existsSync(sessions)) {
      fs.renameSync(sessions, path.join(dir, `sessions.before-device-key.${Date.now()}`));
      log?.('this data dir had no device key: made one; its old sessions are set aside');
    }
    return key;
  }
}

/** The device id a public key (SPKI DER, base64) stands for, or null for junk. */
export function deviceIdOfKey(publicKey: string): DeviceId | null {
  if (!publicKeyObject(publicKey)) return null;
  return asDeviceId(
    createHash('sha256').update(Buffer.from(publicKey, 'base64')).digest('hex').slice(0, 32),
  );
}

/** A fresh challenge for the other end of a link. */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * Did the holder of `publicKey` sign our nonce, its own device id and ours? Never throws:
 * junk keys and signatures are just "no".
 */
export function checkProof(
  publicKey: string,
  signature: string,
  ourNonce: string,
  theirDevice: string,
  ourDevice: string,
  binding: string,
): boolean {
  const key = publicKeyObject(publicKey);
  if (!key) return false;
  try {
    return verify(
      null,
      linkProofText(ourNonce, theirDevice, ourDevice, binding),
      key,
      Buffer.from(signature, 'base64'),
    );
  } catch {
    return false;
  }
}

/** What a link proof signs: domain tag, the challenger's nonce, both ids, the TLS binding. */
function linkProofText(nonce: string, signer: string, challenger: string, binding: string): Buffer {
  return Buffer.from(`baton-link\n${nonce}\n${signer}\n${challenger}\n${binding}`, 'utf8');
}

/**
 * Decoded keys of devices seen lately: a room's links are proven again on every reconnect,
 * and decoding a key costs more than checking a signature with it. Bounded (the oldest
 * goes first); junk is never kept.
 */
const knownKeys = new Map<string, KeyObject>();
const KNOWN_KEYS_MAX = 512;

function publicKeyObject(publicKey: string): KeyObject | null {
  const known = knownKeys.get(publicKey);
  if (known) return known;
  try {
    const key = createPublicKey({
      key: Buffer.from(publicKey, 'base64'),
      format: 'der',
      type: 'spki',
    });
    if (key.asymmetricKeyType !== 'ed25519') return null;
    if (knownKeys.size >= KNOWN_KEYS_MAX) knownKeys.delete(knownKeys.keys().next().value!);
    knownKeys.set(publicKey, key);
    return key;
  } catch {
    return null;
  }
}
