import { z } from 'zod';
import { EVENT_NAMES, METHOD_NAMES } from './names';

/**
 * The App API: one contract of methods and events, used by the Electron preload (IPC),
 * the headless CLI (JSON lines on stdio) and the tests. Method names are a contract:
 * keep them. Every result is `{ ok: true, value } | { ok: false, error: { code, message } }`.
 */

export type ApiError = { code: string; message: string };
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export type Role = 'host' | 'member' | 'none';

export interface MemberView {
  memberId: string;
  name: string;
  live: boolean;
}

export interface Status {
  sessionId: string | null;
  sessionName: string;
  memberId: string | null;
  name: string;
  role: Role;
  hostId: string | null;
  epoch: number;
  members: MemberView[];
  /** Successorship order, host first. */
  successors: string[];
  /** Whether this copy is logged in as staff. */
  isStaff: boolean;
  /** Whether this copy currently hears a host. */
  connected: boolean;
}

export interface SessionInfo {
  sessionId: string;
  name: string;
  hostName: string;
  memberCount: number;
}

export type EntryStatus = 'waiting' | 'called' | 'helping' | 'done' | 'withdrawn' | 'removed';

export interface EntryView {
  entryId: string;
  name: string;
  topic: string;
  location: string;
  status: EntryStatus;
  /** 1-based place in line when waiting, 0 when called or being helped. */
  position: number;
  createdAt: number;
  /** Name of the staff member calling or helping, else null. */
  helper: string | null;
  /** Whether this copy created the entry. */
  mine: boolean;
  /** A merge note for staff (two staff called this student during a split), else null. */
  conflict: string | null;
}

export interface WaitEstimateView {
  lowMs: number;
  highMs: number;
  samples: number;
}

export interface QueueView {
  open: boolean;
  announcement: string;
  /** Called and helped first, then waiting in line order. */
  entries: EntryView[];
  /** Recently finished (for staff). */
  finished: EntryView[];
  myEntryId: string | null;
  myPosition: number | null;
  myEstimate: WaitEstimateView | null;
  /** Commands sent and not acknowledged yet ("sending…"). */
  pending: { commandId: string; method: string }[];
}

export interface StaffStatsView {
  helpedToday: number;
  waiting: number;
  medianWaitMs: number | null;
  medianHelpMs: number | null;
}

const entryId = z.object({ entryId: z.string().min(1).max(64) });
const none = z.object({}).strict().optional();

/** Parameter schemas, validated at every boundary (IPC, stdio). */
export const paramsSchema = {
  status: none,
  'sessions.list': none,
  'session.create': z.object({
    name: z.string().trim().min(1, 'a session name is required').max(120),
    staffPasscode: z.string().min(4, 'the staff passcode needs at least 4 characters').max(200),
  }),
  'session.join': z.object({ sessionId: z.string().min(1).max(64) }),
  'session.connect': z.object({
    address: z.string().min(1).max(200),
    sessionId: z.string().min(1).max(64).optional(),
  }),
  'session.leave': none,
  'profile.setName': z.object({ name: z.string().trim().min(1).max(80) }),
  'prefs.get': none,
  'prefs.set': z
    .object({
      notifyCalled: z.boolean(),
      notifyJoined: z.boolean(),
      sound: z.boolean(),
      theme: z.enum(['system', 'light', 'dark']),
    })
    .partial()
    .strict(),
  'queue.get': none,
  'queue.join': z.object({
    name: z.string().trim().min(1, 'your name is required').max(80),
    topic: z.string().trim().max(200),
    location: z.string().trim().max(80),
  }),
  'queue.edit': z.object({
    entryId: z.string().min(1).max(64),
    name: z.string().trim().min(1).max(80).optional(),
    topic: z.string().trim().max(200).optional(),
    location: z.string().trim().max(80).optional(),
  }),
  'queue.withdraw': entryId,
  'queue.exportCsv': none,
  'staff.login': z.object({ passcode: z.string().min(1).max(200) }),
  'staff.logout': none,
  'staff.helpNext': none,
  'staff.help': entryId,
  'staff.start': entryId,
  'staff.done': entryId,
  'staff.requeue': z.object({
    entryId: z.string().min(1).max(64),
    position: z.union([z.literal('front'), z.literal('back'), z.number().int().min(1)]),
  }),
  'staff.remove': entryId,
  'staff.setOpen': z.object({ open: z.boolean() }),
  'staff.setAnnouncement': z.object({ text: z.string().trim().max(500) }),
  'staff.clearFinished': none,
  'staff.stats': none,
  /** Counters of this copy's network and process (benchmarks, support). */
  'diag.stats': none,
} as const;

export type Method = keyof typeof paramsSchema;
export const METHODS: readonly Method[] = METHOD_NAMES;
// Compile-time: the dependency-free name list and the schemas name the same methods.
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _methodsMatch: SameKeys<(typeof METHOD_NAMES)[number], Method> = true;
void _methodsMatch;
export type Params<M extends Method> = z.infer<(typeof paramsSchema)[M]>;

type Empty = Record<string, never>;

export interface Results {
  status: Status;
  'sessions.list': SessionInfo[];
  'session.create': { sessionId: string };
  'session.join': Empty;
  'session.connect': { sessionId: string };
  'session.leave': Empty;
  'profile.setName': Empty;
  'prefs.get': Prefs;
  'prefs.set': Prefs;
  'queue.get': QueueView;
  'queue.join': { entryId: string };
  'queue.edit': Empty;
  'queue.withdraw': Empty;
  'queue.exportCsv': { csv: string };
  'staff.login': Empty;
  'staff.logout': Empty;
  'staff.helpNext': { entryId: string };
  'staff.help': Empty;
  'staff.start': Empty;
  'staff.done': Empty;
  'staff.requeue': Empty;
  'staff.remove': Empty;
  'staff.setOpen': Empty;
  'staff.setAnnouncement': Empty;
  'staff.clearFinished': { cleared: number };
  'staff.stats': StaffStatsView;
  'diag.stats': DiagStats;
}

/** This copy's own preferences (not replicated). */
export interface Prefs {
  /** Notify (and play a sound) when my entry is called. */
  notifyCalled: boolean;
  /** Staff: notify when someone joins an empty queue. */
  notifyJoined: boolean;
  sound: boolean;
  theme: 'system' | 'light' | 'dark';
}

export const DEFAULT_PREFS: Prefs = {
  notifyCalled: true,
  notifyJoined: true,
  sound: true,
  theme: 'system',
};

export interface DiagStats {
  framesIn: number;
  framesOut: number;
  framesDropped: number;
  /** Open links to other copies. */
  links: number;
  /** Process CPU time since start, ms (user + system). */
  cpuMs: number;
  uptimeMs: number;
  rssBytes: number;
  /** JavaScript heap in use (V8), bytes. */
  heapUsedBytes: number;
  /** Where other laptops can reach this copy ("10.0.0.5:41234"), for connect by address. */
  addresses: string[];
}

export type Events = {
  /** The queue changed (or a pending command was acknowledged). */
  state: QueueView;
  role: { role: Role; hostId: string | null; epoch: number };
  members: { members: MemberView[]; successors: string[] };
  sessions: { sessions: SessionInfo[] };
  /**
   * gapMs: how long this copy was without a host. reason: 'failover' (the old host left or
   * was lost), 'failback' (hosting moved back to an earlier member), 'start' (first host seen).
   */
  hostChanged: {
    reason: 'failover' | 'failback' | 'start';
    from: string | null;
    to: string;
    epoch: number;
    gapMs: number;
    fromName: string;
    toName: string;
  };
  /** This copy's student was just called (for the notification). */
  called: { entryId: string; by: string };
  /** Someone joined an empty queue (for staff notification). */
  joinedEmpty: { entryId: string; name: string };
  /** Preferences changed. */
  prefs: Prefs;
};

export type EventName = keyof Events;
export const EVENTS: readonly EventName[] = EVENT_NAMES;
const _eventsMatch: SameKeys<(typeof EVENT_NAMES)[number], EventName> = true;
void _eventsMatch;

/** What the preload exposes and what every adapter implements. */
export interface AppApi {
  call<M extends Method>(method: M, params?: Params<M>): Promise<ApiResult<Results[M]>>;
  on<E extends EventName>(event: E, fn: (data: Events[E]) => void): () => void;
}
