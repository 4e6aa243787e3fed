import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { CoreScript } from './script';

// The data-driven SessionCore tests (etcd raft's style): each file in testdata/ is a
// script of directives, each followed by `----` and the outputs it must give. REWRITE=1
// writes what the code gives instead (then read the diff: it is the behaviour change).

const DIR = path.join(import.meta.dirname, 'testdata');

interface Case {
  directive: string;
  expected: string[];
}

function parse(text: string): { cases: Case[]; comments: Map<number, string[]> } {
  const lines = text.split('\n');
  const cases: Case[] = [];
  const comments = new Map<number, string[]>();
  let pending: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('#') || line.trim() === '') {
      if (line.startsWith('#')) pending.push(line);
      continue;
    }
    assert.equal(lines[i + 1], '----', `line ${i + 2}: "----" after a directive`);
    const expected: string[] = [];
    let j = i + 2;
    for (; j < lines.length && lines[j] !== ''; j++) expected.push(lines[j]!);
    if (pending.length) comments.set(cases.length, pending);
    pending = [];
    cases.push({ directive: line, expected });
    i = j;
  }
  return { cases, comments };
}

describe('SessionCore, driven directly (data-driven scripts)', () => {
  for (const file of fs
    .readdirSync(DIR)
    .filter((f) => f.endsWith('.txt'))
    .sort()) {
    it(file.replace(/\.txt$/, ''), () => {
      const full = path.join(DIR, file);
      const { cases, comments } = parse(fs.readFileSync(full, 'utf8'));
      const script = new CoreScript();
      const actual = cases.map((c) => script.run(c.directive));
      if (process.env.REWRITE) {
        const out = cases
          .map((c, k) =>
            [...(comments.get(k) ?? []), c.directive, '----', ...actual[k]!].join('\n'),
          )
          .join('\n\n');
        fs.writeFileSync(full, `${out}\n`);
        return;
      }
      cases.forEach((c, k) =>
        assert.deepEqual(actual[k], c.expected, `${file}: after "${c.directive}"`),
      );
    });
  }
});
