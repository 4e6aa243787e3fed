import * as Automerge from '@automerge/automerge';
import type { DeviceId, MemberId } from '../ids';

/** One session's replicated state: the engine's part and the app's part. */
export interface SessionDoc<S> {
  baton: {
    session: { id: string; name: string; createdAt: number };
    /** memberId → member record. The sorted keys are the successorship order. */
    members: Record<string, MemberRecord>;
    /** Command id → JSON result, for idempotency across retries and failovers. */
    cmds: Record<string, string>;
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

export function memberIds<S>(doc: Automerge.Doc<SessionDoc<S>>): MemberId[] {
  const members = doc.baton?.members;
  return members ? (Object.keys(members).sort() as MemberId[]) : [];
}

export function deviceOf<S>(doc: Automerge.Doc<SessionDoc<S>>, id: MemberId): DeviceId | null {
  return (doc.baton?.members?.[id]?.deviceId as DeviceId | undefined) ?? null;
}
