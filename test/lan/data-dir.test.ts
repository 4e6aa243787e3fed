import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { CliPeer } from '../cli-peer';

/**
 * One process per data dir, on real processes: a second `baton peer` on a dir in use exits
 * with code 3 naming the dir and the process holding it; after kill -9 of the holder the
 * next start takes the dir at once; after a clean exit too. (Inside the LAN sandbox: the
 * peers open sockets, on loopback only with --no-mdns and --interface 127.0.0.1.)
 */

const CLI = path.resolve('dist/cli/baton.js');
const args = (dir: string, name: string) => [
  CLI,
  'peer',
  '--data-dir',
  dir,
  '--name',
  name,
  '--no-mdns',
  '--interface',
  '127.0.0.1',
  '--stdio',
];

function peer(dir: string, name: string): CliPeer {
  return new CliPeer(name, () => [process.execPath, ...args(dir, name)]);
}

/** Start a second process on `dir` that is expected to exit: its code and stderr. */
function secondStart(dir: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, args(dir, 'second'), { timeout: 15_000 }, (e, _out, stderr) =>
      resolve({ code: e ? ((e as { code?: number }).code ?? null) : 0, stderr }),
    ),
  );
}

describe('LAN: one process per data dir', () => {
  it('a second process on a dir in use exits with code 3 naming the holder; kill -9 and a clean exit both leave it free for the next start', async () => {
    const dir = fs.mkdtempSync('/tmp/baton-lock-');
    const first = peer(dir, 'first');
    const ready = await first.start();
    try {
      await first.call('session.create', { name: 'CPSC 416', staffPasscode: 'a long passphrase' });
      const pid = first.proc!.pid!;
      const r = await secondStart(dir);
      assert.equal(r.code, 3, r.stderr);
      assert.ok(r.stderr.includes(dir), r.stderr);
      assert.match(r.stderr, new RegExp(`process ${pid} `), r.stderr);
      assert.ok(first.running, 'the first keeps running');
      // kill -9: nothing is released by the process itself; the next start takes the dir.
      first.kill('SIGKILL');
      await first.exited();
      const again = peer(dir, 'again');
      const t0 = Date.now();
      const d = await again.start();
      const ms = Date.now() - t0;
      assert.equal(d.deviceId, ready.deviceId, 'the same laptop');
      const st = await again.call<{ role: string }>('status');
      assert.ok(['host', 'member', 'none'].includes(st.role));
      console.log(`# restart after kill -9 ready in ${ms} ms`);
      // A clean exit gives the dir back: the next start works too.
      again.kill('SIGTERM');
      assert.equal(await again.exited(), 0);
      const third = peer(dir, 'third');
      await third.start();
      third.kill('SIGTERM');
      await third.exited();
    } finally {
      if (first.running) first.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
