import { z } from 'zod';
import { MAX_COOLDOWN_MIN } from './fairness';

import { FEEDBACK_TEXT_MAX } from './feedback-rules';
export { FEEDBACK_TEXT_MAX, FEEDBACK_WINDOW_MS } from './feedback-rules';

/** How long staff can undo a Remove, Done or Not found (host time). */
export const UNDO_WINDOW_MS = 60_000;

/** Every queue command, validated at the host before it touches the document. */

/** A trimmed text field of at most `max` characters (the phone API uses the same). */
export const text = (max: number) => z.string().trim().max(max);
export const entryId = z.string().min(1).max(64);
export const queueId = z.string().min(1).max(64);
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
/** A staff lock as a command carries it (the document's `StaffLock`). */
const staffLock = z.object({
  v: z.literal(2),
  salt: z.string().regex(/^[0-9a-f]{32}$/),
  // Never cheaper than a real lock; a cost the host could not afford is refused too.
  N: z
    .number()
    .int()
    .min(1 << 17)
    .max(1 << 20),
  r: z.number().int().min(8).max(16),
  p: z.number().int().min(1).max(4),
  publicKey: z.string().regex(/^[A-Za-z0-9+/]{59}=$/, 'an Ed25519 public key, SPKI DER base64'),
});
/** The owner secret of a student's entry (only that copy holds it; staff need none). */
const secret = z.string().max(128).optional();
/**
 * A phone's proof instead of a secret: its public key (whose sha256 its entry records as
 * `ownerHash`) and its signature of this command under this command id (core/phone/wire.ts).
 */
const phoneProof = z.object({ key: hex64, sig: z.string().regex(/^[0-9a-f]{128}$/) }).optional();
/**
 * Carried for a phone: judged by the owner secret alone, never by the carrying laptop's
 * staff login (a phone talking to the TA's laptop gets no staff powers).
 */
const forPhone = z.literal(true).optional();

export const LIMITS = {
  name: 80,
  topic: 200,
  location: 80,
  announcement: 500,
  queueName: 60,
  tag: 40,
  tags: 20,
  queues: 10,
  message: 300,
  meeting: 500,
  /**
   * Active entries one laptop may hold for the phones it carries (each phone has one at a
   * time already). A lecture hall's phones spread over the room's laptops; a laptop making
   * up phone owners to fill the line stops here.
   */
  phoneEntriesPerLaptop: 60,
} as const;

/** Bounds of the staff timers, ms. */
export const TIMER_LIMITS = {
  graceMs: { min: 30_000, max: 60 * 60_000 },
  awayLimitMs: { min: 60_000, max: 120 * 60_000 },
} as const;

const tagName = text(LIMITS.tag).min(1, 'a tag needs a name');
/** A meeting link (Zoom, Meet, Teams, Jitsi…): an http(s) URL. */
export const meetingLink = z
  .string()
  .trim()
  .max(500)
  .url('a meeting link is a web address (https://…)')
  .refine((u) => /^https?:\/\//i.test(u), 'a meeting link starts with https://');
export const queueMode = z.enum(['in-person', 'online', 'both']);
/** A queue's line order: first come, first served, or students not yet helped first. */
export const lineOrder = z.enum(['arrival', 'fresh']);
/** A moment in host time (ms since 1970), within reason. */
export const hostTime = z
  .number()
  .int()
  .min(0)
  .max(2 ** 45);
const queueName = text(LIMITS.queueName).min(1, 'a queue needs a name');
/** Which queues Help next / Help group take from; omitted = every queue. */
const serving = z.array(queueId).min(1).max(LIMITS.queues).optional();

export const queueCommandSchema = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('join'),
    name: text(LIMITS.name).min(1, 'a name is required'),
    topic: text(LIMITS.topic),
    location: text(LIMITS.location),
    ownerHash: hex64,
    /** Omitted: the session's first open queue. */
    queueId: queueId.optional(),
    tag: tagName.optional(),
    /** Joining online (an online or mixed queue); omitted: the queue's own mode decides. */
    online: z.boolean().optional(),
    /** The student's own meeting link, for an online entry. */
    meeting: meetingLink.optional(),
    /**
     * A phone's entry, submitted for it by a laptop: the phone (not the laptop) is the one
     * student of this entry, so a laptop can carry several phones and its own student.
     */
    owner: z
      .string()
      .regex(/^phone:[0-9a-f]{32}$/)
      .optional(),
  }),
  z.object({
    op: z.literal('edit'),
    entryId,
    secret,
    phoneProof,
    forPhone,
    name: text(LIMITS.name).min(1).optional(),
    topic: text(LIMITS.topic).optional(),
    location: text(LIMITS.location).optional(),
    /** A tag of the entry's queue, or null to clear it. */
    tag: tagName.nullable().optional(),
    /** An online entry's meeting link, or null to clear it. */
    meeting: meetingLink.nullable().optional(),
  }),
  z.object({ op: z.literal('withdraw'), entryId, secret, phoneProof, forPhone }),
  /** The helped student's feedback on their visit (feedback.ts). */
  z.object({
    op: z.literal('feedback'),
    entryId,
    secret,
    phoneProof,
    forPhone,
    outcome: z.enum(['resolved', 'partly', 'not']),
    text: z.string().trim().max(FEEDBACK_TEXT_MAX),
    named: z.boolean(),
  }),
  /** "I'm here": a student staff could not find is back, at the front of the line. */
  z.object({ op: z.literal('here'), entryId, secret, phoneProof, forPhone }),
  z.object({ op: z.literal('away'), entryId, secret, phoneProof, forPhone }),
  z.object({ op: z.literal('back'), entryId, secret, phoneProof, forPhone }),
  /**
   * Staff login: `proof` signs this member and this command's id with the session's staff
   * key (passcode.ts); `key` is the legacy form, accepted only by sessions from before.
   */
  z.object({
    op: z.literal('login'),
    proof: z
      .string()
      .regex(/^[A-Za-z0-9+/]{86}==$/, 'an Ed25519 signature, base64')
      .optional(),
    key: hex64.optional(),
    name: text(LIMITS.name),
  }),
  /**
   * A new staff passphrase (its lock): staff only. In a session whose id anchors its lock,
   * `sig` is the current lock's key's signature of the move (passcode.ts, signRotation);
   * a session from before is upgraded without one.
   */
  z.object({
    op: z.literal('setPassphrase'),
    lock: staffLock,
    sig: z
      .string()
      .regex(/^[A-Za-z0-9+/]{86}==$/, 'an Ed25519 signature, base64')
      .optional(),
  }),
  z.object({ op: z.literal('logout') }),
  z.object({ op: z.literal('helpNext'), queueIds: serving }),
  z.object({ op: z.literal('help'), entryId }),
  z.object({ op: z.literal('start'), entryId }),
  z.object({ op: z.literal('done'), entryId }),
  z.object({
    op: z.literal('requeue'),
    entryId,
    /** Where the student goes back in line: first, last, or a 1-based position. */
    position: z.union([z.literal('front'), z.literal('back'), z.number().int().min(1)]),
  }),
  z.object({ op: z.literal('remove'), entryId }),
  z.object({ op: z.literal('cantFind'), entryId }),
  /** Finish the "not found" students whose grace period is over (host time decides). */
  z.object({ op: z.literal('expire') }),
  /** Undo the last Remove, Done or Not found of an entry, within UNDO_WINDOW_MS. */
  z.object({ op: z.literal('undo'), entryId }),
  /** Put a finished entry from history back in line at its old place. */
  z.object({ op: z.literal('restore'), entryId }),
  z.object({ op: z.literal('message'), entryId, text: text(LIMITS.message).min(1) }),
  /** A note on the entry for staff only ('' clears it): what the next TA should know. */
  z.object({ op: z.literal('staffNote'), entryId, text: text(LIMITS.message) }),
  /** Omitted queueId: every queue. */
  z.object({ op: z.literal('setOpen'), open: z.boolean(), queueId: queueId.optional() }),
  z.object({ op: z.literal('setAnnouncement'), text: text(LIMITS.announcement) }),
  /** Staff: closing on time (closing.ts); both times null clears it. Host times, ms. */
  z.object({
    op: z.literal('setClosing'),
    signupsEnd: hostTime.nullable(),
    closeAt: hostTime.nullable(),
    atClose: z.enum(['keep', 'remove']),
  }),
  /** Whether phones may join this session (every laptop serves the phone page when on). */
  z.object({ op: z.literal('setPhones'), enabled: z.boolean() }),
  z.object({
    op: z.literal('setRelay'),
    json: z.string().min(4).max(24_000),
    at: z
      .number()
      .int()
      .nonnegative()
      .max(2 ** 53),
    sig: z.string().max(200),
  }),
  z.object({ op: z.literal('clearFinished') }),
  z.object({
    op: z.literal('setTags'),
    queueId,
    tags: z
      .array(tagName)
      .max(LIMITS.tags, `at most ${LIMITS.tags} tags`)
      .refine((t) => new Set(t.map((x) => x.toLowerCase())).size === t.length, 'tags must differ'),
  }),
  z.object({ op: z.literal('helpGroup'), tag: tagName, queueIds: serving }),
  z.object({ op: z.literal('createQueue'), name: queueName, mode: queueMode.optional() }),
  z.object({ op: z.literal('setQueueMode'), queueId, mode: queueMode }),
  /** Staff: a queue's fairness rules (fairness.ts): cooldown after being helped, line order. */
  z.object({
    op: z.literal('setQueueRules'),
    queueId,
    cooldownMin: z.number().int().min(0).max(MAX_COOLDOWN_MIN),
    order: lineOrder,
  }),
  /** Staff: this TA's own meeting link for the online students they call ('' clears it). */
  z.object({ op: z.literal('setMeeting'), link: z.union([meetingLink, z.literal('')]) }),
  z.object({ op: z.literal('renameQueue'), queueId, name: queueName }),
  z.object({ op: z.literal('archiveQueue'), queueId }),
  z.object({
    op: z.literal('setTimers'),
    graceMs: z
      .number()
      .int()
      .min(TIMER_LIMITS.graceMs.min)
      .max(TIMER_LIMITS.graceMs.max)
      .optional(),
    awayLimitMs: z
      .number()
      .int()
      .min(TIMER_LIMITS.awayLimitMs.min)
      .max(TIMER_LIMITS.awayLimitMs.max)
      .optional(),
  }),
]);

export type QueueCommand = z.infer<typeof queueCommandSchema>;
export type QueueOp = QueueCommand['op'];

/** Error codes a queue command can fail with. */
export type QueueErrorCode =
  | 'validation'
  | 'closed'
  | 'already-queued'
  | 'not-owner'
  | 'unknown-entry'
  | 'unknown-queue'
  | 'wrong-passcode'
  | 'too-many-attempts'
  | 'not-staff'
  | 'no-lock'
  | 'queue-empty'
  | 'nothing-to-undo'
  | 'limit'
  | 'cooldown'
  | 'bad-state';

export const STAFF_OPS: ReadonlySet<QueueOp> = new Set([
  'helpNext',
  'help',
  'start',
  'done',
  'requeue',
  'remove',
  'cantFind',
  'undo',
  'restore',
  'message',
  'setOpen',
  'setAnnouncement',
  'setClosing',
  'setPhones',
  'setRelay',
  'setQueueMode',
  'setQueueRules',
  'setMeeting',
  'staffNote',
  'clearFinished',
  'setTags',
  'helpGroup',
  'createQueue',
  'renameQueue',
  'archiveQueue',
  'setTimers',
  'setPassphrase',
]);
