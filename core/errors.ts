/**
 * Error codes, declared once: the engine's and the App API's here, an app's own beside its
 * commands (the queue's in core/queue/commands.ts); `ErrorCode` in core/api/requests.ts
 * is their union. The UI, the CLI, the phone page and scripts switch on them. Results on
 * the wire carry the code as a string (a newer copy may know more codes).
 */
export type EngineErrorCode =
  /** The sender is not a member of the session (or not on its own device). */
  | 'forbidden'
  /** Too many commands from one laptop at once; resend later. */
  | 'rate-limited'
  /** The command failed the app's schema. */
  | 'invalid'
  /** A bug: the message says what failed. Nothing was applied. */
  | 'internal'
  /** The other copy speaks another protocol version. */
  | 'version'
  /** The other copy is not in that session. */
  | 'unknown-session'
  /** A hello named another device than the one it came from. */
  | 'identity'
  /** The host left while this copy was joining, before it held the session: look again. */
  | 'host-left'
  /** Another copy refused with a code this version does not know (a newer copy): see the message. */
  | 'refused'
  /** A join was given up (timeout, user cancel). */
  | 'cancelled'
  /** The host's disk is full: the command was kept and is sent again (not an ack). */
  | 'storage-full'
  /** The host cannot write for another reason (read-only, I/O error); kept and sent again. */
  | 'storage-failed'
  /** No other copy is here to hold it (session/acks.ts): kept, and acked once one is. */
  | 'alone';

const ENGINE_CODES: Record<EngineErrorCode, true> = {
  forbidden: true,
  'rate-limited': true,
  invalid: true,
  internal: true,
  version: true,
  'unknown-session': true,
  identity: true,
  'host-left': true,
  refused: true,
  cancelled: true,
  'storage-full': true,
  'storage-failed': true,
  alone: true,
};

/**
 * A code another copy sent (a refusal, a retry ack) as one of ours: results on the wire
 * carry codes as strings, and a newer copy may know more; those become `refused`.
 */
export function engineCode(code: string): EngineErrorCode {
  return Object.hasOwn(ENGINE_CODES, code) ? (code as EngineErrorCode) : 'refused';
}

/** Why the session core dropped a frame (the `dropped` event): decoding, then the gate. */
export type DropCode =
  /** Over the frame limit, not JSON, or not a message of the protocol (codec.ts). */
  | 'too-large'
  | 'bad-json'
  | 'invalid'
  /** The gate (gate.ts): who may send what. */
  | 'not-member'
  | 'impostor'
  | 'not-host'
  | 'epoch-jump'
  | 'not-joining'
  | 'rate-limited'
  /** A member's changes no other laptop's host vouches for (certs.ts): the rest are taken. */
  | 'uncertified'
  /** A bug while handling it: nothing of it was applied. */
  | 'internal';

/** Codes of the App API itself (its requests, sessions and network). */
export type ApiErrorCode =
  | 'unknown-method'
  | 'validation'
  | 'bad-json'
  | 'too-large'
  | 'no-session'
  | 'in-session'
  | 'join-timeout'
  | 'unreachable'
  | 'unsupported'
  | 'unavailable'
  | 'scan-failed'
  | 'bad-interface'
  | 'hello-first'
  | 'no-relay'
  | 'bad-relay'
  | 'bad-code'
  | 'relay-auth'
  | 'relay-unreachable'
  | 'relay-not-nats';

/**
 * The one error type with a code, for the engine (a refused join), the App API and the
 * apps: thrown where a caller awaits, turned into `{ ok: false, error: { code, message } }`
 * at the edge.
 */
export class CodedError<C extends string = EngineErrorCode | ApiErrorCode> extends Error {
  constructor(
    readonly code: C,
    message: string,
  ) {
    super(message);
    this.name = 'CodedError';
  }
}

/** A write's errno as the code to answer with: a full disk (or quota), or another failure. */
export function storageErrorCode(errno: string | undefined): 'storage-full' | 'storage-failed' {
  return errno === 'ENOSPC' || errno === 'EDQUOT' ? 'storage-full' : 'storage-failed';
}
