import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { register } from 'node:module';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type * as StandInModule from '../electron/electron-stand-in';
import { UiPeer, insideSandbox, tempDir } from './peers';

/**
 * The real main process (dist/main/main.js, as `npm start` runs it) in plain Node, with a
 * stand-in for the `electron` module: every IPC handler and the lifecycle — ready → window
 * → calls → close → graceful leave (the host hands over) → quit.
 */

const skip = insideSandbox()
  ? false
  : 'run through `npm run test:e2e` (needs its network namespace)';
const RENDERER = path.resolve('dist/renderer/index.html');
const PAGE = pathToFileURL(RENDERER).href;

type StandIn = typeof StandInModule;

async function until<T>(
  what: string,
  fn: () => T | Promise<T>,
  ms = 15_000,
): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('main process with an Electron stand-in', { skip }, () => {
  let e: StandIn;
  let other: UiPeer;
  const dir = tempDir();
  type Result = { ok: boolean; value?: unknown; error?: { code: string; message: string } };
  let call: (method: string, params?: unknown) => Promise<Result>;
  let win: InstanceType<StandIn['StandInWindow']>;

  before(async () => {
    register(new URL('../electron/resolve-hooks.mjs', import.meta.url));
    e = (await import('electron')) as unknown as StandIn;
    assert.ok(e.recorded, 'electron resolves to the stand-in');
    process.argv = [
      process.argv[0]!,
      'dist/main/main.js',
      '--profile',
      'smoke',
      '--name',
      'Prof. Kim',
    ];
    await import(pathToFileURL(path.resolve('dist/main/main.js')).href);
  });

  after(async () => {
    await other?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sets the profile before ready, then opens one hardened window on the built renderer', async () => {
    assert.match(e.app.getPath('userData'), /Baton[/\\]profile-smoke$/);
    e.app.fireReady();
    win = await until('the window', () => e.recorded.windows[0]);
    await until('the window shown', () => win.visible);
    const prefs = win.options.webPreferences!;
    assert.equal(prefs.contextIsolation, true);
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.nodeIntegration, false);
    assert.ok(fs.existsSync(prefs.preload as string), 'the preload is built');
    assert.equal(path.basename(prefs.preload as string), 'preload.cjs');
    assert.equal(win.loaded, RENDERER);
    assert.deepEqual(win.webContents.windowOpenHandler?.({ url: 'https://example.com' }), {
      action: 'deny',
    });
    let prevented = false;
    win.webContents.emit(
      'will-navigate',
      { preventDefault: () => (prevented = true) },
      'https://x',
    );
    assert.ok(prevented, 'navigation is denied');
    let granted: boolean | null = null;
    e.recorded.permissionHandler?.(null, 'media', (ok) => (granted = ok));
    assert.equal(granted, false, 'permissions are denied');
    call = (method, params) =>
      e.ipcMain.invoke('baton:call', win.webContents, PAGE, method, params) as Promise<Result>;
  });

  it('answers our page, drops unknown senders and bad calls with clear errors', async () => {
    const status = await call('status');
    assert.equal(status.ok, true);
    assert.equal((status.value as { name: string }).name, 'Prof. Kim');
    const stranger = new e.StandInWindow({}).webContents;
    const r1 = (await e.ipcMain.invoke('baton:call', stranger, PAGE, 'status')) as Result;
    assert.equal(r1.error?.code, 'forbidden');
    const r2 = (await e.ipcMain.invoke(
      'baton:call',
      win.webContents,
      'https://evil.example/',
      'status',
    )) as Result;
    assert.equal(r2.error?.code, 'forbidden');
    assert.equal((await call('fs.readFile')).error?.code, 'unknown-method');
    assert.equal((await call('session.create', { name: '' })).error?.code, 'validation');
    assert.equal((await call('status')).ok, true, 'still working');
    // The stranger window was never shown the API's events either.
    e.recorded.windows.splice(e.recorded.windows.indexOf(e.recorded.windows.at(-1)!), 1);
  });

  it('runs a session: events reach the window, notifications fire, settings persist', async () => {
    const created = await call('session.create', {
      name: 'CS 101',
      staffPasscode: 'lab-42-please',
    });
    assert.equal(created.ok, true, JSON.stringify(created));
    await until('a role event to the window', () =>
      win.webContents.sent.find(
        (s) =>
          s.channel === 'baton:event' &&
          s.args[0] === 'role' &&
          (s.args[1] as { role: string }).role === 'host',
      ),
    );
    // A second laptop (a headless peer) finds the session and joins it.
    other = new UiPeer("Ana's laptop", path.join(dir, 'ana'));
    await other.start();
    const sessionId = (created.value as { sessionId: string }).sessionId;
    await until('the session listed', async () =>
      ((await other.call('sessions.list')) as { sessionId: string }[]).some(
        (s) => s.sessionId === sessionId,
      ),
    );
    await other.call('session.join', { sessionId });

    // Someone joins the empty queue: the TA (staff from creating it) is notified.
    assert.equal(
      (await call('queue.join', { name: 'Sam', topic: 'Lab 3', location: 'Row 1' })).ok,
      true,
    );
    await until('the staff notification', () =>
      e.recorded.notifications.find((n) => n.title === 'Someone is waiting'),
    );
    // Staff calls that entry, whose owner is this copy: the student notification.
    assert.equal((await call('staff.helpNext')).ok, true);
    const n = await until('the called notification', () =>
      e.recorded.notifications.find((x) => x.title === "It's your turn"),
    );
    assert.match(n.body, /calling you/);
    assert.deepEqual(e.recorded.flashes, [true], 'the unfocused window asks for attention');

    // Toggles and names go to electron-store.
    assert.equal((await call('prefs.set', { notifyCalled: false, sound: false })).ok, true);
    assert.equal((await call('profile.setName', { name: 'Prof. Kim (TA)' })).ok, true);
    const file = path.join(e.app.getPath('userData'), 'settings.json');
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      name: string;
      prefs: { notifyCalled: boolean };
      recentSessions: { sessionId: string; name: string; memberId: string | null }[];
    };
    assert.equal(saved.name, 'Prof. Kim (TA)');
    assert.equal(saved.prefs.notifyCalled, false);
    assert.equal(saved.recentSessions[0]?.sessionId, sessionId);
    assert.equal(saved.recentSessions[0]?.name, 'CS 101');
    assert.ok(saved.recentSessions[0]?.memberId, 'member id remembered');
    const prefs = (await call('prefs.get')).value as {
      notifyCalled: boolean;
      notifyJoined: boolean;
    };
    assert.deepEqual([prefs.notifyCalled, prefs.notifyJoined], [false, true]);
  });

  it('closing the window leaves gracefully (the host hands over), then quits', async () => {
    win.setBounds({ width: 1000, height: 700 });
    // The last TA on duty, over an open queue, is asked first; Cancel keeps the window.
    e.recorded.messageBoxAnswer = 2;
    win.close();
    await until('the last-TA question', () => e.recorded.messageBoxes[0]);
    assert.equal(e.recorded.messageBoxes[0]!.message, 'You are the last TA. Close the queue?');
    assert.equal(win.closed, false, 'Cancel keeps the window open');
    // "Close the queue and leave": the queue closes, then the graceful leave.
    e.recorded.messageBoxAnswer = 0;
    const t0 = Date.now();
    win.close();
    await until('quit', () => e.app.quitted, 10_000);
    assert.equal(e.recorded.exitCode, null, 'no forced exit');
    const st = await until('the other laptop hosting', async () => {
      const s = (await other.call('status')) as { role: string };
      return s.role === 'host' ? s : null;
    });
    console.log(`  window closed → quit and handover in ${Date.now() - t0} ms`);
    assert.equal(st.role, 'host');
    const q = (await other.call('queue.get')) as {
      open: boolean;
      entries: { name: string; status: string }[];
    };
    assert.deepEqual(
      q.entries.map((x) => [x.name, x.status]),
      [['Sam', 'called']],
    );
    assert.equal(q.open, false, 'the last TA closed the queue on the way out');
    const file = path.join(e.app.getPath('userData'), 'settings.json');
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { windowBounds: { width: number } };
    assert.equal(saved.windowBounds.width, 1000, 'window bounds saved');
  });
});
