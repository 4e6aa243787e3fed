import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { BrowserWindow } from 'electron';
import { app, dialog, session as electronSession } from 'electron';
import { SessionNode } from '../core/node';
import { ApiBridge } from './ipc';
import { Notifier } from './notifications';
import { Settings } from './settings';
import { MainWindow, PATHS } from './windows';

export { PATHS } from './windows';

/**
 * The Electron main process's lifecycle: one SessionNode per running copy and one window
 * over it (windows.ts); the window's preload reaches the node only through the IPC bridge
 * (ipc.ts: our window, our page); desktop notifications in notifications.ts. Closing the
 * last window is a graceful leave — a host hands over first — and then the app quits.
 */

export interface MainOptions {
  argv: string[];
  log?: (line: string) => void;
}

/** `--profile NAME`: several copies on one laptop (a demo), each with its own data. */
export function parseMainArgs(argv: string[]): { profile: string | null; name: string | null } {
  const { values } = parseArgs({
    args: argv,
    options: { profile: { type: 'string' }, name: { type: 'string' } },
    strict: false,
    allowPositionals: true,
  });
  const profile = typeof values.profile === 'string' ? values.profile : null;
  if (profile !== null && !/^[\w-]{1,40}$/.test(profile))
    throw new Error(`--profile takes letters, digits, - and _ (got "${profile}")`);
  return { profile, name: typeof values.name === 'string' ? values.name : null };
}

function defaultName(profile: string | null): string {
  let user = 'My';
  try {
    const u = os.userInfo().username;
    if (u) user = u.charAt(0).toUpperCase() + u.slice(1);
  } catch {
    // no user name: keep the generic one
  }
  return profile ? `${user}'s laptop (${profile})` : `${user}'s laptop`;
}

export class BatonMain {
  node: SessionNode | null = null;
  settings: Settings | null = null;
  private readonly window: MainWindow;
  private readonly bridge: ApiBridge;
  private lastTa = false;
  private quitting: Promise<void> | null = null;
  private readonly log: (line: string) => void;
  private readonly args: ReturnType<typeof parseMainArgs>;

  constructor(private readonly o: MainOptions) {
    this.log = o.log ?? ((l) => process.stderr.write(`[baton] ${l}\n`));
    this.args = parseMainArgs(o.argv);
    // Each profile is its own laptop as far as the session is concerned; set before ready.
    const base = path.join(app.getPath('appData'), 'Baton');
    app.setPath(
      'userData',
      path.join(base, this.args.profile ? `profile-${this.args.profile}` : 'default'),
    );
    this.window = new MainWindow({
      settings: () => this.settings,
      isLastTa: () => this.lastTa,
      closeQueue: async () => {
        const r = await this.node?.service.call('staff.setOpen', { open: false });
        if (r && !r.ok) this.log(`closing the queue: ${r.error.message}`);
      },
    });
    this.bridge = new ApiBridge({
      node: () => this.node,
      window: this.window,
      log: (l) => this.log(l),
      called: (method, params) => {
        if (method === 'profile.setName' && this.settings)
          this.settings.name = (params as { name: string }).name.trim();
      },
    });
  }

  /** Wire the app's lifecycle; resolves once the window is up. */
  async run(): Promise<void> {
    if (!app.requestSingleInstanceLock()) {
      this.log('this profile is already open: focusing its window');
      app.quit();
      return;
    }
    app.on('second-instance', () => this.window.focus());
    app.on('window-all-closed', () => void this.leaveAndQuit('last window closed'));
    app.on('before-quit', (e) => {
      // Quit from the menu or the OS: leave gracefully first, then quit for real.
      if (this.node && !this.quitting) {
        e.preventDefault();
        void this.leaveAndQuit('quit');
      }
    });
    app.on('activate', () => {
      if (!this.window.current && this.node && !this.quitting) this.window.open();
    });

    await app.whenReady();
    try {
      this.settings = new Settings();
      if (this.args.name) this.settings.name = this.args.name;
      const settings = this.settings;
      this.node = new SessionNode({
        dataDir: path.join(app.getPath('userData'), 'node'),
        phoneDir: path.dirname(PATHS.renderer),
        name: this.settings.name || defaultName(this.args.profile),
        log: (l) => this.log(l),
        prefs: { get: () => settings.prefs, set: (p) => (settings.prefs = p) },
      });
    } catch (e) {
      // A read-only or full profile directory: say so, by name, and quit (no crash loop).
      const why = `${(e as Error).message} (profile: ${app.getPath('userData')})`;
      this.log(why);
      dialog.showErrorBox('Baton cannot start', why);
      app.exit(3);
      return;
    }
    this.hookEvents(this.node);
    this.watchLastTa(this.node);
    this.hardenSession();
    const { port, resumed } = await this.node.start();
    this.log(`listening on port ${port}${resumed ? ', back in the last session' : ''}`);
    this.window.open();
  }

  /** Close the window = leave. Also what SIGTERM and the quit menu do. */
  leaveAndQuit(why: string): Promise<void> {
    this.quitting ??= (async () => {
      this.log(`${why}: leaving the session gracefully`);
      const hard = setTimeout(() => app.exit(1), 5_000);
      try {
        await this.node?.shutdown();
      } catch (e) {
        this.log(`shutdown: ${(e as Error).message}`);
      }
      clearTimeout(hard);
      app.quit();
    })();
    return this.quitting;
  }

  get mainWindow(): BrowserWindow | null {
    return this.window.current;
  }

  /** Whether this copy is the last TA on duty over an open queue (kept fresh from events). */
  private watchLastTa(node: SessionNode): void {
    const look = async (): Promise<void> => {
      const [st, q] = await Promise.all([
        node.service.call('status'),
        node.service.call('queue.get'),
      ]);
      this.lastTa =
        st.ok && q.ok && st.value.isStaff && q.value.open && q.value.staffOnDuty.count <= 1;
    };
    for (const e of ['state', 'members', 'role'] as const)
      node.service.events.on(e, () => void look());
  }

  private hookEvents(node: SessionNode): void {
    const service = node.service;
    this.bridge.forwardEvents(node);
    service.events.on('role', () => this.rememberSession());
    new Notifier({
      window: () => this.window.current,
      prefs: () => this.settings?.prefs ?? {},
      focus: () => this.window.focus(),
    }).hook(service);
  }

  private rememberSession(): void {
    const peer = this.node?.service.currentPeer;
    if (!peer?.isRunning || !peer.sessionId || !this.settings) return;
    this.settings.noteSession(
      {
        sessionId: peer.sessionId,
        name: peer.doc?.baton?.session?.name ?? '',
        memberId: peer.memberId ?? null,
      },
      Date.now(),
    );
  }

  /** No permissions, no downloads but the CSV export (with a save dialog). */
  private hardenSession(): void {
    const ses = electronSession.defaultSession;
    ses.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
    ses.on('will-download', (_e, item) => {
      item.setSaveDialogOptions({
        title: 'Export the queue as CSV',
        defaultPath: path.join(app.getPath('documents'), item.getFilename()),
        filters: [{ name: 'CSV', extensions: ['csv'] }],
      });
    });
  }
}
