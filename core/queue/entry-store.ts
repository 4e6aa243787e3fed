import { ImmutableString } from '@automerge/automerge';
export type { ArchivedEntry, LegacyTransition, StoredEntry, StoredTransition } from './types';
import {
  type ArchivedEntry,
  type BaseFields,
  type StoredEntry,
  type StoredTransition,
  type Entry,
  type EntryMessage,
  type EntryStatus,
  type Str,
  type Transition,
  MAIN_QUEUE,
  imm,
  text,
} from './types';

/**
 * How an entry is stored in the document (compact: one JSON `base`, later fields beside
 * it) and read back, in every form documents were ever written in.
 */

export function readTransition(t: StoredTransition): Transition {
  if (typeof t === 'string' || t instanceof ImmutableString)
    return JSON.parse(text(t)) as Transition;
  const out: Transition = { status: text(t.status) as EntryStatus, at: t.at, by: text(t.by) };
  if (t.order !== undefined && t.order !== null) out.order = t.order;
  if (t.undo) out.undo = true;
  if (t.tie) out.tie = t.tie;
  return out;
}

export function storeTransition(t: Transition): StoredTransition {
  const out: Transition = { status: t.status, at: t.at, by: t.by };
  if (t.order !== undefined) out.order = t.order;
  if (t.undo) out.undo = true;
  if (t.tie) out.tie = t.tie;
  return imm(JSON.stringify(out));
}

/** Who made a stored transition, without reading the rest of it. */
export function transitionBy(t: StoredTransition): string {
  return typeof t === 'string' || t instanceof ImmutableString
    ? (JSON.parse(text(t)) as Transition).by
    : text(t.by);
}

/** A field written after creation wins over `base`; absent, `base` (or the default) holds. */
const later = <T>(v: T | undefined, dflt: T): T => (v === undefined ? dflt : v);

/** The fields an entry was created with (the compact form's `base`, else the legacy keys). */
function baseOf(e: StoredEntry): BaseFields {
  if (e.base !== undefined) return JSON.parse(text(e.base)) as BaseFields;
  return {
    id: text(e.id),
    name: text(e.name),
    topic: text(e.topic),
    location: text(e.location),
    member: text(e.member),
    ownerHash: text(e.ownerHash),
    createdAt: e.createdAt ?? 0,
    order: e.order ?? 0,
  };
}

/** The member that created a stored entry, read cheaply (selectors scan every entry). */
export function storedMember(e: StoredEntry): string {
  return e.base !== undefined ? baseOf(e).member : text(e.member);
}

export function readEntry(e: StoredEntry): Entry {
  const history: Entry['history'] = {};
  for (const [k, t] of Object.entries(e.history ?? {})) history[k] = readTransition(t);
  const b = baseOf(e);
  const str = (v: Str | undefined, dflt: string): string => (v === undefined ? dflt : text(v));
  return {
    id: b.id,
    name: str(e.name, b.name),
    topic: str(e.topic, b.topic),
    location: str(e.location, b.location),
    member: b.member,
    ownerHash: b.ownerHash,
    createdAt: b.createdAt,
    order: later(e.order, b.order),
    status: text(e.status) as EntryStatus,
    helper: orNull(e.helper),
    history,
    conflict: orNull(e.conflict),
    queue: str(e.queue, b.queue ?? '') || MAIN_QUEUE,
    tag: e.tag === undefined ? (b.tag ?? null) : orNull(e.tag),
    awaySince: e.awaySince ?? null,
    missingSince: e.missingSince ?? null,
    flag: orNull(e.flag),
    message: e.message ? (JSON.parse(text(e.message)) as EntryMessage) : null,
    group: orNull(e.group),
    online: b.online === true,
    meeting: e.meeting === undefined ? (b.meeting ?? null) : orNull(e.meeting),
    staffNote: e.staffNote ? (JSON.parse(text(e.staffNote)) as EntryMessage) : null,
  };
}

const orNull = (s: Str | null | undefined): string | null =>
  s === null || s === undefined ? null : text(s);

/** An entry in the compact form: `base`, its status and history, and what is not a default. */
export function storeEntry(e: Entry): StoredEntry {
  const history: StoredEntry['history'] = {};
  for (const [k, t] of Object.entries(e.history)) history[k] = storeTransition(t);
  const base: BaseFields = {
    id: e.id,
    name: e.name,
    topic: e.topic,
    location: e.location,
    member: e.member,
    ownerHash: e.ownerHash,
    createdAt: e.createdAt,
    order: e.order,
  };
  if (e.queue !== MAIN_QUEUE) base.queue = e.queue;
  if (e.tag !== null) base.tag = e.tag;
  if (e.online) base.online = true;
  if (e.meeting !== null) base.meeting = e.meeting;
  const out: StoredEntry = { base: imm(JSON.stringify(base)), status: imm(e.status), history };
  if (e.helper !== null) out.helper = imm(e.helper);
  if (e.conflict !== null) out.conflict = imm(e.conflict);
  if (e.awaySince !== null) out.awaySince = e.awaySince;
  if (e.missingSince !== null) out.missingSince = e.missingSince;
  if (e.flag !== null) out.flag = imm(e.flag);
  if (e.message !== null) out.message = imm(JSON.stringify(e.message));
  if (e.group !== null) out.group = imm(e.group);
  if (e.staffNote !== null) out.staffNote = imm(JSON.stringify(e.staffNote));
  return out;
}

export function archiveForm(e: Entry): Str {
  return imm(JSON.stringify(e));
}

export function readArchived(raw: ArchivedEntry): Entry {
  const e =
    typeof raw === 'string' || raw instanceof ImmutableString
      ? (JSON.parse(text(raw)) as Partial<Entry> & Omit<Entry, NewFields>)
      : readEntry(raw);
  // Archived before several queues and the newer workflows: fill in their defaults.
  return {
    ...e,
    queue: e.queue ?? MAIN_QUEUE,
    tag: e.tag ?? null,
    awaySince: e.awaySince ?? null,
    missingSince: e.missingSince ?? null,
    flag: e.flag ?? null,
    message: e.message ?? null,
    group: e.group ?? null,
    online: e.online ?? false,
    meeting: e.meeting ?? null,
    staffNote: e.staffNote ?? null,
  };
}

type NewFields =
  | 'queue'
  | 'tag'
  | 'awaySince'
  | 'missingSince'
  | 'flag'
  | 'message'
  | 'group'
  | 'online'
  | 'meeting'
  | 'staffNote';
