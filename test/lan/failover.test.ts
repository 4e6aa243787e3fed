import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Classroom, sleep } from './classroom';

/** Real `baton peer` processes, one network namespace per laptop, real mDNS and WebSockets. */

const SHORT_FAILBACK = () => ['--stability-ms', '3000'];

async function withClass(n: number, fn: (c: Classroom) => Promise<void>, args = SHORT_FAILBACK) {
  const c = new Classroom(n, args);
  try {
    await c.setUp();
    await fn(c);
  } catch (e) {
    console.error(c.room.logs());
    throw e;
  } finally {
    await c.close();
  }
}

describe('LAN: failover on real processes', () => {
  it('cold start of 5: the first member hosts; no host change while idle', async () => {
    await withClass(5, async (c) => {
      const first = await c.agreedHost();
      assert.equal(first.hostIndex, 0);
      for (let i = 1; i < 5; i++) await c.studentJoins(i);
      await sleep(8_000);
      const later = await c.agreedHost();
      assert.deepEqual([later.hostIndex, later.epoch], [0, first.epoch], 'no failover while idle');
      await c.assertHealthy();
    });
  });

  it('graceful leave (SIGTERM) of the host: the successor hosts at once', async () => {
    await withClass(4, async (c) => {
      const [, next, student, other] = await c.order();
      await c.studentJoins(student!);
      const t0 = performance.now();
      const hosting = c
        .peer(next!)
        .waitEvent('role', (d) => (d as { role: string }).role === 'host', 3_000);
      c.peer(0).kill('SIGTERM');
      assert.equal(await c.peer(0).exited(), 0, 'exits cleanly');
      await hosting;
      const ms = performance.now() - t0;
      console.log(`graceful: successor hosting ${ms.toFixed(0)} ms after SIGTERM`);
      assert.ok(ms < 1_500, `took ${ms} ms`);
      await c.studentJoins(other!);
      await c.assertHealthy();
    });
  });

  it('kill -9 of the host: the successor hosts within about a second', async () => {
    await withClass(4, async (c) => {
      const [, next, student, other] = await c.order();
      await c.studentJoins(student!);
      const t0 = performance.now();
      c.peer(0).kill('SIGKILL');
      await c.peer(next!).waitEvent('role', (d) => (d as { role: string }).role === 'host', 5_000);
      const ms = performance.now() - t0;
      console.log(`crash: successor hosting ${ms.toFixed(0)} ms after kill -9`);
      assert.ok(ms < 2_500, `took ${ms} ms`);
      await c.studentJoins(other!);
      await c.assertHealthy();
    });
  });

  it('cascade: host and successor killed 0.5 s apart: the third laptop hosts', async () => {
    await withClass(5, async (c) => {
      const [, second, third, student] = await c.order();
      await c.studentJoins(student!);
      const hosting = c
        .peer(third!)
        .waitEvent('role', (d) => (d as { role: string }).role === 'host', 6_000);
      c.peer(0).kill('SIGKILL');
      await sleep(500);
      c.peer(second!).kill('SIGKILL');
      await hosting;
      await c.studentJoins(student!).catch(() => c.studentJoins(third!));
      await c.assertHealthy();
    });
  });

  it('host out of Wi-Fi range, then back: it demotes itself and the states converge', async () => {
    await withClass(
      4,
      async (c: Classroom) => {
        const [, next, a, b] = await c.order();
        await c.studentJoins(a!);
        c.room.setLink(0, false);
        await c
          .peer(next!)
          .waitEvent('role', (d) => (d as { role: string }).role === 'host', 5_000);
        // Not the detector's verdict: a heartbeat late, and nothing answered at its address.
        assert.match(c.peer(next!).stderr, /nothing answers at its address: counted as gone/);
        await c.studentJoins(b!);
        c.room.setLink(0, true);
        // Failback is off here (long window): the old host must follow the new epoch.
        const h = await c.agreedHost(10_000);
        assert.equal(h.hostIndex, next);
        await c.assertHealthy();
      },
      () => ['--stability-ms', '600000'],
    );
  });

  it('host paused (SIGSTOP, a sleeping laptop) past the timeout: failover; on SIGCONT it demotes itself', async () => {
    await withClass(
      4,
      async (c) => {
        const [, next, a, b] = await c.order();
        await c.studentJoins(a!);
        c.peer(0).kill('SIGSTOP');
        await c
          .peer(next!)
          .waitEvent('role', (d) => (d as { role: string }).role === 'host', 5_000);
        await c.studentJoins(b!);
        c.peer(0).kill('SIGCONT');
        const h = await c.agreedHost(10_000);
        assert.equal(h.hostIndex, next, 'the woken laptop follows the newer epoch');
        await c.assertHealthy();
      },
      () => ['--stability-ms', '600000'],
    );
  });

  it('failback: the original host comes back from its data dir and takes over once, after the window', async () => {
    await withClass(3, async (c) => {
      const [, next, student] = await c.order();
      await c.studentJoins(student!);
      c.peer(0).kill('SIGKILL');
      await c.peer(next!).waitEvent('role', (d) => (d as { role: string }).role === 'host', 5_000);
      const back = await c.room.restart(0);
      const t0 = performance.now();
      await back.waitEvent('role', (d) => (d as { role: string }).role === 'host', 15_000);
      const ms = performance.now() - t0;
      console.log(`failback after ${ms.toFixed(0)} ms (window 3000 ms)`);
      assert.ok(ms >= 2_500, `failback too early: ${ms} ms`);
      const h = await c.agreedHost();
      assert.equal(h.hostIndex, 0);
      await sleep(2_000);
      const hostTurns = back.events.filter(
        (e) => e.event === 'role' && (e.data as { role: string }).role === 'host',
      );
      assert.equal(hostTurns.length, 1, 'took over exactly once');
      await c.assertHealthy();
    });
  });

  it('partition into halves: both sides take commands; after heal one host, nothing lost', async () => {
    await withClass(
      5,
      async (c) => {
        // The two laptops last in successorship order form the minority side; the first of
        // them must host it.
        const ord = await c.order();
        await c.studentJoins(ord[2]!);
        const minorityHost = c
          .peer(ord[3]!)
          .waitEvent('role', (d) => (d as { role: string }).role === 'host', 6_000);
        c.room.split([ord[3]!, ord[4]!]);
        await minorityHost;
        await Promise.all([c.studentJoins(ord[1]!), c.studentJoins(ord[4]!)]);
        c.room.heal();
        await c.assertHealthy(20_000);
      },
      () => ['--stability-ms', '600000'],
    );
  });

  it('whole-room restart: every laptop closed and reopened resumes the same queue', async () => {
    await withClass(3, async (c) => {
      await c.studentJoins(1);
      await c.studentJoins(2);
      for (const p of c.room.peers) p.kill('SIGTERM');
      for (const p of c.room.peers) await p.exited();
      await Promise.all([0, 1, 2].map((i) => c.room.restart(i)));
      await c.assertHealthy(20_000);
    });
  });
});
