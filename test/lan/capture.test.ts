import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Classroom, sleep } from './classroom';
import { PhoneClient } from './phone-client';

/**
 * A bystander on the room's Wi-Fi: tshark on the room's bridge (inside this test's own
 * network namespace) records a whole session — create, join, a phone joining over plain
 * HTTP, a staff login, a private note, an edit, a host that dies and the next one — and
 * nothing anyone said is readable in the capture: no name, topic, note, passphrase or
 * owner secret, and not one protocol frame (laptops: TLS; phones: sealed boxes). Before,
 * every `cmd` was plain JSON on the wire.
 */
const TSHARK = '/usr/bin/tshark';
const skip = fs.existsSync(TSHARK) ? false : 'no tshark (apt-get install tshark)';

function startCapture(iface: string, file: string): ChildProcess {
  const p = spawn(TSHARK, ['-i', iface, '-w', file, '-q'], { stdio: ['ignore', 'ignore', 'pipe'] });
  p.stderr!.setEncoding('utf8');
  return p;
}

async function capturing(p: ChildProcess): Promise<void> {
  let err = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`tshark did not start: ${err}`)), 10_000);
    p.stderr!.on('data', (d: string) => {
      err += d;
      if (/Capture started|Capturing on/.test(err)) {
        clearTimeout(t);
        resolve();
      }
    });
  });
}

/** The capture's packets matching `filter`, as one buffer of their raw bytes. */
function bytesOf(file: string, filter: string): Buffer {
  const hex = execFileSync(TSHARK, ['-r', file, '-Y', filter, '-x'], {
    maxBuffer: 512 * 1024 * 1024,
  }).toString();
  const bytes: number[] = [];
  for (const line of hex.split('\n')) {
    const m = /^[0-9a-f]{4}\s{2}((?:[0-9a-f]{2}\s)+)/.exec(line);
    if (m) for (const b of m[1]!.trim().split(/\s+/)) bytes.push(parseInt(b, 16));
  }
  return Buffer.from(bytes);
}

describe('LAN: a packet capture of a whole session', { skip }, () => {
  it('reads nothing the laptops and phones said (the mDNS announcement is the only clear text)', async () => {
    const c = new Classroom(3);
    const file = path.join(c.room.dir, 'room.pcapng');
    const tshark = startCapture(c.room.bridge, file);
    try {
      await capturing(tshark);
      await c.setUp();
      const [host, student, ta] = [c.peer(0), c.peer(1), c.peer(2)];
      const secrets = {
        name: 'Quintessa Marlowe',
        topic: 'zygohistomorphic prepromorphisms',
        edited: 'catamorphisms after all',
        note: 'bring the laptop charger, Quintessa',
        passphrase: 'letmein-please',
        phoneName: 'Philippa Zaragoza-Quill',
        phoneTopic: 'monads in the wild',
      };
      const { entryId } = await student.call<{ entryId: string }>('queue.join', {
        name: secrets.name,
        topic: secrets.topic,
        location: 'table 7',
      });
      // A phone (this test process, on the room's bridge) joins over plain HTTP.
      const phone = await PhoneClient.open(`${student.address}:${student.port}`);
      phone.hello();
      const signed = await phone.command({
        m: 'join',
        name: secrets.phoneName,
        topic: secrets.phoneTopic,
        location: 'by the window',
      });
      assert.equal(signed.ok, true, JSON.stringify(signed));
      phone.ws.close();
      await ta.call('staff.login', { passcode: secrets.passphrase });
      await ta.call('staff.message', { entryId, text: secrets.note });
      // The host dies; the room carries on with the next one.
      host.kill('SIGKILL');
      await host.exited();
      await c.agreedHost(15_000);
      await student.call('queue.edit', { entryId, topic: secrets.edited }, 15_000);
      await sleep(500);
      tshark.kill('SIGINT');
      await new Promise((r) => tshark.once('exit', r));

      const links = bytesOf(file, 'tcp');
      const mdns = bytesOf(file, 'udp.port == 5353');
      assert.ok(
        links.length > 20_000,
        `the capture holds the links' traffic (${links.length} bytes)`,
      );
      // The method can see clear text: the session's name is in its mDNS announcement.
      assert.ok(mdns.includes('CPSC 416 office hours'), 'control: mDNS text is found');
      for (const [what, text] of Object.entries(secrets))
        assert.ok(!links.includes(text), `the ${what} is readable on the wire`);
      // The owner secret that proves the entry is the student's (it travels in the edit).
      const secretFile = fs
        .readdirSync(path.join(student.dataDir, 'sessions', c.sessionId))
        .find((f) => f.includes('secret'));
      assert.ok(secretFile, 'the student laptop keeps its owner secret');
      const stored = fs.readFileSync(
        path.join(student.dataDir, 'sessions', c.sessionId, secretFile),
        'utf8',
      );
      const owned = stored.match(/[0-9a-f]{64}/g) ?? [];
      assert.ok(owned.length > 0);
      for (const s of owned)
        assert.ok(!links.includes(s), 'an owner secret is readable on the wire');
      // Not one frame: every frame of the protocol is JSON starting with {"type":
      assert.ok(!links.includes('{"type":'), 'a protocol frame is readable on the wire');
    } finally {
      tshark.kill('SIGKILL');
      await c.close();
    }
  });
});
