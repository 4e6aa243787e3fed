import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { LanRoom } from './harness';

describe('LAN smoke', () => {
  const room = new LanRoom(3, () => ['--stability-ms', '3000']);
  after(() => room.close());

  it('three laptops find the session over mDNS and join it', async () => {
    await room.startAll();
    const { sessionId } = await room.peer(0).call<{ sessionId: string }>('session.create', {
      name: 'CPSC 416',
      staffPasscode: 'letmein',
    });
    for (const i of [1, 2]) {
      const p = room.peer(i);
      await p
        .waitEvent(
          'sessions',
          (d) =>
            (d as { sessions: { sessionId: string }[] }).sessions.some(
              (s) => s.sessionId === sessionId,
            ),
          10_000,
        )
        .catch(async () => {
          const list = await p.call('sessions.list');
          assert.fail(`laptop ${i} never saw the session: ${JSON.stringify(list)}\n${room.logs()}`);
        });
      await p.call('session.join', { sessionId });
    }
    const st = await room.peer(2).call<{ members: unknown[]; role: string }>('status');
    assert.equal(st.members.length, 3);
    assert.equal(st.role, 'member');
    const { entryId } = await room
      .peer(2)
      .call<{ entryId: string }>('queue.join', { name: 'Ann', topic: 't', location: 'table 1' });
    const t0 = performance.now();
    room.peer(0).kill('SIGKILL');
    await room.peer(1).waitEvent('role', (d) => (d as { role: string }).role === 'host', 5_000);
    console.log(
      `crash failover seen by the successor after ${(performance.now() - t0).toFixed(0)} ms`,
    );
    await room.peer(1).call('staff.login', { passcode: 'letmein' });
    const next = await room.peer(1).call<{ entryId: string }>('staff.helpNext');
    assert.equal(next.entryId, entryId);
  });
});
