import { z } from 'zod';
import { relaySettingsSchema } from '../relay/settings';
import {
  FEEDBACK_TEXT_MAX,
  LIMITS,
  TIMER_LIMITS,
  hostTime,
  lineOrder,
  meetingLink,
  queueMode,
} from '../queue/commands';
import { MAX_COOLDOWN_MIN } from '../queue/fairness';
export { FEEDBACK_TEXT_MAX, FEEDBACK_WINDOW_MS, UNDO_WINDOW_MS } from '../queue/commands';
import { MIN_PASSPHRASE_LENGTH, passphraseProblem } from '../queue/passphrase';

export { MIN_PASSPHRASE_LENGTH };
import { EVENT_NAMES, METHOD_NAMES } from './names';

/**
 * The App API: one contract of methods and events, used by the Electron preload (IPC),
 * the headless CLI (JSON lines on stdio) and the tests. Method names are a contract:
 * keep them. Every result is `{ ok: true, value } | { ok: false, error: { code, message } }`.
 */

/**
 * An App API error. A `validation` error names the parameter it is about in `field` (its
 * path, e.g. `staffPasscode`), and says what is wrong in words in `message`, so a UI can put
 * the message beside that field.
 */
export type ApiError = { code: string; message: string; field?: string };
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export * from './views-types';
import type {
  DiagStats,
  EntryStatus,
  EntryView,
  MemberView,
  NetworkDiag,
  QueueView,
  RecentSession,
  Role,
  ScanView,
  SessionInfo,
  StaffStatsView,
  HistoryView,
  Status,
} from './views-types';

const id64 = z.string().min(1).max(64);
const entryId = z.object({ entryId: id64 });
const none = z.object({}).strict().optional();
const tag = z.string().trim().min(1).max(LIMITS.tag);
const queueName = z.string().trim().min(1, 'a queue needs a name').max(LIMITS.queueName);
/** The queues Help next / Help group take from; omitted = every queue. */
const queueIds = z.array(id64).min(1).max(LIMITS.queues).optional();

/** A new staff passphrase: long enough that guessing it from the document is expensive. */
const passphrase = z
  .string()
  .max(200)
  .superRefine((s, c) => {
    const problem = passphraseProblem(s);
    if (problem) c.addIssue({ code: 'custom', message: problem });
  });

/** Parameter schemas, validated at every boundary (IPC, stdio). */
export const paramsSchema = {
  status: none,
  'sessions.list': none,
  'session.create': z.object({
    name: z.string().trim().min(1, 'a session name is required').max(120),
    staffPasscode: passphrase,
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
      alertAtPosition: z.number().int().min(0).max(20),
    })
    .partial()
    .strict(),
  'queue.get': none,
  'queue.join': z.object({
    name: z.string().trim().min(1, 'your name is required').max(80),
    topic: z.string().trim().max(200),
    location: z.string().trim().max(80),
    /** Which queue; omitted = the first open one. */
    queueId: id64.optional(),
    tag: tag.optional(),
    /** Joining online (an online or mixed queue); omitted: the queue's mode decides. */
    online: z.boolean().optional(),
    /** Your own meeting link, for joining online (else the TA's is used). */
    meeting: meetingLink.optional(),
  }),
  'queue.edit': z.object({
    entryId: id64,
    name: z.string().trim().min(1).max(80).optional(),
    topic: z.string().trim().max(200).optional(),
    location: z.string().trim().max(80).optional(),
    /** A tag of the entry's queue, or null to clear it. */
    tag: tag.nullable().optional(),
    meeting: meetingLink.nullable().optional(),
  }),
  'queue.withdraw': entryId,
  /** After being helped: resolved, partly or not, a line of text, and whether staff may see the name. */
  'queue.feedback': z
    .object({
      entryId: id64,
      outcome: z.enum(['resolved', 'partly', 'not']),
      text: z.string().trim().max(FEEDBACK_TEXT_MAX),
      named: z.boolean(),
    })
    .strict(),
  'queue.here': entryId,
  'queue.away': entryId,
  'queue.back': entryId,
  /** Finished entries, newest first (live and archived): what Restore can bring back. */
  'queue.history': z
    .object({ limit: z.number().int().min(1).max(1000).optional() })
    .strict()
    .optional(),
  'queue.exportCsv': none,
  'staff.login': z.object({ passcode: z.string().min(1).max(200) }),
  'staff.logout': none,
  // `current`: the passphrase in use now, which signs the move (a session from before needs none).
  'staff.setPassphrase': z.object({ passphrase, current: z.string().max(1024).optional() }),
  'staff.helpNext': z.object({ queueIds }).strict().optional(),
  'staff.help': entryId,
  'staff.start': entryId,
  'staff.done': entryId,
  'staff.requeue': z.object({
    entryId: z.string().min(1).max(64),
    position: z.union([z.literal('front'), z.literal('back'), z.number().int().min(1)]),
  }),
  'staff.remove': entryId,
  'staff.cantFind': entryId,
  'staff.undo': entryId,
  'staff.restore': entryId,
  'staff.message': z.object({
    entryId: id64,
    text: z.string().trim().min(1, 'write a message').max(LIMITS.message),
  }),
  'staff.setTags': z.object({
    queueId: id64,
    tags: z.array(tag).max(LIMITS.tags, `at most ${LIMITS.tags} tags`),
  }),
  'staff.helpGroup': z.object({ tag, queueIds }),
  'staff.createQueue': z.object({ name: queueName, mode: queueMode.optional() }),
  /** In person, online or both: new entries follow it; those in line keep theirs. */
  'staff.setQueueMode': z.object({ queueId: id64, mode: queueMode }).strict(),
  /** Fairness: minutes a student waits after being helped before joining again (0: none), and the line's order. */
  'staff.setQueueRules': z
    .object({
      queueId: id64,
      cooldownMin: z.number().int().min(0).max(MAX_COOLDOWN_MIN),
      order: lineOrder,
    })
    .strict(),
  /** A note on an entry for staff only ('' clears it). */
  'staff.note': z.object({ entryId: id64, text: z.string().trim().max(LIMITS.message) }).strict(),
  /** This TA's own meeting link for the online students they call ('' clears it). */
  'staff.setMeeting': z.object({ link: z.union([meetingLink, z.literal('')]) }).strict(),
  'staff.renameQueue': z.object({ queueId: id64, name: queueName }),
  'staff.archiveQueue': z.object({ queueId: id64 }),
  'staff.setTimers': z
    .object({
      graceMs: z.number().int().min(TIMER_LIMITS.graceMs.min).max(TIMER_LIMITS.graceMs.max),
      awayLimitMs: z
        .number()
        .int()
        .min(TIMER_LIMITS.awayLimitMs.min)
        .max(TIMER_LIMITS.awayLimitMs.max),
    })
    .partial()
    .strict(),
  /** Omitted queueId: every queue. */
  'staff.setOpen': z.object({ open: z.boolean(), queueId: id64.optional() }),
  'staff.setAnnouncement': z.object({ text: z.string().trim().max(500) }),
  /** Closing on time: sign-ups end, the queues close (host times, ms; both null clears), and what happens to those still waiting. */
  'staff.setClosing': z
    .object({
      signupsEnd: hostTime.nullable(),
      closeAt: hostTime.nullable(),
      atClose: z.enum(['keep', 'remove']),
    })
    .strict(),
  'staff.clearFinished': none,
  /** Today's figures, of one queue or (omitted) all. */
  'staff.stats': z.object({ queueId: id64.optional() }).strict().optional(),
  /** This laptop's history of office hours (session-history.ts): the pictures' numbers. */
  'stats.history': none,
  /** The same history as CSV, one row per helped visit. */
  'stats.exportHistory': none,
  /** Counters of this copy's network and process (benchmarks, support). */
  'diag.stats': none,
  /** Why nothing is found: interfaces, the one in use and why, mDNS counters, links, verdict. */
  'diag.network': none,
  /** Use this interface (a name from diag.network), or null for the automatic choice. */
  'net.setInterface': z.object({ interface: z.string().min(1).max(64).nullable() }).strict(),
  /** Probe the /24 of the interface in use on Baton's default ports (explicit, never automatic). */
  'net.scan': none,
  /** Sessions this copy has been in, with the last-known addresses of their members. */
  'sessions.recent': none,
  /** Rejoin a recent session: over mDNS if it is listed, else by its saved addresses. */
  'session.rejoin': z.object({ sessionId: z.string().min(1).max(64) }).strict(),
  /** The phone page's URL on this laptop (what the QR code encodes) and every laptop's address. */
  'session.shareLinks': none,
  /** Staff: let phones join (every laptop serves the page) or not. */
  'staff.setPhones': z.object({ enabled: z.boolean() }).strict(),
  /**
   * Staff: the session's relay, which every member then uses — signed with the staff key
   * (this run's login, or `passphrase`); null takes it away.
   */
  'staff.setRelay': z
    .object({
      relay: relaySettingsSchema.omit({ relayOnly: true }).nullable(),
      passphrase: z.string().max(1_000).optional(),
    })
    .strict(),
  /** This copy's relay (a NATS server) for laptops that cannot reach it directly; null: none. */
  'net.setRelay': z.object({ relay: relaySettingsSchema.nullable() }).strict(),
  /** A join code and link for the session, carrying the relay (needs a relay). */
  'session.joinCode': none,
  /** Join the session a join code or link names, through its relay. */
  'session.joinWithCode': z.object({ code: z.string().trim().min(1).max(40_000) }).strict(),
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
  'queue.feedback': Empty;
  'queue.here': Empty;
  'queue.away': Empty;
  'queue.back': Empty;
  'queue.history': EntryView[];
  'queue.exportCsv': { csv: string };
  'staff.login': Empty;
  'staff.logout': Empty;
  'staff.setPassphrase': Empty;
  'staff.helpNext': { entryId: string };
  'staff.help': Empty;
  'staff.start': Empty;
  'staff.done': Empty;
  'staff.requeue': Empty;
  'staff.remove': Empty;
  'staff.cantFind': Empty;
  /** What the entry went back to. */
  'staff.undo': { status: EntryStatus };
  'staff.restore': { status: EntryStatus };
  'staff.message': Empty;
  'staff.setTags': Empty;
  'staff.helpGroup': { entryIds: string[] };
  'staff.createQueue': { queueId: string };
  'staff.setQueueMode': Empty;
  'staff.setQueueRules': Empty;
  'staff.setMeeting': Empty;
  'staff.note': Empty;
  'staff.renameQueue': Empty;
  'staff.archiveQueue': Empty;
  'staff.setTimers': { graceMs: number; awayLimitMs: number };
  'staff.setOpen': Empty;
  'staff.setAnnouncement': Empty;
  'staff.setClosing': Empty;
  'staff.clearFinished': { cleared: number };
  'staff.stats': StaffStatsView;
  'stats.history': HistoryView;
  'stats.exportHistory': { csv: string };
  'diag.stats': DiagStats;
  'diag.network': NetworkDiag;
  'net.setInterface': NetworkDiag;
  'net.scan': ScanView;
  'sessions.recent': RecentSession[];
  'session.rejoin': { sessionId: string; via: string };
  'session.shareLinks': { phoneUrl: string; addresses: string[]; qrSvg: string };
  'staff.setPhones': Empty;
  'staff.setRelay': Empty;
  'net.setRelay': NonNullable<NetworkDiag['relay']>;
  'session.joinCode': {
    code: string;
    link: string;
    relay: string;
    /** The static phone page with the code, where the relay has a page and a WebSocket listener. */
    phoneLink: string | null;
    phoneQrSvg: string | null;
  };
  'session.joinWithCode': { sessionId: string };
}

/** This copy's own preferences (not replicated). */
export interface Prefs {
  /** Notify (and play a sound) when my entry is called. */
  notifyCalled: boolean;
  /** Staff: notify when someone joins an empty queue. */
  notifyJoined: boolean;
  sound: boolean;
  theme: 'system' | 'light' | 'dark';
  /** Student: also alert me when I reach this place in line (0 = only when called). */
  alertAtPosition: number;
}

export const DEFAULT_PREFS: Prefs = {
  notifyCalled: true,
  notifyJoined: true,
  sound: true,
  theme: 'system',
  alertAtPosition: 2,
};

export type Events = {
  /** The queue changed (or a pending command was acknowledged). */
  state: QueueView;
  role: { role: Role; hostId: string | null; epoch: number };
  members: { members: MemberView[]; successors: string[] };
  /** What `status` answers, whenever any of it changed (role, host reachability, liveness). */
  status: Status;
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
  /** Staff could not find this copy's student: "I'm here" before graceEndsAt (host time). */
  cantFind: { entryId: string; graceEndsAt: number };
  /** This copy's student reached `position` (the `alertAtPosition` preference). */
  upNext: { entryId: string; position: number };
  /** A staff member sent this copy's student a private note. */
  message: { entryId: string; text: string; from: string };
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
