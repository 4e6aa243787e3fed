import { closingOf } from '../queue/closing';
import { memberNameIn, staffOnDuty, trustedApp } from '../api/views';
import type { Peer } from '../engine/peer';
import { type DeviceId, asDeviceId, asMemberId } from '../ids';
import { steps } from '../queue/entry-writes';
import { FEEDBACK_WINDOW_MS } from '../queue/feedback-rules';
import {
  activeEntries,
  activeQueues,
  liveEntries,
  graceEndsAt,
  waitEstimate,
  waitingEntries,
} from '../queue/selectors';
import { type QueueState, text } from '../queue/types';
import type { PhoneView } from './wire';
import { meetingOf } from '../queue/online';

/** What a laptop shows its phones: the public queue, and each phone's own entry. */

export interface PhoneRoom {
  viewFor(owner: string | null): PhoneView;
}

/** What every phone's view shares, computed once per push; `viewFor` adds its own entry. */
export function phoneRoom(
  peer: Peer<QueueState> | null,
  here: {
    name: string;
    self: string;
    device?: string;
    laptops: PhoneView['laptops'];
    now: number;
  },
): PhoneRoom | null {
  const state = trustedApp(peer);
  if (!peer || !state) return null;
  const me = peer.memberId;
  const facts = {
    me,
    ownEntries: new Set<string>(),
    isLive: (id: string) => id === me || peer.isLive(asMemberId(id)),
    memberName: (id: string) => memberNameIn(peer, id, 'a TA'),
    pending: [],
  };
  const active = activeEntries(state);
  const byOwner = new Map(active.map((e) => [e.ownerHash, e]));
  // Each phone's latest helped visit that still takes feedback (feedback.ts checks again).
  const askFeedback = new Map<string, NonNullable<PhoneView['feedbackFor']>>();
  for (const e of liveEntries(state)) {
    const done = e.status === 'done' ? steps(e).at(-1) : undefined;
    if (!done || state.feedbackGiven?.[e.id] || here.now - done.at >= FEEDBACK_WINDOW_MS) continue;
    const had = askFeedback.get(e.ownerHash);
    if (!had || had.finishedAt < done.at)
      askFeedback.set(e.ownerHash, {
        entryId: e.id,
        helper: e.helper ? facts.memberName(e.helper) : null,
        finishedAt: done.at,
      });
  }
  const queues = activeQueues(state);
  const duty = staffOnDuty(state, facts).count;
  const self = here.self;
  const laptops = here.laptops;
  const shared = {
    sessionName: peer.doc?.baton?.session?.name ?? '',
    phones: !state.phonesOff,
    via: { name: here.name, address: self, ...(here.device ? { device: here.device } : {}) },
    laptops,
    open: queues.some((q) => q.open),
    queues: queues.map((q) => ({
      queueId: q.id,
      name: q.name,
      open: q.open,
      tags: q.tags,
      mode: q.mode,
      waiting: waitingEntries(state, [q.id]).length,
    })),
    announcement: text(state.announcement),
    closing: closingOf(state),
    staffOnDuty: duty,
  };
  const firstQueue = queues.find((q) => q.open)?.id ?? queues[0]?.id;
  const waitingIn = new Map(shared.queues.map((q) => [q.queueId, q.waiting]));
  // Places and estimates once per push, not once per phone.
  const place = new Map<string, number>();
  for (const q of queues) waitingEntries(state, [q.id]).forEach((e, k) => place.set(e.id, k + 1));
  const perPlace = new Map(queues.map((q) => [q.id, waitEstimate(state, 1, duty, q.id)]));
  const name = facts.memberName;
  return {
    viewFor: (owner) => {
      const e = owner ? byOwner.get(owner) : undefined;
      const position = e ? (place.get(e.id) ?? 0) : 0;
      const one = e ? perPlace.get(e.queue) : undefined;
      return {
        ...shared,
        entry: e
          ? {
              entryId: e.id,
              name: e.name,
              topic: e.topic,
              location: e.location,
              status: e.status,
              position,
              helper: e.helper ? name(e.helper) : null,
              awaySince: e.awaySince,
              graceEndsAt: graceEndsAt(state, e),
              graceLeftMs: leftOf(graceEndsAt(state, e), here.now),
              queueName: queues.find((q) => q.id === e.queue)?.name ?? '',
              online: e.online,
              meeting: e.meeting,
              helperMeeting: e.online ? meetingOf(state, e.helper) : null,
            }
          : null,
        // The estimate is linear in the place (see waitEstimate).
        estimate:
          e && e.status === 'waiting' && one
            ? {
                lowMs: one.lowMs * position,
                highMs: one.highMs * position,
                samples: one.samples,
              }
            : null,
        waiting: waitingIn.get(e?.queue ?? firstQueue ?? '') ?? 0,
        // Asked only between visits (a phone back in line answers after this one).
        feedbackFor: !e && owner ? (askFeedback.get(owner) ?? null) : null,
      };
    },
  };
}

const leftOf = (endsAt: number | null, now: number): number | null =>
  endsAt === null ? null : Math.max(0, endsAt - now);

/**
 * The laptops of a session that serve phones, in successorship order, this one included;
 * `address` (from `addressOf`, `self` for this copy) is empty for one only the relay
 * reaches — a relayed page dials its `device`.
 */
export function phoneLaptops(
  peer: Peer<QueueState> | null,
  addressOf: (device: DeviceId, self: boolean) => string | null,
): { name: string; address: string; device: string }[] {
  const members = peer?.doc?.baton?.members ?? {};
  const order = [
    ...(peer?.successors() ?? []),
    ...Object.keys(members)
      .sort()
      .filter((id) => peer?.isLive(asMemberId(id))),
  ];
  const out: { name: string; address: string; device: string }[] = [];
  for (const id of new Set(order)) {
    const m = members[id];
    if (!m) continue;
    const address = addressOf(asDeviceId(m.deviceId), id === peer?.memberId);
    out.push({ name: memberNameIn(peer, id, m.name), address: address ?? '', device: m.deviceId });
  }
  return out;
}
