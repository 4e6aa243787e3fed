import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DETECTOR, PhiDetector } from '../../core/election/detector';
import { type HeartbeatView, electionConfig } from '../../core/election/config';
import { Election } from '../../core/election/election';
import { nextEpoch, termOf } from '../../core/election/epoch';
import { asMemberId, type MemberId } from '../../core/ids';

const A = asMemberId('0001');
const B = asMemberId('0002');
const C = asMemberId('0003');

function hb(over: Partial<HeartbeatView>): HeartbeatView {
  return {
    epoch: 1000,
    role: 'member',
    hostId: A,
    seq: 0,
    echo: -1,
    hostAgoMs: 0,
    eligible: true,
    ...over,
  };
}

/** Feed `e` heartbeats from `from` every 250 ms over [t0, t1). */
function beat(e: Election, from: MemberId, view: Partial<HeartbeatView>, t0: number, t1: number) {
  const out = [];
  for (let t = t0; t < t1; t += 250) out.push(...e.onHeartbeat(from, hb({ ...view, seq: t }), t));
  return out;
}

describe('phi accrual detector', () => {
  it('suspects a silent peer after about one second with the defaults', () => {
    const d = new PhiDetector(DEFAULT_DETECTOR);
    for (let t = 0; t <= 10_000; t += 250) d.heartbeat(t);
    const after = d.suspectAfterMs();
    assert.ok(after > 800 && after < 1200, `suspect after ${after} ms`);
    assert.ok(d.isAvailable(10_000 + 700));
    assert.ok(!d.isAvailable(10_000 + 1300));
  });

  it('a jittery link raises the bar instead of flapping', () => {
    const d = new PhiDetector(DEFAULT_DETECTOR);
    let t = 0;
    for (let i = 0; i < 100; i++) d.heartbeat((t += i % 2 ? 100 : 500));
    assert.ok(d.suspectAfterMs() > 1000);
  });

  it('does not learn an absence as a sample (stays quick to detect the next one)', () => {
    const d = new PhiDetector(DEFAULT_DETECTOR);
    for (let t = 0; t <= 5_000; t += 250) d.heartbeat(t);
    const before = d.suspectAfterMs();
    d.heartbeat(5_000 + 5_000); // back after 5 s asleep
    assert.equal(d.suspectAfterMs(), before);
  });
});

describe('epochs', () => {
  it('are unique per host slot and strictly increasing', () => {
    assert.equal(nextEpoch(1000, 2), 2002);
    assert.equal(nextEpoch(2002, 0), 3000);
    assert.equal(termOf(3000), 3);
    assert.ok(nextEpoch(2002, 1) > 2002);
  });
});

describe('election', () => {
  it("a member knows whether it is among the host's next K holders", () => {
    const D = asMemberId('0004');
    const forC = new Election(electionConfig(C));
    forC.setMembers([A, B, C, D]);
    forC.start(0);
    beat(forC, A, { role: 'host', hostId: A }, 0, 3_000);
    beat(forC, B, {}, 0, 3_000);
    beat(forC, D, {}, 0, 3_000);
    forC.onHeartbeat(A, hb({ role: 'host', hostId: A, seq: 99 }), 3_000);
    assert.equal(forC.hostId, A);
    assert.equal(forC.isHolder(1, 3_000), false, 'B comes first');
    assert.equal(forC.isHolder(2, 3_000), true);
    // B falls silent: C is next in line.
    beat(forC, A, { role: 'host', hostId: A }, 3_000, 6_000);
    beat(forC, D, {}, 3_000, 6_000);
    assert.equal(forC.isHolder(1, 6_000), true);
  });

  it('the creator hosts at once', () => {
    const e = new Election(electionConfig(A));
    e.setMembers([A]);
    const d = e.create(0);
    assert.deepEqual(d, [{ kind: 'become-host', epoch: 1000, reason: 'create' }]);
    assert.equal(e.role, 'host');
  });

  it('the first live successor takes over when the host falls silent', () => {
    const e = new Election(electionConfig(B));
    e.setMembers([A, B, C]);
    e.start(0);
    beat(e, A, { role: 'host' }, 0, 3_000);
    beat(e, C, {}, 0, 3_000);
    assert.deepEqual(e.onHeartbeat(A, hb({ role: 'host', seq: 99 }), 3_000), []);
    e.onHeartbeat(C, hb({ seq: 99, hostAgoMs: 2_000 }), 4_900);
    let t = 3_000;
    let decisions = e.tick(t);
    while (!decisions.some((d) => d.kind === 'become-host') && t < 10_000)
      decisions = e.tick((t += 10));
    assert.equal(e.role, 'host');
    assert.ok(t - 3_000 < 1_300, `took ${t - 3_000} ms`);
    assert.ok(e.epoch > 1000 && e.epoch % 1000 === 1, `epoch ${e.epoch} carries B's slot`);
  });

  it('a member that is not first in line waits for the one before it', () => {
    const e = new Election(electionConfig(C));
    e.setMembers([A, B, C]);
    e.start(0);
    beat(e, A, { role: 'host' }, 0, 3_000);
    beat(e, B, {}, 0, 6_000);
    for (let t = 3_000; t < 6_000; t += 10) e.tick(t);
    assert.equal(e.role, 'member');
  });

  it("a student's claim refused while the TA's host was live is followed the moment the host is judged gone, not a heartbeat later", () => {
    // One TA (A, hosting) and students: A's lid closes, B takes over. C heard A's last
    // heartbeat a little after B did, so B's claim arrives while A still counts as live for
    // C — and a live TA's host outranks a student's claim: refused then. C's own check
    // finds A gone 40 ms later.
    const e = new Election(electionConfig(C));
    e.setMembers([A, B, C]);
    e.seats.setPreferred([A]);
    e.start(0);
    const follow = e.onHeartbeat(A, hb({ role: 'host' }), 0);
    assert.deepEqual(
      follow.map((d) => d.kind),
      ['follow'],
    );
    beat(e, A, { role: 'host' }, 250, 3_001);
    beat(e, B, {}, 0, 3_000);
    const goneAt = 3_000 + e.suspectAfterMs(A); // A's last heartbeat was at 3,000
    const claimAt = goneAt - 40;
    assert.deepEqual(
      e.onHeartbeat(B, hb({ role: 'host', epoch: 2001, hostId: B, seq: 999 }), claimAt),
      [],
      'refused while A still counts as live',
    );
    const decisions = e.tick(goneAt + 1);
    assert.deepEqual(
      decisions.map((d) => d.kind),
      ['lost-host', 'follow'],
      'follows B at once (it would otherwise wait for B\u2019s next heartbeat)',
    );
    assert.equal(e.hostId, B);
    assert.equal(e.epoch, 2001);
  });

  it('two hosts meet: the newer epoch wins, a tie goes to the earlier member id', () => {
    const b = new Election(electionConfig(B));
    b.setMembers([A, B]);
    b.create(0);
    assert.equal(b.epoch, 1001);
    const d = b.onHeartbeat(A, hb({ role: 'host', epoch: 2000 }), 10);
    assert.equal(b.role, 'member');
    assert.equal(d[0]?.kind, 'follow');

    const a = new Election(electionConfig(A));
    a.setMembers([A, B]);
    a.create(0); // epoch 1000
    // B claims the same epoch: A (earlier id) keeps hosting.
    assert.deepEqual(a.onHeartbeat(B, hb({ role: 'host', epoch: 1000 }), 10), []);
    assert.equal(a.role, 'host');
    const b2 = new Election(electionConfig(B), 1000);
    b2.setMembers([A, B]);
    b2.onHandover(A, B, 1000 + 1001, 0);
    assert.equal(b2.role, 'host');
  });

  it('a graceful leave is seen at once, without waiting for the detector', () => {
    const e = new Election(electionConfig(B));
    e.setMembers([A, B]);
    e.start(0);
    beat(e, A, { role: 'host' }, 0, 2_000);
    const d = e.onLeave(A, 2_000);
    assert.ok(e.isLive(A, 1_999) === false);
    assert.ok(
      d.some((x) => x.kind === 'become-host'),
      `decisions: ${JSON.stringify(d)}`,
    );
    assert.equal(e.role, 'host');
  });

  it('fails back to an earlier member only after the stability window', () => {
    const e = new Election(electionConfig(B, { stabilityMs: 15_000 }));
    e.setMembers([A, B]);
    e.create(0);
    const decisions: string[] = [];
    let t = 0;
    for (; t < 20_000; t += 250) {
      for (const d of e.onHeartbeat(A, hb({ seq: t, hostId: B, epoch: 1001, echo: t - 250 }), t))
        decisions.push(`${t}:${d.kind}`);
      for (const d of e.tick(t)) decisions.push(`${t}:${d.kind}`);
      if (decisions.some((x) => x.endsWith('failback'))) break;
    }
    assert.ok(t >= 15_000 && t < 16_000, `failback at ${t}: ${decisions.join(' ')}`);
  });
});
