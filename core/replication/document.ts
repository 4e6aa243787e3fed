import * as Automerge from '@automerge/automerge';
import type { DeviceId, MemberId } from '../ids';

/** One session's replicated state: the engine's part and the app's part. */
export interface SessionDoc<S> {
  baton: {
    session: { id: string; name: string; createdAt: number };
    /** memberId → member record. The sorted keys are the successorship order. */
    members: Record<string, MemberRecord>;
    /**
     * Epoch → bucket → command id → JSON result, for idempotency across retries and
     * failovers. Buckets (see `commandBucket`) because an Automerge map gets slower to
     * change as it grows (≈ 12 ms per insert at 5,000 keys) and a map of small maps does
     * not. The epoch level because only that epoch's host ever creates those maps: two
     * hosts of a split brain creating the same key would conflict, and Automerge would
     * show only one of the two maps after the merge.
     */
    cmds: Record<string, Record<string, Record<string, string | Automerge.ImmutableString>>>;
    /** Epoch → who hosted it and since when (written when a term starts). */
    terms: Record<string, { host: string; at: number }>;
  };
  app: S;
}

export interface MemberRecord {
  name: string;
  deviceId: string;
  admittedAt: number;
}

export function createSessionDoc<S>(
  session: { id: string; name: string; createdAt: number },
  creator: { memberId: MemberId; deviceId: DeviceId; name: string },
  app: S,
  actor: string,
): Automerge.Doc<SessionDoc<S>> {
  const doc = Automerge.init<SessionDoc<S>>({ actor });
  return Automerge.change(doc, { time: Math.floor(session.createdAt / 1000) }, (d) => {
    d.baton = {
      session: { ...session },
      members: {
        [creator.memberId]: {
          name: creator.name,
          deviceId: creator.deviceId,
          admittedAt: session.createdAt,
        },
      },
      cmds: {},
      terms: {},
    };
    d.app = app;
  });
}

/**
 * The members the document records, each with its device, in successorship order. The
 * one place the document's ids become typed: only hosts write them, from ids they issued
 * or that a frame's decoding branded.
 */
export function memberEntries<S>(
  doc: Automerge.Doc<SessionDoc<S>>,
): { memberId: MemberId; deviceId: DeviceId }[] {
  return Object.entries(doc.baton?.members ?? {})
    .map(([id, m]) => ({ memberId: id as MemberId, deviceId: m.deviceId as DeviceId }))
    .sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
}

/**
 * The bucket of `baton.cmds` a command id goes in. Command ids are UUIDv7, so their
 * first 8 hex digits are the top 32 bits of the millisecond time: one bucket per ≈ 65 s,
 * small at any sane command rate. Other ids (from older or odd copies) hash into 64 buckets.
 */
export function commandBucket(id: string): string {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-7/.test(id)) return id.slice(0, 8);
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return `x${h % 64}`;
}
