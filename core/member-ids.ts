import { v7 as uuidv7 } from 'uuid';
import { type MemberId, asMemberId, uuidV7Time } from './ids';
import type { Random } from './random';

/**
 * Issues member ids for a session: UUIDv7, strictly later than every id already
 * issued, even when the issuing laptop's clock is behind. A laptop with a wrong
 * clock therefore cannot jump the successorship line.
 */
export function issueMemberId(existing: Iterable<string>, nowMs: number, random: Random): MemberId {
  let max: string | undefined;
  for (const id of existing) if (max === undefined || id > max) max = id;
  const floor = max === undefined ? 0 : uuidV7Time(max);
  let msecs = Math.max(nowMs, floor);
  for (;;) {
    const id = uuidv7({ msecs, random: random.bytes(16) });
    if (max === undefined || id > max) return asMemberId(id);
    msecs += 1; // same millisecond as the latest id and lower random bits: move one ms later
  }
}
