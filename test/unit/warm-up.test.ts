import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TimerHandle } from '../../core/clock';
import { warmUpLoading } from '../../core/engine/warm-up';
import { ManualClock } from '../sim/manual-clock';

/** A manual clock that counts the timers set (one per slice of work). */
class CountingClock extends ManualClock {
  set = 0;
  override setTimer(ms: number, fn: () => void): TimerHandle {
    this.set++;
    return super.setTimer(ms, fn);
  }
}

describe('warming up Automerge loading on the start screen', () => {
  it('works in slices, each its own timer turn, and ends by itself', () => {
    const clock = new CountingClock();
    const w = warmUpLoading(clock);
    assert.equal(clock.set, 1, 'nothing runs at once: the first slice is a timer');
    clock.advance(0);
    // 1,000 changes in slices of 250, then three loads: seven turns, the event loop free between.
    assert.equal(clock.set, 7);
    clock.advance(1000);
    assert.equal(clock.set, 7, 'nothing more once done');
    w.stop(); // a session starts after: nothing left to stop, nothing freed twice
  });

  it('stops when told (a session started), at any point, any number of times', () => {
    const clock = new CountingClock();
    const w = warmUpLoading(clock);
    let slices = 0;
    clock.afterEach = () => {
      if (++slices === 2) w.stop();
    };
    clock.advance(0);
    assert.equal(slices, 2, 'no slice after stop');
    w.stop();
    const done = warmUpLoading(new ManualClock());
    done.stop();
    done.stop();
  });
});
