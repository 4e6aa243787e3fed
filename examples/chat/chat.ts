import { z } from 'zod';
import { ImmutableString, defineApp, ok } from '@baton/engine';

/** The course project's replicated chat, on the engine: the host numbers each message. */
export interface ChatState {
  /** Keyed by the command that sent it: a message sent again lands once. */
  messages: Record<string, { n: number; from: ImmutableString; text: ImmutableString; at: number }>;
  count: number;
}

const say = z.object({
  op: z.literal('say'),
  from: z.string().trim().min(1).max(80),
  text: z.string().trim().min(1).max(2_000),
});

export const chatApp = defineApp<ChatState, z.infer<typeof say>, { n: number }>({
  init: () => ({ messages: {}, count: 0 }),
  commandSchema: say,
  apply(state, cmd, ctx, view) {
    const n = view.count + 1;
    const [from, text] = [new ImmutableString(cmd.from), new ImmutableString(cmd.text)];
    state.messages[ctx.commandId] = { n, from, text, at: ctx.now };
    state.count = n;
    return ok({ n });
  },
  // After a healed partition, numbering goes on after the highest either side gave.
  reconcile(state) {
    const top = Math.max(state.count, ...Object.values(state.messages).map((m) => m.n));
    if (top !== state.count) state.count = top;
  },
});

/** The chat in its one order: by number, then by sending command. */
export const chatLog = (s: ChatState | null) =>
  Object.entries(s?.messages ?? {})
    .map(([id, m]) => ({ id, n: m.n, from: String(m.from), text: String(m.text) }))
    .sort((a, b) => a.n - b.n || (a.id < b.id ? -1 : 1));
