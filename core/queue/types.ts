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

/**
 * `missing`: called, but the TA could not find the student; the entry keeps its place for
 * the session's grace period, then finishes as `notfound`.
 */
export const ACTIVE_STATUSES = ['waiting', 'called', 'helping', 'missing'] as const;
export const FINISHED_STATUSES = ['done', 'withdrawn', 'removed', 'notfound'] as const;
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
  /** The change undid a finishing one (Undo) or restored the entry from history. */
  undo?: boolean;
  /**
   * Set only when the entry already changed in this host millisecond: how many of its
   * changes came before in it, so that its history has one order (absent = 0).
   */
  tie?: number;
}

/** The queue an entry without one belongs to: the session's first queue. */
export const MAIN_QUEUE = 'main';

/** A staff member's short private note to one student. */
export interface EntryMessage {
  text: string;
  /** Member id of the staff member. */
  by: string;
  at: number;
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
  /** Which queue of the session the entry is in. */
  queue: string;
  /** The topic tag the student picked (one of the queue's tags), else null. */
  tag: string | null;
  /** Host time the student stepped away (keeps the place; Help next skips it), else null. */
  awaySince: number | null;
  /** Host time staff marked the student "not found", while status is `missing`. */
  missingSince: number | null;
  /** A note for staff ("came back after not being found"), else null. */
  flag: string | null;
  message: EntryMessage | null;
  /** Command id of the "Help group" call that called this student with others, else null. */
  group: string | null;
  /** Joined online (an online or mixed queue): helped over a meeting link, not at a seat. */
  online: boolean;
  /** The student's own meeting link (online only), else null: then the TA's is used. */
  meeting: string | null;
  /** A note for the next TA ("tried gdb; see line 40"): staff see it, the student does not. */
  staffNote: EntryMessage | null;
}

/** A queue is in person (the default), online, or both; each entry says which it is. */
export type QueueMode = 'in-person' | 'online' | 'both';

/**
 * How the document checks a staff login: a `StaffLock` (new sessions: the public half of a
 * passphrase-derived key) or a `LegacyVerifier` (sessions from before). See passcode.ts.
 */
export type PasscodeVerifier = StaffLock | LegacyVerifier;

export interface StaffLock {
  v: 2;
  /** scrypt salt, hex. */
  salt: string;
  N: number;
  r: number;
  p: number;
  /** The staff key's public half (Ed25519, SPKI DER, base64). */
  publicKey: string;
}

/**
 * A logged-in staff member. `proof` and `cmd` are the login command's proof and id: every
 * copy checks them against the session's anchored lock before it counts the member as
 * staff (staff-trust.ts). Logins in sessions from before the anchor carry neither.
 */
export interface StaffRecord {
  name: Str;
  since: number;
  proof?: Str;
  cmd?: Str;
}

export interface LegacyVerifier {
  /** scrypt salt, hex. */
  salt: string;
  /** sha256 (hex) of the scrypt key, which the login command carries. */
  verifier: string;
  N: number;
  r: number;
  p: number;
}

/**
 * A transition as stored in the document: one immutable JSON string (one Automerge op; the
 * object form written before cost five). Both forms read.
 */
export type StoredTransition = Str | LegacyTransition;

/** A transition as documents written before the compact form hold it. */
export interface LegacyTransition {
  status: Str;
  at: number;
  by: Str;
  order?: number;
  undo?: boolean;
  tie?: number;
}

/** The fields an entry is created with, stored together as one JSON string (`base`). */
export type BaseFields = Pick<
  Entry,
  'id' | 'name' | 'topic' | 'location' | 'member' | 'ownerHash' | 'createdAt' | 'order'
> & { queue?: string; tag?: string; online?: true; meeting?: string };

/**
 * An entry as stored in the document: read it with `readEntry`, write it with `storeEntry`.
 *
 * Every op an entry is written with stays in the document's history for good, and a joiner's
 * load time grows with that history (5,000 past students: 170,000 ops, 0.65 s to load). So
 * the fields an entry is created with travel as one JSON string, `base`, and a field set
 * later (an edit, a new place in line, a helper) is written beside it and wins over it;
 * a transition is one string. A join is 7 ops instead of 20, a student's whole visit 15
 * instead of 35. Split brains still merge field by field: the fields that change after
 * creation are separate keys, and each transition has its own key (its command id).
 * Documents written before (every field a key of its own, no `base`) read the same.
 */
export interface StoredEntry {
  base?: Str;
  // The legacy form's fields; in the compact form, written only once changed after creation.
  id?: Str;
  name?: Str;
  topic?: Str;
  location?: Str;
  member?: Str;
  ownerHash?: Str;
  createdAt?: number;
  order?: number;
  status: Str;
  helper?: Str | null;
  history: Record<string, StoredTransition>;
  conflict?: Str | null;
  queue?: Str;
  tag?: Str | null;
  awaySince?: number | null;
  missingSince?: number | null;
  flag?: Str | null;
  /** EntryMessage as JSON. */
  message?: Str | null;
  group?: Str | null;
  /** The meeting link, once edited after creation (else `base`'s). */
  meeting?: Str | null;
  /** EntryMessage as JSON: the staff-only note. */
  staffNote?: Str | null;
}

/**
 * A finished entry in the archive: one immutable JSON string (a single Automerge op instead
 * of ≈ 40 — the archive is most of a long session's document, and a joiner's load time
 * grows with its op count). Documents written before kept the object form; both read.
 */
export type ArchivedEntry = Str | StoredEntry;

/** One queue of the session, as stored (read it with `queuesOf`). */
export interface StoredQueue {
  name: Str;
  open: boolean;
  /** The queue's topic tags, a JSON array of strings (one op). */
  tags: Str;
  archived: boolean;
  createdAt: number;
  /** Display order of the queues. */
  rank: number;
  /** Absent: in person (every queue before online queues). */
  mode?: 'online' | 'both';
  /** Minutes a student waits after being helped before joining again (absent: none). */
  cooldownMin?: number;
  /** 'fresh': students not yet helped in it (today) first. Absent: first come, first served. */
  order?: 'fresh';
  /** When each student (entry owner) was last helped in this queue, host time (fairness.ts). */
  helped?: { [owner: string]: number };
}

/** Session-wide staff settings (absent = the defaults in `settingsOf`). */
export interface QueueSettings {
  /** How long a "not found" student keeps their place, ms. */
  graceMs: number;
  /** How long a student may be away before they move down a place per missed turn, ms. */
  awayLimitMs: number;
}

export interface QueueState {
  /** The lock the session was created with (its id is derived from it: staff-trust.ts). */
  passcode: PasscodeVerifier;
  /** Each later lock, signed by the key of the one before it (staff-trust.ts). */
  rotations?: { lock: StaffLock; sig: Str }[];
  /** Whether any queue is open (kept for copies that predate several queues). */
  open: boolean;
  /**
   * The session's queues by id. Sessions from before several queues have none: their one
   * queue (`MAIN_QUEUE`, open as `open` says) is created by the first command applied.
   */
  queues?: Record<string, StoredQueue>;
  graceMs?: number;
  awayLimitMs?: number;
  /** The session's relay, signed by the staff key (relay-setting.ts). */
  relay?: { json: Str; at: number; sig: Str };
  /** Each TA's own meeting link (member id → URL), given to the online students they call. */
  meetings?: Record<string, Str>;
  /** Set when staff turned phone joining off (absent = on). */
  phonesOff?: boolean;
  /** Feedback after a visit (feedback.ts): command id → one JSON string, apart from entries. */
  feedback?: Record<string, Str>;
  /** Entries whose student gave feedback (only that they did). */
  feedbackGiven?: Record<string, true>;
  /** Closing on time (closing.ts): host times; absent when none is set. */
  closing?: { signupsEnd: number | null; closeAt: number | null; atClose: 'keep' | 'remove' };
  /** Wrong staff passcodes per member, so a lockout outlives a host change. */
  lockouts?: Record<string, { count: number; until: number }>;
  announcement: Str;
  /** Staff member id → who logged in, when, and the login proof (staff-trust.ts). */
  staff: Record<string, StaffRecord>;
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
