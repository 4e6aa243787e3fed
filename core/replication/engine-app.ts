import type { CommandId, MemberId } from '../ids';
import type { Result } from '../result';

/** What the engine tells an app about the command it applies. */
export interface ApplyContext {
  /** The session this copy is in (as it created or joined it: not the document's word). */
  sessionId: string;
  commandId: CommandId;
  /** The member that sent the command (as the transport authenticated it). */
  sender: MemberId;
  /** Host time of the apply; hosts order changes, so this is the authoritative time. */
  now: number;
  epoch: number;
}

/**
 * An app on the engine: it owns `doc.app` and applies validated commands to it.
 * `apply` runs inside an Automerge change on the host only; returning an error
 * rolls the change back. Effects must be keyed by the command id (or by ids
 * derived from it), so that the same command applied on both sides of a healed
 * partition merges into one effect.
 */
export interface App<S, V = unknown> {
  /** Initial app state written when a session is created. */
  init(): S;
  /**
   * `state` is the live draft (write through it); `view` is the same state before the
   * change as plain objects. Read from `view`: every read through the draft crosses into
   * Automerge's wasm and costs microseconds, which adds up to milliseconds per command.
   */
  apply(state: S, command: unknown, ctx: ApplyContext, view: S): Result<V>;
  /**
   * Optional: runs on the host inside the change that anchors a merge of another
   * side's changes (a healed partition). It may resolve conflicts the merge exposed,
   * deterministically, and record them so users see them. `view` is the state before the
   * change as plain objects, as in `apply`: read from it.
   */
  reconcile?(state: S, ctx: { now: number; epoch: number }, view: S): void;
  /**
   * Optional: the members the app would rather see host (the queue: its logged-in staff,
   * as the session's lock proves them). They come first in the successorship order,
   * earliest id first; then everyone else, earliest id first. `read(path)` gives the
   * value at `path` under `doc.app` as plain data, straight from the document's core (it
   * runs on every state change: read only the small parts this needs). `sessionId` is the
   * session this copy created or joined.
   */
  preferredHosts?(read: (path: readonly string[]) => unknown, sessionId: string): string[];
}
