import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, formatEstimate, hostChangeText, ordinal } from '../../renderer/format';

describe('formatDuration', () => {
  it('shows tenths under ten seconds, whole seconds, then minutes', () => {
    assert.equal(formatDuration(400), '0.4 s');
    assert.equal(formatDuration(12_300), '12 s');
    assert.equal(formatDuration(180_000), '3 min');
    assert.equal(formatDuration(-1), '—');
  });
});

describe('UI wording', () => {
  it('wait estimates round to minutes and say nothing without samples', () => {
    assert.equal(formatEstimate({ lowMs: 240_000, highMs: 610_000, samples: 3 }), 'about 4–10 min');
    assert.equal(formatEstimate({ lowMs: 10_000, highMs: 20_000, samples: 1 }), 'about 1 min');
    assert.equal(formatEstimate({ lowMs: 0, highMs: 0, samples: 0 }), null);
    assert.equal(formatEstimate(null), null);
  });

  it('ordinals', () => {
    assert.deepEqual([1, 2, 3, 4, 11, 12, 13, 21, 22, 101].map(ordinal), [
      '1st',
      '2nd',
      '3rd',
      '4th',
      '11th',
      '12th',
      '13th',
      '21st',
      '22nd',
      '101st',
    ]);
  });

  it('host change toasts name who left, who hosts and how long it took', () => {
    const base = { fromName: "Alice's laptop", toName: "Bob's laptop", gapMs: 400 };
    assert.equal(
      hostChangeText({ ...base, reason: 'failover', toIsMe: false }),
      "Alice's laptop left — Bob's laptop is hosting now, 0.4 s",
    );
    assert.equal(
      hostChangeText({ ...base, reason: 'failover', toIsMe: true }),
      "Alice's laptop left — this laptop is hosting now, 0.4 s",
    );
    assert.equal(
      hostChangeText({ ...base, reason: 'failback', toIsMe: false }),
      "Hosting moved from Alice's laptop back to Bob's laptop",
    );
    assert.equal(
      hostChangeText({ ...base, fromName: '', reason: 'start', toIsMe: true }),
      'This laptop is hosting now',
    );
  });
});
