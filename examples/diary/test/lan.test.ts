import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { LanRoom, insideSandbox } from '../../../test/lan/harness';
import { startWriters } from '../../../test/lan/writers';

// The diary on real processes in the test's own namespaces (run by `npm run test:diary`):
// kill -9 the host while three copies write; nothing acknowledged is lost, every copy
// shows one order, and the killed laptop catches up from its disk and the room.

const DIARY = [path.resolve('dist/examples/diary.js')];

interface Status {
  sessionId: string | null;
  role: string;
  members: number;
}

interface Entry {
  id: string;
  n: number;
  author: string;
  text: string;
}

describe('diary on the LAN', { skip: !insideSandbox() && 'runs inside npm run test:diary' }, () => {
  let room: LanRoom | null = null;
  after(async () => {
    await room?.close();
  });

  it('kill -9 the host while three copies write: lost 0, duplicates 0, one order everywhere', async () => {
    room = new LanRoom(4, () => ['--quiet'], { command: DIARY });
    const r = room;
    // Laptop 0 opens the diary first (it makes it, and hosts); the others find and join it.
    await r.peer(0).start();
    await Promise.all([1, 2, 3].map((i) => r.peer(i).start()));
    for (let t = 0; t < 100; t++) {
      const st = await Promise.all([0, 1, 2, 3].map((i) => r.peer(i).call<Status>('status')));
      if (st.every((s) => s.members === 4 && s.sessionId === st[0]!.sessionId)) break;
      await new Promise((s) => setTimeout(s, 200));
    }
    const host = r.peer(0);
    assert.equal((await host.call<Status>('status')).role, 'host');
    const { acked, refused, stop } = startWriters(
      r,
      [1, 2, 3],
      'diary.write',
      (i, k) => `laptop ${i} entry ${k}`,
    );
    await new Promise((s) => setTimeout(s, 2_000));
    const before = acked.size;
    const killedAt = performance.now();
    host.kill('SIGKILL');
    // A new host among the writers.
    const newHost = await Promise.race(
      [1, 2, 3].map((i) =>
        r.peer(i).waitEvent('role', (d) => (d as { role: string }).role === 'host', 15_000),
      ),
    );
    const failoverMs = newHost.at - killedAt;
    await new Promise((s) => setTimeout(s, 2_000));
    await stop();
    assert.deepEqual(refused, [], 'no write refused');
    assert.ok(
      acked.size > before + 10,
      `writes went on after the crash (${before} → ${acked.size})`,
    );

    // The killed laptop comes back from its disk and catches up.
    await r.restart(0);
    const lists = async (): Promise<Entry[][]> =>
      Promise.all([0, 1, 2, 3].map((i) => r.peer(i).call<Entry[]>('diary.list')));
    let all = await lists();
    for (
      let t = 0;
      t < 100 && !all.every((l) => l.length === all[1]!.length && l.length >= acked.size);
      t++
    ) {
      await new Promise((s) => setTimeout(s, 200));
      all = await lists();
    }
    const texts = all[1]!.map((e) => e.text);
    const lost = [...acked].filter((t) => !texts.includes(t));
    const dups = texts.filter((t, k) => texts.indexOf(t) !== k);
    assert.deepEqual(lost, [], 'lost');
    assert.deepEqual(dups, [], 'duplicates');
    for (const l of all)
      assert.equal(
        l.map((e) => e.id).join(),
        all[1]!.map((e) => e.id).join(),
        'one order on every copy',
      );
    process.stdout.write(
      `# diary LAN: ${acked.size} writes acked, ${before} before the kill; failover ${failoverMs.toFixed(0)} ms; lost 0, duplicates 0\n`,
    );
  });
});
