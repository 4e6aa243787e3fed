import { z } from 'zod';
import { MAX_EPOCH } from './version';
import { asCommandId, asDeviceId, asMemberId, asSessionId } from '../ids';

// Every wire message, declared once. PROTOCOL.md beside this file gives the grammar.

// Ids are branded here, once, as a frame is decoded: the engine never casts one.
const memberId = z.string().min(1).max(64).transform(asMemberId);
const deviceId = z.string().min(1).max(64).transform(asDeviceId);
const sessionId = z.string().min(1).max(64).transform(asSessionId);
const commandId = z.string().min(1).max(64).transform(asCommandId);
const heads = z.array(z.string().regex(/^[0-9a-f]{64}$/)).max(256);
const epoch = z.number().int().nonnegative().max(MAX_EPOCH);
const errorInfo = z.object({ code: z.string().max(64), message: z.string().max(1000) });

const base64 = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/);

/** First frame on every WebSocket link, both ways: who is at each end. */
export const linkSchema = z.object({
  type: z.literal('link'),
  v: z.number().int(),
  deviceId,
  /** The device's Ed25519 public key (SPKI DER, base64); the device id is derived from it. */
  key: base64(200),
  /** A fresh challenge: the other side signs it in its `proof`. */
  nonce: base64(64),
  /** The sender's listening port, so the other side can connect back. */
  port: z.number().int().min(0).max(65535),
  /** The session the sender is in, if any (for "connect by address"). */
  sid: z.string().max(64).nullable().optional(),
});

/** Second frame each way: the signature of the other side's nonce and both device ids. */
export const proofSchema = z.object({ type: z.literal('proof'), sig: base64(200) });

export const helloSchema = z.object({
  type: z.literal('hello'),
  v: z.number().int(),
  sessionId,
  deviceId,
  memberId: memberId.nullable(),
  name: z.string().max(200),
  eligible: z.boolean(),
});

export const welcomeSchema = z.object({
  type: z.literal('welcome'),
  sessionId,
  memberId,
  hostId: memberId,
  epoch,
});

export const refuseSchema = z.object({ type: z.literal('refuse'), error: errorInfo });

export const heartbeatSchema = z.object({
  type: z.literal('hb'),
  from: memberId,
  epoch,
  role: z.enum(['host', 'member']),
  hostId: memberId.nullable(),
  seq: z.number().int().nonnegative(),
  /** Last `seq` the sender received from the recipient, or -1. */
  echo: z.number().int().min(-1),
  /** How long ago the sender last heard its host, or null. */
  hostAgoMs: z.number().nonnegative().nullable(),
  eligible: z.boolean(),
  heads,
  /** Member: the heads a certificate it keeps from this host vouches for; acks count these (certs.ts). */
  vouched: heads.optional(),
  /** Host only: bitmaps over the member order (base64) of who is live and who may host. */
  live: z.string().max(400).optional(),
  elig: z.string().max(400).optional(),
});

/**
 * A host's signature over the heads it held in a term: every change up to them is one it
 * made or took (certs.ts). Members keep the latest per term and show them when they send a
 * host changes it lacks; the signer's public key rides along (its hash is its device id).
 */
export const headsCertSchema = z.object({
  epoch,
  by: memberId,
  heads: heads.min(1),
  key: base64(200),
  sig: base64(200),
});

export const syncSchema = z.object({
  type: z.literal('sync'),
  from: memberId,
  epoch,
  /** Automerge sync message, base64. */
  data: z.string().max(32 * 1024 * 1024),
  /** From a host: its certificate of the heads it holds. */
  cert: headsCertSchema.optional(),
  /** From a member whose message carries changes: the certificates it holds. */
  certs: z.array(headsCertSchema).max(16).optional(),
});

/** The whole document (Automerge.save, base64), sent once to a joiner with an empty replica. */
export const snapshotSchema = z.object({
  type: z.literal('snapshot'),
  from: memberId,
  epoch,
  data: z.string().max(24 * 1024 * 1024),
  cert: headsCertSchema.optional(),
  /** To a member holding changes the host refused: replace the document with this one. */
  rebase: z.boolean().optional(),
});

/**
 * Host → members in step: the changes since `base` (Automerge changes, base64), the same
 * frame for each of them. A member without `base` asks for a sync instead.
 */
export const changesSchema = z.object({
  type: z.literal('changes'),
  from: memberId,
  epoch,
  base: heads,
  data: z.array(z.string().max(16 * 1024 * 1024)).max(100_000),
  cert: headsCertSchema.optional(),
});

export const haveSchema = z.object({
  type: z.literal('have'),
  from: memberId,
  epoch,
  heads,
  /** The heads a certificate it keeps from this host vouches for; acks count these (certs.ts). */
  vouched: heads.optional(),
  /** The member lacked a broadcast's base: sync it. */
  behind: z.boolean().optional(),
});

export const commandSchema = z.object({
  type: z.literal('cmd'),
  from: memberId,
  id: commandId,
  body: z.unknown(),
});

export const ackSchema = z.object({
  type: z.literal('ack'),
  id: commandId,
  epoch,
  /** Not acknowledged: the host could not make it durable (`storage-full`); send it again. */
  retry: z.boolean().optional(),
  /** Copies that held the change when it was acknowledged, the host included (absent on a repeat). */
  held: z.number().int().min(1).max(100_000).optional(),
  result: z.union([
    z.object({ ok: z.literal(true), value: z.unknown() }),
    z.object({ ok: z.literal(false), error: errorInfo }),
  ]),
});

/** A command reached a copy that does not host: resend it to `hostId`. */
export const notHostSchema = z.object({
  type: z.literal('not-host'),
  id: commandId,
  hostId: memberId.nullable(),
  epoch,
});

/** A joiner asked a member: ask the host instead (`hostDevice`: where it runs, if known). */
export const redirectSchema = z.object({
  type: z.literal('redirect'),
  sessionId,
  hostId: memberId.nullable(),
  hostDevice: deviceId.nullable(),
  epoch,
});

export const handoverSchema = z.object({
  type: z.literal('handover'),
  from: memberId,
  epoch,
  to: memberId,
  /** The old host is leaving (not a failback): receivers count it gone at once. */
  leaving: z.boolean().optional(),
});

export const leaveSchema = z.object({ type: z.literal('leave'), from: memberId, epoch });

export const messageSchema = z.discriminatedUnion('type', [
  linkSchema,
  proofSchema,
  helloSchema,
  welcomeSchema,
  refuseSchema,
  heartbeatSchema,
  syncSchema,
  snapshotSchema,
  haveSchema,
  changesSchema,
  commandSchema,
  ackSchema,
  notHostSchema,
  redirectSchema,
  handoverSchema,
  leaveSchema,
]);

/** A decoded message: ids branded. */
export type Message = z.infer<typeof messageSchema>;
/** A message as written (plain strings for ids): what `encode` takes. */
export type MessageInput = z.input<typeof messageSchema>;
export type Link = z.infer<typeof linkSchema>;
export type Hello = z.infer<typeof helloSchema>;
export type Welcome = z.infer<typeof welcomeSchema>;
export type Heartbeat = z.infer<typeof heartbeatSchema>;
export type SyncMsg = z.infer<typeof syncSchema>;
export type HeadsCert = z.infer<typeof headsCertSchema>;
export type Snapshot = z.infer<typeof snapshotSchema>;
export type Have = z.infer<typeof haveSchema>;
export type Changes = z.infer<typeof changesSchema>;
export type CommandMsg = z.infer<typeof commandSchema>;
export type Ack = z.infer<typeof ackSchema>;
export type NotHost = z.infer<typeof notHostSchema>;
export type Redirect = z.infer<typeof redirectSchema>;
export type Handover = z.infer<typeof handoverSchema>;
export type Leave = z.infer<typeof leaveSchema>;
