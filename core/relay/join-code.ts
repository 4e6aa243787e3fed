import { z } from 'zod';
import { RelayError, checkRelaySettings, relaySettingsSchema } from './settings';

/**
 * A join code: what a student whose laptop cannot see the room (or a TA at home) needs to
 * find it through the relay — the session's id and name and the relay with its
 * credentials. Nothing in it gives staff powers: staff log in with the passphrase, which
 * no code carries. base64url of JSON, so it survives a chat message; the link form
 * `baton://join/<code>` is the same code, and so is the part after `#` of the phone page's
 * link.
 */
const payloadSchema = z
  .object({
    v: z.literal(1),
    sid: z.string().min(1).max(64),
    sn: z.string().max(120),
    relay: relaySettingsSchema.omit({ relayOnly: true }),
  })
  .strict();

export type JoinCode = z.infer<typeof payloadSchema>;

export const JOIN_LINK_PREFIX = 'baton://join/';

export function encodeJoinCode(c: JoinCode): string {
  return Buffer.from(JSON.stringify(payloadSchema.parse(c)), 'utf8').toString('base64url');
}

/** A code, a `baton://join/…` link, or any link whose `#…` is a code. */
export function decodeJoinCode(input: string): JoinCode {
  let code = input.trim();
  if (code.startsWith(JOIN_LINK_PREFIX)) code = code.slice(JOIN_LINK_PREFIX.length);
  else if (code.includes('#')) code = code.slice(code.indexOf('#') + 1);
  const bad = new RelayError('bad-settings', 'that is not a Baton join code or link');
  if (!/^[A-Za-z0-9_-]{8,40000}$/.test(code)) throw bad;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(code, 'base64url').toString('utf8'));
  } catch {
    throw bad;
  }
  const r = payloadSchema.safeParse(parsed);
  if (!r.success) throw bad;
  try {
    checkRelaySettings(r.data.relay);
  } catch {
    throw bad;
  }
  return r.data;
}
