import { ImmutableString } from '@automerge/automerge';

/** The classroom queue's part of the session document (`doc.app`). */

/**
 * A string as stored in the document. Automerge makes every plain string collaborative
 * text, one op per character: an entry's ids, hash and names would be hundreds of ops,
 * which made changes, sync and loading several times slower. Queue strings are never
 * edited character by character, so they are stored as ImmutableString (one op each)
 * and read back through `text()`.
 */
export type Str = string | ImmutableString;

export const imm = (s: string): ImmutableString => new ImmutableString(s);

export function text(s: Str | null | undefined): string {
  if (s === null || s === undefined) return '';
  return typeof s === 'string' ? s : s.toString();
}

export const ACTIVE_STATUSES = ['waiting', 'called', 'helping'] as const;
export const FINISHED_STATUSES = ['done', 'withdrawn', 'removed'] as const;
export type ActiveStatus = (typeof ACTIVE_STATUSES)[number];
export type FinishedStatus = (typeof FINISHED_STATUSES)[number];
export type EntryStatus = ActiveStatus | FinishedStatus;

/** One status change, keyed in `Entry.history` by the command id that made it. */
export interface Transition {
  status: EntryStatus;
  /** Host time. */
  at: number;
  /** Member id of whoever made the change (student or staff). */
  by: string;
  /** New queue order, when the change put the entry (back) in line. */
  order?: number;
}

export interface Entry {
  id: string;
  name: string;
  topic: string;
  location: string;
  /** Member id of the copy that created the entry. */
  member: string;
  /** sha256 (hex) of the owner secret only the creating copy holds. */
  ownerHash: string;
  /** Host time of the join. */
  createdAt: number;
  /** Host-assigned place in line; FIFO is ascending order, ties by id. */
  order: number;
  status: EntryStatus;
  /** Staff member helping (called or helping), else null. */
  helper: string | null;
  history: Record<string, Transition>;
  /** Set when a merge found two staff calling this student during a split; shown to staff. */
  conflict: string | null;
}

export interface PasscodeVerifier {
  /** scrypt salt, hex. */
  salt: string;
  /** sha256 (hex) of the scrypt key: the staff key itself is never stored or replicated. */
  verifier: string;
  N: number;
  r: number;
  p: number;
}

/** A transition as stored in the document (strings immutable). */
export interface StoredTransition {
  status: Str;
  at: number;
  by: Str;
  order?: number;
}

/** An entry as stored in the document: read it with `readEntry`, write it with `storeEntry`. */
export interface StoredEntry {
  id: Str;
  name: Str;
  topic: Str;
  location: Str;
  member: Str;
  ownerHash: Str;
  createdAt: number;
  order: number;
  status: Str;
  helper: Str | null;
  history: Record<string, StoredTransition>;
  conflict: Str | null;
}

export function readTransition(t: StoredTransition): Transition {
  const out: Transition = { status: text(t.status) as EntryStatus, at: t.at, by: text(t.by) };
  if (t.order !== undefined && t.order !== null) out.order = t.order;
  return out;
}

export function storeTransition(t: Transition): StoredTransition {
  const out: StoredTransition = { status: imm(t.status), at: t.at, by: imm(t.by) };
  if (t.order !== undefined) out.order = t.order;
  return out;
}

export function readEntry(e: StoredEntry): Entry {
  const history: Entry['history'] = {};
  for (const [k, t] of Object.entries(e.history ?? {})) history[k] = readTransition(t);
  return {
    id: text(e.id),
    name: text(e.name),
    topic: text(e.topic),
    location: text(e.location),
    member: text(e.member),
    ownerHash: text(e.ownerHash),
    createdAt: e.createdAt,
    order: e.order,
    status: text(e.status) as EntryStatus,
    helper: e.helper === null || e.helper === undefined ? null : text(e.helper),
    history,
    conflict: e.conflict === null || e.conflict === undefined ? null : text(e.conflict),
  };
}

export function storeEntry(e: Entry): StoredEntry {
  const history: StoredEntry['history'] = {};
  for (const [k, t] of Object.entries(e.history)) history[k] = storeTransition(t);
  return {
    id: imm(e.id),
    name: imm(e.name),
    topic: imm(e.topic),
    location: imm(e.location),
    member: imm(e.member),
    ownerHash: imm(e.ownerHash),
    createdAt: e.createdAt,
    order: e.order,
    status: imm(e.status),
    helper: e.helper === null ? null : imm(e.helper),
    history,
    conflict: e.conflict === null ? null : imm(e.conflict),
  };
}

/**
 * A finished entry in the archive: one immutable JSON string (a single Automerge op instead
 * of ≈ 40 — the archive is most of a long session's document, and a joiner's load time
 * grows with its op count). Documents written before kept the object form; both read.
 */
export type ArchivedEntry = Str | StoredEntry;

export function archiveForm(e: Entry): Str {
  return imm(JSON.stringify(e));
}

export function readArchived(raw: ArchivedEntry): Entry {
  if (typeof raw === 'string' || raw instanceof ImmutableString)
    return JSON.parse(text(raw)) as Entry;
  return readEntry(raw);
}

export interface QueueState {
  passcode: PasscodeVerifier;
  open: boolean;
  announcement: Str;
  /** Staff member id → who logged in, when. */
  staff: Record<string, { name: Str; since: number }>;
  /** Entries in line or being helped, plus recently finished ones until cleared. */
  entries: Record<string, StoredEntry>;
  /**
   * Finished entries, in small shards keyed `epoch.minute` so that no Automerge map grows
   * large (that makes every change slow) and only one host ever creates a given shard.
   */
  archive: Record<string, Record<string, ArchivedEntry>>;
  /** Last order handed out. */
  seq: number;
}
