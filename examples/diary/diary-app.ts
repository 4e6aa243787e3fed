import { z } from 'zod';
import { type CommandId, ImmutableString, defineApp, ok } from '@baton/engine';

/**
 * A shared diary for a room: anyone writes an entry, every copy shows the same order
 * (the host numbers each entry as it applies it), and a copy that was away catches up.
 * Nothing here knows about networks or disks: that is the engine's job.
 */
export interface DiaryEntry {
  /** The host's running number: the diary's one order. */
  n: number;
  author: string | ImmutableString;
  text: string | ImmutableString;
  /** Host time of the write. */
  at: number;
}

export interface DiaryState {
  /** Keyed by the command that wrote the entry (a resent write lands once). */
  entries: Record<string, DiaryEntry>;
  /** The last number handed out. */
  count: number;
}

export const LIMITS = { text: 2_000, author: 80 } as const;

export const diaryCommand = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('write'),
    author: z.string().trim().min(1).max(LIMITS.author),
    text: z.string().trim().min(1).max(LIMITS.text),
  }),
]);
export type DiaryCommand = z.infer<typeof diaryCommand>;

export const diaryApp = defineApp<DiaryState, DiaryCommand>({
  init: () => ({ entries: {}, count: 0 }),
  commandSchema: diaryCommand,
  apply(state, cmd, ctx, view) {
    const n = view.count + 1;
    state.entries[ctx.commandId] = {
      n,
      author: new ImmutableString(cmd.author),
      text: new ImmutableString(cmd.text),
      at: ctx.now,
    };
    state.count = n;
    return ok({ n });
  },
  // Two sides of a healed partition numbered entries independently: the next number
  // continues after the highest either side handed out (the order below breaks ties).
  reconcile(state) {
    let top = state.count;
    for (const e of Object.values(state.entries)) top = Math.max(top, e.n);
    if (top !== state.count) state.count = top;
  },
});

/** The diary in its one order: by number, then by time, then by the writing command. */
export function diaryEntries(
  state: DiaryState | undefined,
): { id: CommandId; n: number; author: string; text: string; at: number }[] {
  if (!state?.entries) return [];
  return Object.entries(state.entries)
    .map(([id, e]) => ({
      id: id as CommandId,
      n: e.n,
      author: String(e.author),
      text: String(e.text),
      at: e.at,
    }))
    .sort((a, b) => a.n - b.n || a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
