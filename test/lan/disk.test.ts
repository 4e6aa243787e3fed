import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Classroom, sleep } from './classroom';
import { insideSandbox } from './harness';

// The disk is not always kind, on real processes: a data dir on a small tmpfs (mounted in
// this run's own mount namespace) filled up mid-run, files truncated or junk at restart,
// and a read-only data dir.

const skip = !insideSandbox() && 'runs inside npm run test:lan';

function tmpfs(dir: string, opts: string): void {
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir]);
}

/** Fill the filesystem of `dir` to the last byte; returns the filler's path. */
function fill(dir: string): string {
  const filler = path.join(dir, 'filler.bin');
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 7);
  try {
    for (let size = chunk.byteLength; size >= 1; size = Math.floor(size / 2))
      for (;;) fs.writeSync(fd, chunk, 0, size);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    fs.closeSync(fd);
  }
  // Anything that still fits in a last partial block: fill it byte by byte.
  const fd2 = fs.openSync(filler, 'a');
  try {
    for (;;) fs.writeSync(fd2, chunk, 0, 1);
  } catch {
    // full
  } finally {
    fs.closeSync(fd2);
  }
  return filler;
}

interface Storage {
  storage: { ok: boolean; problem: string | null };
  role: string;
}

async function until<T>(what: string, fn: () => Promise<T | null>, ms = 15_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v !== null) return v;
    if (Date.now() - t0 > ms) assert.fail(`${what} within ${ms} ms`);
    await sleep(100);
  }
}

describe('LAN: disk faults', { skip }, () => {
  it("the host's disk fills up mid-run: it hands over, says so, nothing acknowledged is lost, and it recovers", async () => {
    const c = new Classroom(6);
    try {
      tmpfs(c.peer(0).dataDir, 'size=6m');
      await c.setUp();
      await c.agreedHost();
      await c.studentJoins(1);
      await c.studentJoins(2);
      const filler = fill(c.peer(0).dataDir);
      // The next commands find the host's disk full: they are kept and acked after the handover.
      await Promise.all([3, 4, 5].map((i) => c.studentJoins(i, 30_000)));
      const st = await until('the host says its disk is full', async () => {
        const s = await c.peer(0).call<Storage>('status');
        return !s.storage.ok ? s : null;
      });
      assert.match(st.storage.problem ?? '', /disk is full/);
      assert.equal(st.role, 'member', 'it no longer hosts');
      const { hostIndex } = await c.agreedHost();
      assert.notEqual(hostIndex, 0);
      fs.rmSync(filler);
      await until('it takes writes again', async () => {
        const s = await c.peer(0).call<Storage>('status');
        return s.storage.ok && s.storage.problem === null ? s : null;
      });
      await c.assertHealthy();
    } finally {
      await c.close();
    }
  });

  it("a holder's disk fills up: acks go on through the next member; 0 lost", async () => {
    const c = new Classroom(5);
    try {
      for (const i of [1, 2, 3, 4]) tmpfs(c.peer(i).dataDir, 'size=6m');
      await c.setUp();
      await c.agreedHost();
      // The holder: the first successor after the host (K = 1).
      const st0 = await c.peer(0).call<{ successors: string[] }>('status');
      const holder = c.memberIds.indexOf(st0.successors[1]!);
      const others = [1, 2, 3, 4].filter((i) => i !== holder);
      await c.studentJoins(others[0]!);
      const filler = fill(c.peer(holder).dataDir);
      await Promise.all(others.slice(1).map((i) => c.studentJoins(i, 30_000)));
      // A file the store appends to may still have room in its last block: the room keeps
      // working (announcements, acked through the holder's successor) until the holder's
      // next write needs a block it cannot have.
      let k = 0;
      const s = await until('the holder says its disk is full', async () => {
        const st = await c.peer(holder).call<Storage>('status');
        if (st.storage.ok)
          await c.peer(0).call('staff.setAnnouncement', { text: `${k++} ${'x'.repeat(400)}` });
        return st.storage.ok ? null : st;
      });
      assert.match(s.storage.problem ?? '', /disk is full/);
      // The host hears of it in the holder's next heartbeat (a round, 250 ms): a few rounds.
      await until(
        'the full laptop holds nothing now',
        async () => {
          const st1 = await c.peer(0).call<{ successors: string[] }>('status');
          return st1.successors.includes(c.memberIds[holder]!) ? null : st1;
        },
        2_000,
      );
      fs.rmSync(filler);
      await c.studentJoins(holder, 30_000);
      await c.assertHealthy();
    } finally {
      await c.close();
    }
  });

  it('a truncated document and junk identity/outbox files at restart: moved aside, never a crash, the session comes back', async () => {
    const c = new Classroom(4);
    try {
      await c.setUp();
      await c.agreedHost();
      for (const i of [1, 2, 3]) await c.studentJoins(i);
      const dir = (i: number): string => {
        const sessions = path.join(c.peer(i).dataDir, 'sessions');
        return path.join(sessions, fs.readdirSync(sessions)[0]!);
      };
      for (const i of [2, 3]) {
        c.peer(i).kill('SIGKILL');
        await c.peer(i).exited();
      }
      // Laptop 2: a power cut truncated its document. Laptop 3: junk identity and outbox.
      const doc = path.join(dir(2), 'doc.automerge');
      fs.truncateSync(doc, Math.floor(fs.statSync(doc).size / 2));
      fs.writeFileSync(path.join(dir(3), 'identity.json'), '{"sessionId": "abc", "mem');
      fs.writeFileSync(path.join(dir(3), 'outbox.json'), '\u0000\u0000junk');
      for (const i of [2, 3]) await c.room.restart(i);
      for (const i of [2, 3]) {
        assert.ok(
          fs.readdirSync(dir(i)).some((f) => f.includes('.unreadable-') && !f.endsWith('.why.txt')),
          `laptop ${i}: the bad file is kept aside`,
        );
        assert.match(c.peer(i).stderr, /could not be (read|loaded)/);
        await until(
          `laptop ${i} is back in the session`,
          async () => {
            const q = await c.peer(i).request('queue.get');
            const n = (q.result as { entries?: unknown[] } | undefined)?.entries?.length ?? 0;
            return n === 3 ? n : null;
          },
          30_000,
        );
      }
      const st = await c.peer(2).call<Storage>('status');
      assert.equal(st.storage.problem, null, 'recovered: nothing left to say');
      // Laptop 3 came back as a new member (its identity was lost): record its id.
      c.memberIds[3] = (await c.peer(3).call<{ memberId: string }>('status')).memberId;
      await c.assertHealthy();
    } finally {
      await c.close();
    }
  });

  it('a read-only data directory: a clear error naming it at start, exit code 3', async () => {
    const dir = fs.mkdtempSync('/tmp/baton-ro-');
    tmpfs(dir, 'size=1m,ro');
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [
          path.resolve('dist/cli/baton.js'),
          'peer',
          '--data-dir',
          dir,
          '--name',
          'RO',
          '--no-mdns',
          '--stdio',
        ],
        { timeout: 15_000 },
        (e, _out, stderr) =>
          resolve({ code: e ? ((e as { code?: number }).code ?? null) : 0, stderr }),
      ),
    );
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, new RegExp(`cannot write to its data directory ${dir} \\(EROFS`));
  });
});
