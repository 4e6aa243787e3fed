import { type PhoneCmdFields, phoneSignedText } from '../phone/wire';
import { checkEd25519, sha256Hex } from './passcode';

/** How a student's command proves it is theirs: the owner secret, or a phone's signature. */
export interface OwnerProof {
  secret?: string | undefined;
  phoneProof?: { key: string; sig: string } | undefined;
}

/**
 * Whether `cmd` comes from the student whose entry records `ownerHash`: the copy holding
 * the owner secret, or a phone whose key (its sha256 is `ownerHash`) signed exactly
 * `fields` under this command id (core/phone/wire.ts) — a phone's command captured off the
 * Wi-Fi cannot be sent again (the id is applied once), changed or reused.
 */
export function provesOwner(
  ownerHash: string,
  cmd: OwnerProof,
  commandId: string,
  fields: PhoneCmdFields,
): boolean {
  const p = cmd.phoneProof;
  if (p)
    return (
      sha256Hex(p.key) === ownerHash &&
      checkEd25519(p.key, phoneSignedText(commandId, fields), p.sig)
    );
  return cmd.secret !== undefined && sha256Hex(cmd.secret) === ownerHash;
}
