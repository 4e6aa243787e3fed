import type { LanRoom } from './harness';

/**
 * Copies that write until told to stop (the examples' kill -9 tests): each of `who` sends
 * `method` with `{ text }` in a loop, 30 ms apart; what was acknowledged and what was
 * refused are kept. `stop()` ends the loops once their last request is answered.
 */
export function startWriters(
  room: LanRoom,
  who: readonly number[],
  method: string,
  text: (copy: number, k: number) => string,
): { acked: Set<string>; refused: string[]; stop(): Promise<void> } {
  const acked = new Set<string>();
  const refused: string[] = [];
  let stopped = false;
  const write = async (i: number): Promise<void> => {
    for (let k = 0; !stopped; k++) {
      const t = text(i, k);
      const res = await room.peer(i).request(method, { text: t }, 30_000);
      if (res.error) refused.push(`${t}: ${res.error.code}`);
      else acked.add(t);
      await new Promise((s) => setTimeout(s, 30));
    }
  };
  const running = who.map((i) => write(i));
  return {
    acked,
    refused,
    stop: async () => {
      stopped = true;
      await Promise.all(running);
    },
  };
}
