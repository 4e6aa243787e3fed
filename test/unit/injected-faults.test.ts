import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asDeviceId } from '../../core/ids';
import { SeededRandom } from '../../core/random';
import { InjectedFaults, JITTER } from '../../core/transport/injected-faults';

describe('injected bad Wi-Fi (for the soak)', () => {
  it('delays about 3 % of frames by 50–300 ms and delivers everything outside loss bursts', async () => {
    const got: { frame: string; at: number }[] = [];
    const inner = {
      send: (_to: unknown, frame: string) => got.push({ frame, at: Date.now() }),
      onFrame: () => {},
    };
    const noBursts = {
      ...JITTER,
      lossBurst: { ...JITTER.lossBurst, everyMs: 1e12 },
      stall: { everyMs: 1e12, lastsMs: 0 },
    };
    const t = new InjectedFaults(inner, noBursts, new SeededRandom(5));
    const sentAt = Date.now();
    for (let i = 0; i < 2_000; i++) t.send(asDeviceId('d'), `f${i}`);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(got.length, 2_000, 'nothing lost without a burst');
    const late = got.filter((g) => g.at - sentAt >= 45);
    assert.ok(late.length > 20 && late.length < 120, `${late.length} of 2000 delayed`);
    assert.equal(t.counts.delayed, late.length);
  });

  it('drops some frames during a loss burst', async () => {
    const got: string[] = [];
    const inner = { send: (_to: unknown, f: string) => got.push(f), onFrame: () => {} };
    const t = new InjectedFaults(
      inner,
      {
        delayShare: 0,
        delayMs: [0, 0],
        lossBurst: { everyMs: 1, lastsMs: 10_000, share: 0.5 },
        stall: { everyMs: 1e12, lastsMs: 0 },
      },
      new SeededRandom(6),
    );
    await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 1_000; i++) t.send(asDeviceId('d'), `f${i}`);
    assert.ok(t.counts.dropped > 400 && t.counts.dropped < 600, `${t.counts.dropped} dropped`);
    assert.equal(got.length, 1_000 - t.counts.dropped);
  });

  it('holds every frame during a stall, then delivers them', async () => {
    const got: number[] = [];
    const inner = { send: () => got.push(Date.now()), onFrame: () => {} };
    const t = new InjectedFaults(
      inner,
      {
        delayShare: 0,
        delayMs: [0, 0],
        lossBurst: { everyMs: 1e12, lastsMs: 0, share: 0 },
        stall: { everyMs: 1, lastsMs: 150 },
      },
      new SeededRandom(7),
    );
    await new Promise((r) => setTimeout(r, 5));
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) t.send(asDeviceId('d'), `f${i}`);
    assert.equal(got.length, 0, 'held');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(got.length, 10);
    assert.ok(Math.min(...got) - t0 >= 120, 'released after the stall');
  });
});
