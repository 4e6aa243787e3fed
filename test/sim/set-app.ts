import type { App } from '../../core/replication/engine-app';
import { err, ok } from '../../core/result';

/** The tiny test app: a grow-only set of strings, each keyed by the command that added it. */
export interface SetState {
  items: Record<string, string>;
}

export const setApp: App<SetState> = {
  init: () => ({ items: {} }),
  apply(state, command, ctx) {
    const c = command as { op?: unknown; value?: unknown } | null;
    if (!c || c.op !== 'add' || typeof c.value !== 'string' || c.value.length > 200) {
      return err('validation', 'expected { op: "add", value: string }');
    }
    state.items[ctx.commandId] = c.value;
    return ok({ added: c.value });
  },
};

export function valuesOf(state: SetState | undefined): string[] {
  return state ? Object.values(state.items) : [];
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
