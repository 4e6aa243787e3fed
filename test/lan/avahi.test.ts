import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { LanRoom } from './harness';

/**
 * The OS's own mDNS responder on the same laptop must not break discovery: avahi-daemon
 * runs in laptop 0's namespace, bound to UDP 5353 like Baton, and the two laptops still
 * find each other both ways. Run by test/lan/run-avahi.sh (real root, unshare -nm).
 */
const skip =
  process.env.BATON_AVAHI_SANDBOX === '1'
    ? false
    : 'run through test/lan/run-avahi.sh (avahi-daemon needs real root in a private namespace)';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('LAN: discovery beside avahi-daemon', { skip }, () => {
  it('a laptop running avahi-daemon announces and finds sessions as before', async () => {
    const room = new LanRoom(2);
    let avahi: ChildProcess | null = null;
    let avahiLog = '';
    try {
      const conf = path.join(room.dir, 'avahi-daemon.conf');
      fs.writeFileSync(
        conf,
        [
          '[server]',
          'use-ipv4=yes',
          'use-ipv6=no',
          'enable-dbus=no',
          `allow-interfaces=r${room.id}e0`,
          '[publish]',
          'publish-workstation=yes',
          '[reflector]',
          '[rlimits]',
          '',
        ].join('\n'),
      );
      fs.mkdirSync('/run/avahi-daemon', { recursive: true });
      avahi = spawn(
        'ip',
        [
          'netns',
          'exec',
          room.peer(0).ns,
          'avahi-daemon',
          '-f',
          conf,
          '--no-chroot',
          '--no-rlimits',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      avahi.stdout!.on('data', (d: Buffer) => (avahiLog += d.toString()));
      avahi.stderr!.on('data', (d: Buffer) => (avahiLog += d.toString()));
      for (let i = 0; i < 50 && !/Server startup complete/.test(avahiLog); i++) await sleep(200);
      assert.match(avahiLog, /Server startup complete/, `avahi-daemon did not start:\n${avahiLog}`);
      assert.equal(avahi.exitCode, null, 'avahi-daemon is running');

      await room.startAll();
      // Baton beside avahi hosts; the other laptop must see the session appear by itself.
      const { sessionId } = await room.peer(0).call<{ sessionId: string }>('session.create', {
        name: 'Beside avahi',
        staffPasscode: 'letmein-please',
      });
      let listed = false;
      for (let i = 0; i < 60 && !listed; i++) {
        const l = await room.peer(1).call<{ sessionId: string }[]>('sessions.list');
        listed = l.some((s) => s.sessionId === sessionId);
        if (!listed) await sleep(500);
      }
      assert.ok(listed, 'the session announced beside avahi is found');
      await room.peer(1).call('session.join', { sessionId });
      // And the laptop beside avahi hears the other one's announcements too. (Joining
      // re-announces: between the old record's goodbye and the new one, none is listed.)
      type Heard = { batonsHeard: number; mdns: { packetsHeard: number } };
      let d = await room.peer(0).call<Heard>('diag.network');
      for (let i = 0; i < 50 && !(d.batonsHeard >= 1 && d.mdns.packetsHeard > 0); i++) {
        await sleep(200);
        d = await room.peer(0).call<Heard>('diag.network');
      }
      assert.ok(d.batonsHeard >= 1 && d.mdns.packetsHeard > 0, JSON.stringify(d));
      assert.equal(avahi.exitCode, null, 'avahi-daemon is still running');
      assert.match(avahiLog, /Joining mDNS multicast group/);
    } catch (e) {
      console.error(room.logs(), `--- avahi ---\n${avahiLog}`);
      throw e;
    } finally {
      avahi?.kill('SIGTERM');
      await room.close();
    }
  });
});
