import type { App } from '../../core/replication/engine-app';
import { err, ok } from '../../core/result';

/**
 * The tiny test app: a grow-only set of strings, each keyed by the command that added it.
 * Sharded as the queue's archive is (and for the same reason): an Automerge map costs
 * more to change the larger it is (≈ 1.3 ms per change at 500 keys, 4.6 ms at 3,000, on
 * the host and on every member), so the items go in shards of ≈ 4 s of command ids, one
 * level per term (only that term's host creates its shards: two hosts of a split brain
 * creating one key would conflict, and Automerge would show only one of the two maps).
 * An item is still keyed by its command id: `valuesOf` reads the shards as one map.
 */
export interface SetState {
  items: Record<string, Record<string, string>>;
}

/** The shard of a command id: its term and, for a UUIDv7, its first 36 bits of time (≈ 4 s). */
export function shardOf(id: string, epoch: number): string {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-7/.test(id)) return `${epoch}.${id.slice(0, 9)}`;
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return `${epoch}.x${h % 16}`;
}

export const setApp: App<SetState> = {
  init: () => ({ items: {} }),
  apply(state, command, ctx) {
    const c = command as { op?: unknown; value?: unknown } | null;
    if (!c || c.op !== 'add' || typeof c.value !== 'string' || c.value.length > 200) {
      return err('validation', 'expected { op: "add", value: string }');
    }
    const shard = shardOf(ctx.commandId, ctx.epoch);
    state.items[shard] ??= {};
    state.items[shard][ctx.commandId] = c.value;
    return ok({ added: c.value });
  },
};

export function valuesOf(state: SetState | undefined): string[] {
  if (!state) return [];
  // Keyed by command id across the shards: a command applied by two hosts (an old host's
  // unacknowledged change surfacing after the new host applied the resend) is one item.
  const byId = new Map<string, string>();
  for (const shard of Object.values(state.items))
    for (const [id, value] of Object.entries(shard)) byId.set(id, value);
  return [...byId.values()];
}

/** An app under test in the simulated room: its commands carry a value, its state lists them. */
export interface SimApp<S> {
  app: App<S>;
  /** The command that adds `value` (each value is submitted once). */
  command(value: string): unknown;
  /** Every value the state holds, once per time it was applied. */
  values(state: S | undefined): string[];
}

export const SET_APP: SimApp<SetState> = {
  app: setApp,
  command: (value) => ({ op: 'add', value }),
  values: valuesOf,
};

/**
 * The set with a preferred host, as the queue has its staff: the member that a `staff`
 * command names comes first in the successorship order, its own signature vouches for its
 * term, and it acks on its own disk when alone (certs.ts, acks.ts). The grow-only set has
 * no such member, so it never takes those paths.
 */
export type StaffSetState = SetState & { staff?: string };

export const STAFF_SET_APP: SimApp<StaffSetState> = {
  app: {
    init: () => ({ items: {} }),
    apply(state, command, ctx, view) {
      const c = command as { op?: unknown; member?: unknown } | null;
      if (c?.op === 'staff' && typeof c.member === 'string') {
        state.staff = c.member;
        return ok({});
      }
      return setApp.apply(state, command, ctx, view);
    },
    preferredHosts: (read) => {
      const staff = read(['staff']);
      return typeof staff === 'string' ? [staff] : [];
    },
  },
  command: SET_APP.command,
  values: valuesOf,
};
