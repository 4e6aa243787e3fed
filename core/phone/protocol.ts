import { z } from 'zod';
import { UUID_V7 } from '../ids';
import { FEEDBACK_TEXT_MAX, LIMITS, entryId, meetingLink, queueId, text } from '../queue/commands';

/**
 * The phone API: JSON frames between a phone's page and any laptop of the session, on
 * that laptop's peer port at /phone. A phone has student powers only: join, edit, withdraw,
 * step away and back, "I'm here", feedback on its visit, and the public view of the queue.
 */

/** One frame from a phone is small: anything bigger is closed with 1009. */
export const PHONE_MAX_FRAME = 4 * 1024;
/** The same frame sealed (base64 and the box's overhead around it). */
export const PHONE_MAX_SEALED = 6 * 1024;

const publicKey = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "the phone's Ed25519 public key, 64 hex digits");
const signature = z.string().regex(/^[0-9a-f]{128}$/, 'an Ed25519 signature, 128 hex digits');

/** The phone's commands; `cid` is its own UUIDv7, so a resubmission applies once. */
export const phoneCommandSchema = z.discriminatedUnion('m', [
  z.object({
    m: z.literal('join'),
    name: text(LIMITS.name).min(1, 'your name is required'),
    topic: text(LIMITS.topic),
    location: text(LIMITS.location),
    queueId: queueId.optional(),
    tag: text(LIMITS.tag).min(1).optional(),
    online: z.boolean().optional(),
    meeting: meetingLink.optional(),
  }),
  z.object({
    m: z.literal('edit'),
    entryId,
    name: text(LIMITS.name).min(1).optional(),
    topic: text(LIMITS.topic).optional(),
    location: text(LIMITS.location).optional(),
  }),
  z.object({ m: z.literal('withdraw'), entryId }),
  z.object({ m: z.literal('away'), entryId }),
  z.object({ m: z.literal('back'), entryId }),
  z.object({ m: z.literal('here'), entryId }),
  /** After being helped (core/queue/feedback.ts); `text` as signed (the page trims it). */
  z.object({
    m: z.literal('feedback'),
    entryId,
    outcome: z.enum(['resolved', 'partly', 'not']),
    text: z.string().max(FEEDBACK_TEXT_MAX),
    named: z.boolean(),
  }),
]);
export type PhoneCommand = z.infer<typeof phoneCommandSchema>;

export const phoneFrameSchema = z.discriminatedUnion('t', [
  /** Who this phone is: the public half of its key (the private half never leaves the page). */
  z.object({ t: z.literal('hello'), key: publicKey }),
  z.object({
    t: z.literal('cmd'),
    cid: z.string().regex(UUID_V7, 'cid: a UUIDv7'),
    cmd: phoneCommandSchema,
    /** The phone's signature of `phoneSignedText(cid, cmd)` (wire.ts). */
    sig: signature,
  }),
  z.object({ t: z.literal('ping') }),
]);
export type PhoneFrame = z.infer<typeof phoneFrameSchema>;

/** Parse one frame from a phone; junk gives a clear error, never a throw. */
export function decodePhoneFrame(
  raw: string,
): { ok: true; frame: PhoneFrame } | { ok: false; code: string; message: string } {
  if (raw.length > PHONE_MAX_FRAME)
    return { ok: false, code: 'too-large', message: `frames are at most ${PHONE_MAX_FRAME} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, code: 'bad-json', message: 'not JSON' };
  }
  const r = phoneFrameSchema.safeParse(json);
  if (r.success) return { ok: true, frame: r.data };
  const i = r.error.issues[0];
  const isMethod = i?.path.join('.') === 'cmd.m' || i?.path.join('.') === 't';
  return {
    ok: false,
    code: isMethod ? 'unknown-method' : 'validation',
    message: i ? `${i.path.join('.') || 'frame'}: ${i.message}` : 'invalid frame',
  };
}

export type { LaptopFrame, PhoneView } from './wire';
