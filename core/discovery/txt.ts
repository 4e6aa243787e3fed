import { z } from 'zod';
import { PROTOCOL_VERSION } from '../protocol/version';

/**
 * The static TXT record of a Baton copy: v (protocol), sid (session id), sn (session
 * name), mid (member id), did (device id). Static because bonjour-service cannot update
 * a TXT record in place: a change is an unpublish and a new publish. Every value is kept
 * well under the 255-byte limit of one key=value string.
 */
export const txtSchema = z.object({
  v: z.coerce.number().int(),
  sid: z.string().max(64).default(''),
  sn: z.string().max(120).default(''),
  mid: z.string().max(64).default(''),
  did: z.string().min(1).max(64),
  /** Display name of the copy. */
  n: z.string().max(80).default(''),
});

export type Txt = z.infer<typeof txtSchema>;

export function makeTxt(t: Omit<Txt, 'v'>): Record<string, string> {
  const clip = (s: string, bytes: number): string => {
    let out = s;
    while (Buffer.byteLength(out) > bytes) out = out.slice(0, -1);
    return out;
  };
  return {
    v: String(PROTOCOL_VERSION),
    sid: t.sid,
    sn: clip(t.sn, 120),
    mid: t.mid,
    did: t.did,
    n: clip(t.n, 80),
  };
}

/** Parse a TXT record seen on the network; junk gives an error string, never a throw. */
export function parseTxt(raw: unknown): { ok: true; txt: Txt } | { ok: false; error: string } {
  if (!raw || typeof raw !== 'object') return { ok: false, error: 'no TXT record' };
  const flat: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    flat[k] = Buffer.isBuffer(v) ? v.toString('utf8') : v;
  }
  const r = txtSchema.safeParse(flat);
  if (!r.success) {
    const i = r.error.issues[0];
    return { ok: false, error: i ? `${i.path.join('.')}: ${i.message}` : 'invalid TXT' };
  }
  return { ok: true, txt: r.data };
}
