import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration } from '../../renderer/format';

describe('formatDuration', () => {
  it('shows tenths under ten seconds, whole seconds, then minutes', () => {
    assert.equal(formatDuration(400), '0.4 s');
    assert.equal(formatDuration(12_300), '12 s');
    assert.equal(formatDuration(180_000), '3 min');
    assert.equal(formatDuration(-1), '—');
  });
});
