import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { LanRoom, insideSandbox } from '../../../test/lan/harness';
import { startWriters } from '../../../test/lan/writers';

// The chat on real processes in the test's own namespaces (run by `npm run test:chat`):
// five copies started together find each other and end in one room; then kill -9 of the
// host while three copies write loses nothing acknowledged.

const CHAT = [path.resolve('dist/examples/chat.js')];
const RUNS = 3;

interface Status {
  sessionId: string | null;
  role: string;
  members: { memberId: string; live: boolean }[];
}
interface Message {
  id: string;
  n: number;
  text: string;
}
const sleep = (ms: number) => new Promise((s) => setTimeout(s, ms));

describe('chat on the LAN', { skip: !insideSandbox() && 'runs inside npm run test:chat' }, () => {
  let room: LanRoom | null = null;
  after(async () => {
    await room?.close();
  });

  it(`5 copies started at once, ${RUNS} runs: one room, each first message delivered once`, async () => {
    for (let run = 1; run <= RUNS; run++) {
      await room?.close();
      room = new LanRoom(5, () => ['--quiet', '--room', 'lab'], { command: CHAT });
      const r = room;
      const t0 = performance.now();
      await r.startAll();
      // Each says hello at once: held until the room has settled, then sent there.
      const said = await Promise.all(
        [0, 1, 2, 3, 4].map((i) =>
          r.peer(i).call<{ n: number }>('say', { text: `hi from ${i}` }, 30_000),
        ),
      );
      const settledMs = performance.now() - t0;
      assert.deepEqual(
        said.map((s) => s.n).sort(),
        [1, 2, 3, 4, 5],
        `run ${run}: numbered once each`,
      );
      let st: Status[] = [];
      for (let t = 0; t < 50; t++) {
        st = await Promise.all([0, 1, 2, 3, 4].map((i) => r.peer(i).call<Status>('status')));
        if (st.every((s) => s.members.length === 5)) break;
        await sleep(200);
      }
      assert.equal(new Set(st.map((s) => s.sessionId)).size, 1, `run ${run}: one room`);
      assert.equal(st.filter((s) => s.role === 'host').length, 1, `run ${run}: one host`);
      // Every copy holds the five (a bystander gets each with the host's next fan-out).
      let logs: Message[][] = [];
      for (let t = 0; t < 50; t++) {
        logs = await Promise.all([0, 1, 2, 3, 4].map((i) => r.peer(i).call<Message[]>('log')));
        if (logs.every((l) => l.length === 5)) break;
        await sleep(100);
      }
      for (const l of logs)
        assert.equal(l.length, 5, `run ${run}: every copy holds the five messages`);
      process.stdout.write(
        `# chat LAN race run ${run}: one room of 5, first messages acked after ${settledMs.toFixed(0)} ms\n`,
      );
    }
  });

  it('kill -9 the host while three copies write: lost 0, duplicates 0, one order everywhere', async () => {
    const r = room!;
    const st = await Promise.all([0, 1, 2, 3, 4].map((i) => r.peer(i).call<Status>('status')));
    const hostIx = st.findIndex((s) => s.role === 'host');
    const writers = [0, 1, 2, 3, 4].filter((i) => i !== hostIx).slice(0, 3);
    const { acked, refused, stop } = startWriters(
      r,
      writers,
      'say',
      (i, k) => `copy ${i} line ${k}`,
    );
    await sleep(2_000);
    const before = acked.size;
    r.peer(hostIx).kill('SIGKILL');
    await sleep(4_000);
    await stop();
    assert.deepEqual(refused, [], 'no write refused');
    assert.ok(
      acked.size > before + 10,
      `writes went on after the kill (${before} → ${acked.size})`,
    );
    const alive = [0, 1, 2, 3, 4].filter((i) => i !== hostIx);
    let logs: Message[][] = [];
    for (let t = 0; t < 50; t++) {
      logs = await Promise.all(alive.map((i) => r.peer(i).call<Message[]>('log')));
      if (logs.every((l) => l.length === logs[0]!.length && l.length >= acked.size + 5)) break;
      await sleep(200);
    }
    const texts = logs[0]!.map((m) => m.text);
    assert.deepEqual(
      [...acked].filter((t) => !texts.includes(t)),
      [],
      'lost',
    );
    assert.deepEqual(
      texts.filter((t, k) => texts.indexOf(t) !== k),
      [],
      'duplicates',
    );
    for (const l of logs)
      assert.equal(l.map((m) => m.id).join(), logs[0]!.map((m) => m.id).join(), 'one order');
    process.stdout.write(
      `# chat LAN: ${acked.size} lines acked, ${before} before the kill; lost 0, duplicates 0\n`,
    );
  });
});
