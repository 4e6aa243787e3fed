/** The classroom queue's part of the session document (`doc.app`). */

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

export interface QueueState {
  passcode: PasscodeVerifier;
  open: boolean;
  announcement: string;
  /** Staff member id → who logged in, when. */
  staff: Record<string, { name: string; since: number }>;
  /** Entries in line or being helped, plus recently finished ones until cleared. */
  entries: Record<string, Entry>;
  /**
   * Finished entries, in small shards keyed `epoch.minute` so that no Automerge map grows
   * large (that makes every change slow) and only one host ever creates a given shard.
   */
  archive: Record<string, Record<string, Entry>>;
  /** Last order handed out. */
  seq: number;
}
