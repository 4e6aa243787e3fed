/**
 * The phone API's frames from a laptop to a phone, free of any dependency: the phone page
 * (renderer/phone/) type-checks against this file alone. Frames from the phone are in
 * protocol.ts, validated with zod.
 */

/** What a laptop pushes to a phone after every change (and on hello). */
export interface PhoneView {
  sessionName: string;
  /** Phone joining is on for the session. */
  phones: boolean;
  /** The laptop this phone talks to now. */
  via: { name: string; address: string };
  /** Every laptop that serves phones, in successorship order: where to go next. */
  laptops: { name: string; address: string }[];
  open: boolean;
  queues: { queueId: string; name: string; open: boolean; tags: string[]; waiting: number }[];
  announcement: string;
  staffOnDuty: number;
  /** This phone's entry, if it has one in line or being helped. */
  entry: {
    entryId: string;
    name: string;
    topic: string;
    location: string;
    status: string;
    position: number;
    helper: string | null;
    awaySince: number | null;
    graceEndsAt: number | null;
    queueName: string;
  } | null;
  estimate: { lowMs: number; highMs: number; samples: number } | null;
  /** Waiting in this phone's queue (or the first one). */
  waiting: number;
}

export type LaptopFrame =
  | { t: 'state'; view: PhoneView }
  | { t: 'result'; cid: string; ok: true; value: unknown }
  | { t: 'result'; cid: string; ok: false; error: { code: string; message: string } }
  | { t: 'hb' }
  | { t: 'leaving' }
  | { t: 'off'; message: string }
  | { t: 'error'; code: string; message: string };

/** What a phone sends (the laptop validates it with protocol.ts). */
export type PhoneOut =
  | { t: 'hello'; key: string }
  | { t: 'ping' }
  | { t: 'cmd'; cid: string; cmd: PhoneCmdFields; sig: string };

/** A phone command's fields (protocol.ts has the schema). */
export interface PhoneCmdFields {
  m: string;
  entryId?: string;
  name?: string;
  topic?: string;
  location?: string;
  queueId?: string;
  tag?: string;
}

/**
 * What a phone signs for one command (with the Ed25519 key whose public half its hello
 * named, and its entry records): the command id and every field, in a fixed order. The
 * host checks it against the command it applies, under that command id, which it applies
 * once — so a command captured off the Wi-Fi cannot be sent again, changed or reused.
 */
export function phoneSignedText(cid: string, c: PhoneCmdFields): string {
  const f = (v: string | undefined): string | null => (v === undefined ? null : v);
  return JSON.stringify([
    'baton phone',
    cid,
    c.m,
    f(c.entryId),
    f(c.name),
    f(c.topic),
    f(c.location),
    f(c.queueId),
    f(c.tag),
  ]);
}
