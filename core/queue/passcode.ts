import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { PasscodeVerifier } from './types';

/**
 * Staff passcodes. The creating copy derives a key with salted scrypt and the document
 * stores only sha256(key); a copy logging in derives the key from the typed passcode
 * and sends it, and the host checks its hash. The clear passcode never leaves the
 * copy it is typed on, and guessing it from the replicated verifier costs one scrypt
 * per guess.
 */
const PARAMS = { N: 1 << 14, r: 8, p: 1 };
export const MIN_PASSCODE_LENGTH = 4;

export function makeVerifier(
  passcode: string,
  salt: Uint8Array = randomBytes(16),
): PasscodeVerifier {
  const saltHex = Buffer.from(salt).toString('hex');
  const key = deriveStaffKey(passcode, { salt: saltHex, ...PARAMS });
  return { salt: saltHex, verifier: sha256Hex(key), ...PARAMS };
}

/** The staff key for `passcode` under the session's verifier parameters (hex). */
export function deriveStaffKey(
  passcode: string,
  v: Pick<PasscodeVerifier, 'salt' | 'N' | 'r' | 'p'>,
): string {
  return scryptSync(passcode.normalize('NFC'), Buffer.from(v.salt, 'hex'), 32, {
    N: v.N,
    r: v.r,
    p: v.p,
    maxmem: 64 * 1024 * 1024,
  }).toString('hex');
}

export function checkStaffKey(key: string, v: PasscodeVerifier): boolean {
  const a = Buffer.from(sha256Hex(key), 'hex');
  const b = Buffer.from(v.verifier, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
