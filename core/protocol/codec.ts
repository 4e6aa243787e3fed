import { MAX_FRAME_BYTES } from './version';
import { type Message, type MessageInput, messageSchema } from './messages';

/** Why a frame was dropped. Decode never throws; the caller logs and drops. */
export type DecodeError =
  | { code: 'too-large'; message: string }
  | { code: 'bad-json'; message: string }
  | { code: 'invalid'; message: string };

export type Decoded = { ok: true; message: Message } | { ok: false; error: DecodeError };

/** Encode a message as one JSON text frame. */
export function encode(msg: MessageInput): string {
  return JSON.stringify(msg);
}

/** Decode one frame into a typed message or a typed error. */
export function decode(frame: string | Uint8Array): Decoded {
  const size = typeof frame === 'string' ? Buffer.byteLength(frame) : frame.byteLength;
  if (size > MAX_FRAME_BYTES) {
    return {
      ok: false,
      error: { code: 'too-large', message: `frame of ${size} bytes exceeds ${MAX_FRAME_BYTES}` },
    };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(typeof frame === 'string' ? frame : Buffer.from(frame).toString('utf8'));
  } catch (e) {
    return { ok: false, error: { code: 'bad-json', message: (e as Error).message } };
  }
  const parsed = messageSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'unknown';
    return { ok: false, error: { code: 'invalid', message: `invalid message (${where})` } };
  }
  return { ok: true, message: parsed.data };
}

export const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
export const fromBase64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
