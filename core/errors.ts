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
  /** A join was given up (timeout, user cancel). */
  | 'cancelled'
  /** The host's disk is full: the command was kept and is sent again (not an ack). */
  | 'storage-full'
  /** The host cannot write for another reason (read-only, I/O error); kept and sent again. */
  | 'storage-failed';

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
