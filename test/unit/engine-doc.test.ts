import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

// docs/ENGINE.md promises a complete app that runs as it is: this runs that very code
// block (a single copy on loopback) and checks what it prints.

describe('docs/ENGINE.md', () => {
  it('its complete app runs: a session of one creates, votes, is acknowledged and leaves', async () => {
    const doc = fs.readFileSync('docs/ENGINE.md', 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(block, 'a ts block in ENGINE.md');
    const lines = block.trim().split('\n').length;
    assert.ok(lines <= 40, `the complete app is ${lines} lines`);
    fs.mkdirSync('.tmp', { recursive: true });
    const file = path.resolve('.tmp', 'engine-doc-vote.ts');
    // The block imports from the repository root ('./core/…'); this file sits in .tmp/.
    fs.writeFileSync(file, block.replaceAll("from './core/", "from '../core/"));
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', file],
        { timeout: 30_000 },
        (e, stdout, stderr) => (e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(stdout)),
      ),
    );
    assert.match(out, /^acknowledged \{.*noodles.*\}/m);
  });
});
