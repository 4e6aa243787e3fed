import type { CommandId } from '../ids';
import type { WriteSink } from './write-sink';

/** A command this copy sent and the host has not acknowledged yet. */
export interface OutboxEntry {
  id: CommandId;
  body: unknown;
  createdAt: number;
}

/** The entries of a stored OUTBOX_KEY blob; throws on a file that is not an outbox. */
export function parseOutbox(raw: Uint8Array | null): OutboxEntry[] {
  if (!raw) return [];
  const parsed: unknown = JSON.parse(Buffer.from(raw).toString('utf8'));
  if (!Array.isArray(parsed)) throw new Error('not a list of commands');
  return parsed.filter(
    (e): e is OutboxEntry =>
      !!e && typeof e === 'object' && typeof (e as OutboxEntry).id === 'string',
  );
}

/** The store key of the outbox file. */
export const OUTBOX_KEY = 'outbox.json';

/**
 * The member's persisted outbox. Unacknowledged commands survive a restart and are
 * resent to whoever hosts next; the host's idempotency by command id makes resends safe.
 */
export class Outbox {
  private entries: OutboxEntry[];
  private readonly lastSent = new Map<CommandId, number>();

  /** `entries`: what the store held (see `parseOutbox`). */
  constructor(
    private readonly store: WriteSink,
    entries: readonly OutboxEntry[],
  ) {
    this.entries = [...entries];
  }

  add(entry: OutboxEntry): void {
    this.entries.push(entry);
    // Written before the command leaves, so it survives the app crashing or closing and is
    // resent to whoever hosts next. Not fsynced: only an OS crash or power loss could drop
    // it, and it was not acknowledged yet — an ack is where durability is promised.
    this.persist(false);
  }

  remove(id: CommandId): boolean {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.id !== id);
    this.lastSent.delete(id);
    if (this.entries.length === before) return false;
    // Not fsynced: if a crash loses this removal, the command is resent and the host's
    // idempotency by command id acks it again without applying it twice.
    this.persist(false);
    return true;
  }

  list(): readonly OutboxEntry[] {
    return this.entries;
  }

  /** Entries due for (re)sending: never sent, or sent more than `resendMs` ago. */
  due(now: number, resendMs: number): OutboxEntry[] {
    return this.entries.filter((e) => {
      const t = this.lastSent.get(e.id);
      return t === undefined || now - t >= resendMs;
    });
  }

  markSent(id: CommandId, now: number): void {
    this.lastSent.set(id, now);
  }

  /** The host changed: everything is due again. */
  resetSendTimes(): void {
    this.lastSent.clear();
  }

  /** Write the outbox again (after a failed write). */
  rewrite(): void {
    this.persist(false);
  }

  private persist(durable = true): void {
    this.store.save(OUTBOX_KEY, Buffer.from(JSON.stringify(this.entries)), durable);
  }
}
