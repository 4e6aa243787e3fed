import type { Closing } from '../queue/closing';
import nacl from 'tweetnacl';
import { PROTOCOL_VERSION } from '../protocol/version';

/**
 * The phone API's frames from a laptop to a phone, and the sealing both ends share: the
 * phone page (renderer/phone/) uses this file alone from core/. Frames from the phone are
 * in protocol.ts, validated with zod.
 */

/** Feedback's limits (the phone's feedback command, and both student pages, use them). */
export { FEEDBACK_TEXT_MAX, FEEDBACK_WINDOW_MS } from '../queue/feedback-rules';

/** What a laptop pushes to a phone after every change (and on hello). */
export interface PhoneView {
  sessionName: string;
  /** Phone joining is on for the session. */
  phones: boolean;
  /** The laptop this phone talks to now (`device`: its id, for pages that come through the relay). */
  via: { name: string; address: string; device?: string };
  /**
   * Every laptop that serves phones, in successorship order: where to go next. `address`
   * is empty for a laptop only the relay reaches; `device` is what a relayed page dials.
   */
  laptops: { name: string; address: string; device?: string }[];
  open: boolean;
  queues: {
    queueId: string;
    name: string;
    open: boolean;
    tags: string[];
    mode: 'in-person' | 'online' | 'both';
    waiting: number;
  }[];
  announcement: string;
  /** Closing on time (host times), as QueueView's; absent from older laptops. */
  closing?: Closing | null;
  staffOnDuty: number;
  /** This phone's entry, if it has one in line or being helped. */
  entry: {
    entryId: string;
    name: string;
    topic: string;
    location: string;
    status: string;
    position: number;
    helper: string | null;
    awaySince: number | null;
    graceEndsAt: number | null;
    /** While "not found": how long the place is kept, from when this view was sent (ms; the
     *  page counts down from its arrival, so its own clock never matters). */
    graceLeftMs: number | null;
    queueName: string;
    online: boolean;
    meeting: string | null;
    /** The calling TA's meeting link (online entries). */
    helperMeeting: string | null;
  } | null;
  estimate: { lowMs: number; highMs: number; samples: number } | null;
  /** Waiting in this phone's queue (or the first one). */
  waiting: number;
  /**
   * This phone's last visit, helped and still taking feedback (core/queue/feedback.ts);
   * absent from older laptops.
   */
  feedbackFor?: { entryId: string; helper: string | null; finishedAt: number } | null;
}

export type LaptopFrame =
  /** The laptop's first frame, in clear: its box key (base64) for this connection. */
  | { t: 'key'; key: string }
  | { t: 'state'; view: PhoneView }
  | { t: 'result'; cid: string; ok: true; value: unknown }
  | { t: 'result'; cid: string; ok: false; error: { code: string; message: string } }
  | { t: 'hb' }
  | { t: 'leaving' }
  | { t: 'off'; message: string }
  | { t: 'error'; code: string; message: string };

/** What a phone sends (the laptop validates it with protocol.ts). */
export type PhoneOut =
  | { t: 'hello'; key: string }
  | { t: 'ping' }
  | { t: 'cmd'; cid: string; cmd: PhoneCmdFields; sig: string };

/** A phone command's fields (protocol.ts has the schema). */
export interface PhoneCmdFields {
  m: string;
  entryId?: string;
  name?: string;
  topic?: string;
  location?: string;
  queueId?: string;
  tag?: string;
  /** Join only (not signed: a join is the phone's own by its key hash). */
  online?: boolean;
  meeting?: string;
  /** Feedback only (signed, after the others). */
  outcome?: string;
  text?: string;
  named?: boolean;
}

/**
 * What a phone signs for one command (with the Ed25519 key whose public half its hello
 * named, and its entry records): the command id and every field, in a fixed order. The
 * host checks it against the command it applies, under that command id, which it applies
 * once — so a command captured off the Wi-Fi cannot be sent again, changed or reused.
 */
export function phoneSignedText(cid: string, c: PhoneCmdFields): string {
  const f = (v: string | undefined): string | null => (v === undefined ? null : v);
  const fields: (string | boolean | null)[] = [
    'baton phone',
    cid,
    c.m,
    f(c.entryId),
    f(c.name),
    f(c.topic),
    f(c.location),
    f(c.queueId),
    f(c.tag),
  ];
  // Feedback's own fields follow (the other commands' texts are as before).
  if (c.m === 'feedback') fields.push(f(c.outcome), f(c.text), c.named ?? null);
  return JSON.stringify(fields);
}

// Sealing. Phones speak plain HTTP (a browser cannot check a laptop's self-signed
// certificate), so every frame after the laptop's `key` is a NaCl box (tweetnacl:
// X25519 + XSalsa20-Poly1305, a fresh random nonce per frame) between the phone's key for
// this connection and the laptop's: a capture of the Wi-Fi reads no name, topic or seat.
// An active man in the middle, who can serve another page, is beyond it (SECURITY.md).

export interface BoxKeys {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

export const newBoxKeys = (): BoxKeys => nacl.box.keyPair();

export const toBase64 = (b: Uint8Array): string => btoa(String.fromCharCode(...b));

export function fromBase64(s: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** `text` sealed from `me` to the key `to`, as one frame. */
export function seal(text: string, to: Uint8Array, me: BoxKeys): string {
  const n = nacl.randomBytes(nacl.box.nonceLength);
  const box = nacl.box(new TextEncoder().encode(text), n, to, me.secretKey);
  return JSON.stringify({
    t: 'sealed',
    from: toBase64(me.publicKey),
    n: toBase64(n),
    box: toBase64(box),
  });
}

/** A sealed frame opened with `me`'s key: its text and sender key, or why not. */
export function unseal(
  raw: string,
  me: BoxKeys,
): { ok: true; text: string; from: Uint8Array } | { ok: false; code: string; message: string } {
  let f: unknown;
  try {
    f = JSON.parse(raw);
  } catch {
    return { ok: false, code: 'bad-json', message: 'not JSON' };
  }
  const o = (f ?? {}) as { t?: unknown; from?: unknown; n?: unknown; box?: unknown };
  const bad = {
    ok: false as const,
    code: 'validation',
    message: 'frames are sealed to the laptop (t: sealed)',
  };
  if (
    o.t !== 'sealed' ||
    typeof o.from !== 'string' ||
    typeof o.n !== 'string' ||
    typeof o.box !== 'string'
  )
    return bad;
  const from = fromBase64(o.from);
  const n = fromBase64(o.n);
  const box = fromBase64(o.box);
  if (
    !from ||
    from.length !== nacl.box.publicKeyLength ||
    !n ||
    n.length !== nacl.box.nonceLength ||
    !box
  )
    return bad;
  const open = nacl.box.open(box, n, from, me.secretKey);
  if (!open) return { ok: false, code: 'validation', message: 'a sealed frame that does not open' };
  return { ok: true, text: new TextDecoder().decode(open), from };
}

/** NATS subjects of the relay start with this (core/relay/relay.ts; the phone page's relay-link.ts). */
export const RELAY_PREFIX = `baton.${PROTOCOL_VERSION}`;
