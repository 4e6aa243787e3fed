import { z } from 'zod';

/** Every queue command, validated at the host before it touches the document. */

const text = (max: number) => z.string().trim().max(max);
const entryId = z.string().min(1).max(64);
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const LIMITS = { name: 80, topic: 200, location: 80, announcement: 500 } as const;

export const queueCommandSchema = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('join'),
    name: text(LIMITS.name).min(1, 'a name is required'),
    topic: text(LIMITS.topic),
    location: text(LIMITS.location),
    ownerHash: hex64,
  }),
  z.object({
    op: z.literal('edit'),
    entryId,
    secret: z.string().max(128).optional(),
    name: text(LIMITS.name).min(1).optional(),
    topic: text(LIMITS.topic).optional(),
    location: text(LIMITS.location).optional(),
  }),
  z.object({ op: z.literal('withdraw'), entryId, secret: z.string().max(128).optional() }),
  z.object({ op: z.literal('login'), key: hex64, name: text(LIMITS.name) }),
  z.object({ op: z.literal('logout') }),
  z.object({ op: z.literal('helpNext') }),
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
  z.object({ op: z.literal('setOpen'), open: z.boolean() }),
  z.object({ op: z.literal('setAnnouncement'), text: text(LIMITS.announcement) }),
  z.object({ op: z.literal('clearFinished') }),
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
  | 'wrong-passcode'
  | 'too-many-attempts'
  | 'not-staff'
  | 'queue-empty'
  | 'bad-state';

export const STAFF_OPS: ReadonlySet<QueueOp> = new Set([
  'helpNext',
  'help',
  'start',
  'done',
  'requeue',
  'remove',
  'setOpen',
  'setAnnouncement',
  'clearFinished',
]);
