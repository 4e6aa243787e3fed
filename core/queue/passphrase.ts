import type { PasscodeVerifier, StaffLock } from './types';

/** The rules of a staff passphrase, pure (the renderer shows them too); the keys are in passcode.ts. */

export const MIN_PASSPHRASE_LENGTH = 10;

/** Why a passphrase cannot be used, or null. */
export function passphraseProblem(passphrase: string): string | null {
  const n = [...passphrase.normalize('NFC')].length;
  return n < MIN_PASSPHRASE_LENGTH
    ? `the staff passphrase needs at least ${MIN_PASSPHRASE_LENGTH} characters`
    : null;
}

/** A session's lock (new) rather than a verifier from before staff locks. */
export const isStaffLock = (v: PasscodeVerifier): v is StaffLock =>
  (v as StaffLock).v === 2 && typeof (v as StaffLock).publicKey === 'string';
