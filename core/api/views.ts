import { feedbackSummary } from '../queue/feedback';
import { closingOf } from '../queue/closing';
import { repeatIn } from '../queue/fairness';
import { meetingOf } from '../queue/online';
import { isStaffLock } from '../queue/passphrase';
import { trustedState } from '../queue/staff-trust';
import {
  graceEndsAt,
  activeEntries,
  activeQueues,
  liveEntries,
  positionOf,
  settingsOf,
  waitEstimate,
  waitingEntries,
  allEntries,
} from '../queue/selectors';
import { isActive, steps } from '../queue/entry-writes';
import type { SessionDoc } from '../replication/document';
import { type Entry, type QueueState, text } from '../queue/types';
import type { EntryView, QueueView, StaffOnDuty } from './contract';

/** Pure builders of what the App API shows, from the queue state and this copy's facts. */

export interface ViewerFacts {
  /** This copy's member id. */
  me: string | null;
  /** Entry ids this copy holds the owner secret of. */
  ownEntries: ReadonlySet<string>;
  /** Whether a member's laptop is live from here (this copy counts as live). */
  isLive(memberId: string): boolean;
  memberName(memberId: string): string;
  /** Commands sent and not acknowledged yet. */
  pending: QueueView['pending'];
}

export const EMPTY_QUEUE_VIEW: QueueView = {
  open: false,
  phones: false,
  passphraseOutdated: false,
  queues: [],
  staffOnDuty: { count: 0, names: [] },
  timers: { graceMs: 0, awayLimitMs: 0 },
  announcement: '',
  closing: null,
  myMeeting: null,
  feedback: null,
  entries: [],
  finished: [],
  myEntryId: null,
  myQueueId: null,
  myPosition: null,
  myEstimate: null,
  pending: [],
};

/** What the views read of a copy: its document and the session it created or joined. */
export interface DocFacts {
  readonly doc: SessionDoc<QueueState> | null;
  readonly sessionId: string | null;
}

/**
 * The queue state a copy holds, as it may believe it: staff only where the session's lock
 * proves them (staff-trust.ts), whoever wrote the document. Null outside a session.
 */
export function trustedApp(peer: DocFacts | null | undefined): QueueState | null {
  const state = peer?.doc?.app;
  return state?.entries && peer?.sessionId ? trustedState(state, peer.sessionId) : null;
}

/** A member's name: as staff logged in, else as the laptop joined, else `fallback`. */
export function memberNameIn(
  peer: DocFacts | null | undefined,
  id: string,
  fallback: string,
): string {
  return (
    text(trustedApp(peer)?.staff[id]?.name) || peer?.doc?.baton?.members?.[id]?.name || fallback
  );
}

/** Logged-in staff whose laptops are live right now (a login left behind does not count). */
export function staffOnDuty(state: QueueState, f: Pick<ViewerFacts, 'isLive' | 'me'>): StaffOnDuty {
  const ids = Object.keys(state.staff ?? {}).filter((id) => id === f.me || f.isLive(id));
  return { count: ids.length, names: ids.map((id) => text(state.staff[id]!.name)) };
}

/** One entry as the App API shows it. */
export function entryView(
  state: QueueState,
  e: Entry,
  f: ViewerFacts,
  live = true,
  positions?: ReadonlyMap<string, number>,
): EntryView {
  const mine = e.member === f.me || f.ownEntries.has(e.id);
  // A meeting link is for the student and staff, not the rest of the room.
  const staff = f.me !== null && state.staff?.[f.me] !== undefined;
  const sees = mine || staff;
  const s = steps(e);
  const last = s[s.length - 1];
  return {
    entryId: e.id,
    name: e.name,
    topic: e.topic,
    location: e.location,
    status: e.status,
    position: !live ? 0 : positions ? (positions.get(e.id) ?? 0) : (positionOf(state, e.id) ?? 0),
    createdAt: e.createdAt,
    helper: e.helper ? f.memberName(e.helper) : null,
    mine,
    conflict: e.conflict,
    queueId: e.queue,
    tag: e.tag,
    awaySince: e.awaySince,
    graceEndsAt: graceEndsAt(state, e),
    flag: e.flag,
    group: e.group,
    finishedAt: isFinished(e) && last ? last.at : null,
    message:
      mine && e.message
        ? { text: e.message.text, from: f.memberName(e.message.by), at: e.message.at }
        : null,
    online: e.online,
    meeting: sees ? e.meeting : null,
    helperMeeting: sees && e.online ? meetingOf(state, e.helper) : null,
    repeat: repeatIn(state, e),
    feedbackOpen: mine && e.status === 'done' && !state.feedbackGiven?.[e.id],
    staffNote:
      staff && e.staffNote
        ? { text: e.staffNote.text, from: f.memberName(e.staffNote.by), at: e.staffNote.at }
        : null,
  };
}

const isFinished = (e: Entry): boolean => !isActive(e.status);

/** The queue as one copy sees it: every queue's line, my entry, place and wait estimate. */
export function queueView(state: QueueState | null | undefined, f: ViewerFacts): QueueView {
  if (!state?.entries) return { ...EMPTY_QUEUE_VIEW, pending: f.pending };
  const duty = staffOnDuty(state, f);
  // Every position from one pass over the line (positionOf per entry was quadratic: a
  // queue of 5,000 took minutes to show).
  const positions = new Map<string, number>();
  const perQueue = new Map<string, number>();
  for (const w of waitingEntries(state)) {
    const n = (perQueue.get(w.queue) ?? 0) + 1;
    perQueue.set(w.queue, n);
    positions.set(w.id, n);
  }
  const entries = activeEntries(state).map((e) => entryView(state, e, f, true, positions));
  const active = new Set(entries.map((e) => e.entryId));
  const finished = liveEntries(state)
    .filter((e) => !active.has(e.id))
    .map((e) => entryView(state, e, f, true, positions))
    .sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0));
  const mine = entries.find((e) => e.mine) ?? null;
  const queues = activeQueues(state).map((q) => ({
    queueId: q.id,
    name: q.name,
    open: q.open,
    tags: q.tags,
    mode: q.mode,
    waiting: perQueue.get(q.id) ?? 0,
    cooldownMin: q.fairness.cooldownMin,
    order: q.fairness.order,
  }));
  return {
    open: queues.some((q) => q.open),
    phones: !state.phonesOff,
    passphraseOutdated: !isStaffLock(state.passcode),
    queues,
    staffOnDuty: duty,
    timers: settingsOf(state),
    announcement: text(state.announcement),
    closing: closingOf(state),
    entries,
    finished,
    myEntryId: mine?.entryId ?? null,
    myQueueId: mine?.queueId ?? null,
    myPosition: mine ? mine.position : null,
    myEstimate:
      mine && mine.status === 'waiting'
        ? waitEstimate(state, mine.position, duty.count, mine.queueId)
        : null,
    myMeeting: f.me !== null && state.staff?.[f.me] ? meetingOf(state, f.me) : null,
    feedback: f.me !== null && state.staff?.[f.me] ? feedbackSummary(state) : null,
    pending: f.pending,
  };
}

/** Finished entries, live and archived, newest first. */
export function historyView(state: QueueState, f: ViewerFacts, limit: number): EntryView[] {
  return allEntries(state)
    .filter(isFinished)
    .map((e) => entryView(state, e, f, false))
    .sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0))
    .slice(0, limit);
}
