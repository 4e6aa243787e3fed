import type { Closing } from '../queue/closing';
import type { PeerRole } from '../session/effects';
/**
 * The shapes the App API answers with: what a copy's status, queue and network look like
 * to the UI. Types only; `contract.ts` re-exports them beside the methods and events.
 */

import type { MdnsCounters } from '../discovery/counters';

/** The engine's role of this copy (host, member, or none outside a session). */
export type Role = PeerRole;

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
  /** Staff on duty: logged in as staff on a laptop that is live right now. */
  staffOnDuty: StaffOnDuty;
  /**
   * This laptop's disk: `ok` false while it refuses writes (full, read-only); `problem`
   * says so in plain words, or that a saved file could not be read and what happens now.
   */
  storage: { ok: boolean; problem: string | null };
}

export interface StaffOnDuty {
  count: number;
  names: string[];
}

export interface SessionInfo {
  sessionId: string;
  name: string;
  hostName: string;
  memberCount: number;
}

export type EntryStatus =
  | 'waiting'
  | 'called'
  | 'helping'
  /** The TA could not find the student: the place is kept until `graceEndsAt`. */
  | 'missing'
  | 'done'
  | 'withdrawn'
  | 'removed'
  /** The grace period of a "not found" student ran out. */
  | 'notfound';

export interface EntryView {
  entryId: string;
  name: string;
  topic: string;
  location: string;
  status: EntryStatus;
  /** 1-based place in its queue's line when waiting, 0 when called, helped or missing. */
  position: number;
  queueId: string;
  tag: string | null;
  /** Host time the student stepped away (Help next skips them), else null. */
  awaySince: number | null;
  /** Host time a "not found" student's place runs out, else null. */
  graceEndsAt: number | null;
  /** A note for staff ("Back after \"not found\""), else null. */
  flag: string | null;
  /** Command id of the "Help group" call that called this student, else null. */
  group: string | null;
  /** Host time the entry finished (finished entries), else null. */
  finishedAt: number | null;
  /** A staff member's private note to this student: only on the student's own copy. */
  message: { text: string; from: string; at: number } | null;
  createdAt: number;
  /** Name of the staff member calling or helping, else null. */
  helper: string | null;
  /** Whether this copy created the entry. */
  mine: boolean;
  /** A merge note (two staff called this student during a split), shown to staff and to the student. */
  conflict: string | null;
  /** Joined online: helped over a meeting link, not at a seat. */
  online: boolean;
  /** The student's own meeting link: only to staff and the student. */
  meeting: string | null;
  /** The meeting link of the TA calling or helping (theirs), to staff and the student. */
  helperMeeting: string | null;
  /** My own visit is done and I have not given feedback on it (the UI asks within 2 h). */
  feedbackOpen: boolean;
  /** This student was helped in this queue earlier today, before joining again. */
  repeat: boolean;
  /** Staff's note for the next TA: only on staff copies' views (the student never sees it). */
  staffNote: { text: string; from: string; at: number } | null;
}

export interface QueueInfoView {
  queueId: string;
  name: string;
  open: boolean;
  tags: string[];
  /** In person, online, or both: what a student joining it chooses from. */
  mode: 'in-person' | 'online' | 'both';
  /** Students waiting in this queue. */
  waiting: number;
  /** Minutes a student waits after being helped before joining again (0: none). */
  cooldownMin: number;
  /** First come, first served ('arrival'), or students not yet helped first ('fresh'). */
  order: 'arrival' | 'fresh';
}

export interface WaitEstimateView {
  lowMs: number;
  highMs: number;
  samples: number;
}

export interface QueueView {
  /** Whether any queue is open. */
  open: boolean;
  /** Whether phones may join (staff setting, default on). */
  phones: boolean;
  /**
   * The session's staff passcode is from before staff locks (a short passcode whose login
   * could be replayed): staff are asked to choose a new passphrase.
   */
  passphraseOutdated: boolean;
  /** The session's queues (not archived), in display order. */
  queues: QueueInfoView[];
  staffOnDuty: StaffOnDuty;
  /** Session-wide staff timers, ms. */
  timers: { graceMs: number; awayLimitMs: number };
  announcement: string;
  /** Feedback after visits, for staff only: counts and comments (a name only where given). */
  feedback: FeedbackSummary | null;
  /** Closing on time, host times: when sign-ups end and the queues close; null when not set. */
  closing: Closing | null;
  /** Called and helped first, then waiting in line order. */
  entries: EntryView[];
  /** Recently finished (for staff). */
  finished: EntryView[];
  myEntryId: string | null;
  myQueueId: string | null;
  myPosition: number | null;
  myEstimate: WaitEstimateView | null;
  /** This TA's own meeting link (staff), else null. */
  myMeeting: string | null;
  /** Commands sent and not acknowledged yet ("sending…"). */
  /** `reason`: why it is taking long, when the host said (its disk is full). */
  pending: { commandId: string; method: string; reason?: string }[];
}

export interface StaffStatsView {
  helpedToday: number;
  waiting: number;
  medianWaitMs: number | null;
  medianHelpMs: number | null;
}

/** Feedback after visits, for staff: counts and comments (a name only where given; feedback.ts). */
export interface FeedbackSummary {
  resolved: number;
  partly: number;
  not: number;
  /** The comments, newest hour first: the text, the student's name if given, the hour. */
  comments: {
    outcome: 'resolved' | 'partly' | 'not';
    text: string;
    name: string | null;
    hour: number;
  }[];
}

/** This laptop's history of office hours across sessions (core/api/session-history.ts). */
export interface HistoryView {
  sessions: {
    sessionId: string;
    name: string;
    firstAt: number;
    helped: number;
    medianWaitMs: number;
  }[];
  /** heat[weekday][hour] (Monday first, local time): average students waiting. */
  heat: number[][];
  /** Helped visits per wait bucket: under 5, 10, 15, 20, 30, 45, 60 min, then longer. */
  waits: number[];
  perTa: { ta: string; helped: number }[];
}

export interface NetworkDiag {
  interfaces: {
    name: string;
    address: string;
    kind: 'wifi' | 'wired' | 'virtual' | 'loopback' | 'other';
    virtual: boolean;
    inUse: boolean;
  }[];
  inUse: { name: string; address: string; kind: string } | null;
  /** Why this interface, in plain words. */
  reason: string;
  /** auto: default route, skipping virtual ones; chosen: in Settings; fixed: --interface. */
  mode: 'auto' | 'chosen' | 'fixed';
  mdns: MdnsCounters | null;
  /** Other Baton copies heard over mDNS. */
  batonsHeard: number;
  links: {
    name: string;
    address: string;
    outbound: boolean;
    rttMs: number | null;
    lastHeartbeatAgoMs: number | null;
    /** Over the LAN, or through the relay. */
    path: 'direct' | 'relay';
    /** The member at the other end, when it is one of this session. */
    memberId: string | null;
  }[];
  /** The relay, when one is set (never its credentials). */
  relay: {
    url: string | null;
    relayOnly: boolean;
    state: 'off' | 'connecting' | 'connected' | 'reconnecting' | 'unreachable';
    server: string | null;
    rttMs: number | null;
    error: { code: string; message: string } | null;
  } | null;
  /** true when another laptop opened a link to this one (its port is reachable); else unknown. */
  reachable: boolean | null;
  /** "10.0.0.5:47001": what others type into Connect by address. */
  shareAddress: string | null;
  verdict: {
    code: string;
    level: 'ok' | 'info' | 'warn' | 'bad';
    title: string;
    evidence: string;
    next: string[];
  };
}

export interface ScanView {
  /** "10.0.0.0/24" */
  network: string;
  probed: number;
  found: { address: string; sessionId: string | null; sessionName: string | null }[];
}

export interface RecentSession {
  sessionId: string;
  name: string;
  lastAt: number;
  /** Last-known addresses of its members ("10.0.0.5:47001"), most recent first. */
  addresses: string[];
}

export interface DiagStats {
  framesIn: number;
  framesOut: number;
  framesDropped: number;
  /** Whether a late host's laptop answers: questions asked, and those nothing answered. */
  reachAsked: number;
  reachSilent: number;
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
