import {
  type KeyObject,
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  scrypt,
  scryptSync,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import type { LegacyVerifier, StaffLock } from './types';

/**
 * Staff passphrases. The passphrase is stretched with scrypt (memory-hard, salted per
 * session) into the seed of an Ed25519 key pair; the document holds only the public half
 * (`StaffLock`). A login is a signature by that key over the session's salt, the member
 * logging in and the login command's own id — so what crosses the wire proves the
 * passphrase once, for that member, in that command, and nothing in it logs anyone in
 * again: the host (whoever hosts, a student's laptop included) checks the signature and
 * learns nothing it can reuse. A command id is applied once (the document's ledger), and
 * a member's commands come only from its own device (the link's proven key).
 *
 * Guessing the passphrase from the document costs one scrypt at N = 2^17, r = 8 (128 MiB)
 * per guess — 10× the old cost per guess, and at least 10 characters instead of 4.
 * Sessions from before hold a `LegacyVerifier`: their login (a derived key sent to the
 * host) still works there, and a TA who logs in is asked to choose a new passphrase,
 * which turns the session's lock into a `StaffLock` for good.
 */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export const STAFF_KDF: ScryptParams = { N: 1 << 17, r: 8, p: 1 };
const MAXMEM = 256 * 1024 * 1024;
/** An Ed25519 private key's PKCS#8 DER prefix: the 32-byte seed follows (RFC 8410). */
const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');

/** scrypt's inputs for `passphrase` under a salt and cost: the same for both derivations. */
function scryptArgs(
  passphrase: string,
  salt: string,
  kdf: ScryptParams,
): [string, Buffer, number, { N: number; r: number; p: number; maxmem: number }] {
  return [
    passphrase.normalize('NFC'),
    Buffer.from(salt, 'hex'),
    32,
    { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: MAXMEM },
  ];
}

function stretch(passphrase: string, salt: string, kdf: ScryptParams): Buffer {
  return scryptSync(...scryptArgs(passphrase, salt, kdf));
}

/** The Ed25519 private key whose 32-byte seed is `seed` (staff keys; a phone's, in tests). */
export const keyOfSeed = (seed: Buffer): KeyObject =>
  createPrivateKey({ key: Buffer.concat([ED25519_PKCS8, seed]), format: 'der', type: 'pkcs8' });

/** A lock's salt and cost: all a key derivation needs. */
export type LockParams = Pick<StaffLock, 'salt' | 'N' | 'r' | 'p'>;

/** The staff key for `passphrase` under a session's lock (its salt and cost), blocking. */
export function staffKey(passphrase: string, lock: LockParams): KeyObject {
  return keyOfSeed(stretch(passphrase, lock.salt, lock));
}

/**
 * The same, off the event loop (libuv's thread pool): the derivation takes ≈ 0.65 s on
 * these 2-core machines, longer than a host may go without a heartbeat.
 */
export function staffKeyAsync(passphrase: string, lock: LockParams): Promise<KeyObject> {
  return new Promise((resolve, reject) =>
    scrypt(...scryptArgs(passphrase, lock.salt, lock), (e, seed) =>
      e ? reject(e) : resolve(keyOfSeed(seed)),
    ),
  );
}

/** How a copy derives staff keys (a simulation derives at once, so that time stays its own). */
export type StaffKeyOf = (passphrase: string, lock: LockParams) => Promise<KeyObject>;

/** A new lock's salt and cost. */
export function lockParams(
  salt: Uint8Array = randomBytes(16),
  kdf: ScryptParams = STAFF_KDF,
): LockParams {
  return { salt: Buffer.from(salt).toString('hex'), N: kdf.N, r: kdf.r, p: kdf.p };
}

/** The lock that `key` (derived under `params`) opens. */
export function lockOf(params: LockParams, key: KeyObject): StaffLock {
  return { v: 2, ...params, publicKey: publicOf(key) };
}

const publicOf = (key: KeyObject): string =>
  createPublicKey(key).export({ format: 'der', type: 'spki' }).toString('base64');

/** A new session's lock for `passphrase`, blocking (tests, benches). */
export function makeStaffLock(
  passphrase: string,
  salt: Uint8Array = randomBytes(16),
  kdf: ScryptParams = STAFF_KDF,
): StaffLock {
  const params = lockParams(salt, kdf);
  return lockOf(params, staffKey(passphrase, params));
}

/** Does `key` open `lock`? (A wrong passphrase is caught here, before any round trip.) */
export function opens(key: KeyObject, lock: StaffLock): boolean {
  const a = Buffer.from(publicOf(key), 'base64');
  const b = Buffer.from(lock.publicKey, 'base64');
  return a.length === b.length && timingSafeEqual(a, b);
}

const proofText = (lock: StaffLock, member: string, commandId: string): Buffer =>
  Buffer.from(`baton staff login\n${lock.salt}\n${member}\n${commandId}`);

/** The login proof for `member`'s login command `commandId` (base64 signature). */
export function loginProof(
  key: KeyObject,
  lock: StaffLock,
  member: string,
  commandId: string,
): string {
  return sign(null, proofText(lock, member, commandId), key).toString('base64');
}

/** Is `proof` the lock's key's signature for this member's login command? */
export function checkLoginProof(
  lock: StaffLock,
  member: string,
  commandId: string,
  proof: string,
): boolean {
  return signedBy(lock, proofText(lock, member, commandId), proof);
}

/**
 * A new lock, as the current lock's key signs it: how a session whose id anchors its first
 * lock changes its passphrase (staff-trust.ts). The text names both locks whole, so the
 * signature moves nothing but this lock to that one.
 */
const rotationText = (from: StaffLock, to: StaffLock): Buffer =>
  Buffer.from(
    `baton staff lock rotation\n${from.salt}\n${from.publicKey}\n` +
      `${to.salt}\n${to.N}\n${to.r}\n${to.p}\n${to.publicKey}`,
  );

/** `key` (which opens `from`) hands the session on to the lock `to` (base64 signature). */
export function signRotation(key: KeyObject, from: StaffLock, to: StaffLock): string {
  return sign(null, rotationText(from, to), key).toString('base64');
}

/** Did `from`'s key sign the move to `to`? */
export function checkRotation(from: StaffLock, to: StaffLock, sig: string): boolean {
  return signedBy(from, rotationText(from, to), sig);
}

/**
 * The session's relay, as a staff key signs it: the settings (JSON, or "null" for none) and
 * when they were set, bound to the lock and the session (core/queue/relay-setting.ts).
 */
const relayText = (lock: StaffLock, sessionId: string, at: number, json: string): Buffer =>
  Buffer.from(`baton session relay\n${lock.salt}\n${sessionId}\n${at}\n${json}`);

export function signRelay(
  key: KeyObject,
  lock: StaffLock,
  sessionId: string,
  at: number,
  json: string,
): string {
  return sign(null, relayText(lock, sessionId, at, json), key).toString('base64');
}

export function checkRelaySig(
  lock: StaffLock,
  sessionId: string,
  at: number,
  json: string,
  sig: string,
): boolean {
  return signedBy(lock, relayText(lock, sessionId, at, json), sig);
}

function signedBy(lock: StaffLock, text: Buffer, sig: string): boolean {
  try {
    const pub = createPublicKey({
      key: Buffer.from(lock.publicKey, 'base64'),
      format: 'der',
      type: 'spki',
    });
    return verify(null, text, pub, Buffer.from(sig, 'base64'));
  } catch {
    return false; // a lock or signature that is not a key or signature at all
  }
}

// Sessions created before the staff lock: a derived key sent in the login command.

/** A legacy verifier (tests of old sessions; new sessions get a `StaffLock`). */
export function makeLegacyVerifier(
  passcode: string,
  salt: Uint8Array = randomBytes(16),
): LegacyVerifier {
  const params = { N: 1 << 14, r: 8, p: 1 };
  const saltHex = Buffer.from(salt).toString('hex');
  const key = deriveLegacyKey(passcode, { salt: saltHex, ...params });
  return { salt: saltHex, verifier: sha256Hex(key), ...params };
}

/** The legacy staff key for `passcode` (hex): what an old session's login sends. */
export function deriveLegacyKey(passcode: string, v: Omit<LegacyVerifier, 'verifier'>): string {
  return stretch(passcode, v.salt, v).toString('hex');
}

export function checkLegacyKey(key: string, v: LegacyVerifier): boolean {
  const a = Buffer.from(sha256Hex(key), 'hex');
  const b = Buffer.from(v.verifier, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** An Ed25519 public key's SPKI DER prefix (RFC 8410): the 32-byte key follows. */
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');

/** Is `sigHex` the Ed25519 signature of `text` by the raw public key `keyHex`? (Phones.) */
export function checkEd25519(keyHex: string, text: string, sigHex: string): boolean {
  try {
    const key = createPublicKey({
      key: Buffer.concat([ED25519_SPKI, Buffer.from(keyHex, 'hex')]),
      format: 'der',
      type: 'spki',
    });
    return verify(null, Buffer.from(text), key, Buffer.from(sigHex, 'hex'));
  } catch {
    return false;
  }
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
