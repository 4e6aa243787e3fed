import { createHash } from 'node:crypto';
import {
  STAFF_KDF,
  checkLoginProof,
  deriveLegacyKey,
  loginProof,
  makeStaffLock,
  opens,
  staffKey,
} from '../../core/queue/passcode';
import { percentile } from './stats';

/**
 * What a staff login costs the laptop it is typed on (the key derivation, the local check,
 * the signature) and the host (one signature check), against the login before staff locks
 * (scrypt at N = 2^14, the derived key sent) in the same run. The goal: ≤ 1 s on 2 cores.
 * The same derivation is what one offline guess costs an attacker holding the document.
 */
export function benchLogin(runs = 5): string[] {
  const lock = makeStaffLock('a long staff passphrase', undefined, STAFF_KDF);
  const legacy = { salt: lock.salt, N: 1 << 14, r: 8, p: 1 };
  const now: number[] = [];
  const before: number[] = [];
  const check: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    const key = staffKey('a long staff passphrase', lock);
    if (!opens(key, lock)) throw new Error('the lock did not open');
    const proof = loginProof(key, lock, 'member', `cmd-${i}`);
    now.push(performance.now() - t);
    t = performance.now();
    if (!checkLoginProof(lock, 'member', `cmd-${i}`, proof)) throw new Error('bad proof');
    check.push(performance.now() - t);
    t = performance.now();
    createHash('sha256').update(deriveLegacyKey('a long staff passphrase', legacy)).digest();
    before.push(performance.now() - t);
  }
  const p50 = (xs: number[]): number => percentile(xs, 50);
  return [
    'Staff login (this laptop: derive, check, sign; goal ≤ 1 s)',
    `  now (scrypt N=2^17, r=8, Ed25519): p50 ${p50(now).toFixed(0)} ms, max ${Math.max(...now).toFixed(0)} ms`,
    `  before (scrypt N=2^14, r=8): p50 ${p50(before).toFixed(0)} ms — an offline guess costs ${(p50(now) / p50(before)).toFixed(1)}× as much`,
    `  the host's check of a proof: p50 ${p50(check).toFixed(2)} ms`,
  ];
}
