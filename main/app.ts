import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  BrowserWindow,
  app,
  dialog,
  ipcMain,
  session as electronSession,
  type IpcMainInvokeEvent,
  type WebContents,
} from 'electron';
import { EVENTS, type ApiResult } from '../core/api/contract';
import { METHOD_NAMES } from '../core/api/names';
import { SessionNode } from '../core/node';
import { Notifier } from './notifications';
import { Settings } from './settings';

/**
 * The Electron main process: one SessionNode per running copy, one window over it. The
 * window's preload reaches the node only through `baton:call` (checked: our window, our
 * page) and hears it through `baton:event`. Closing the last window is a graceful leave —
 * a host hands over first — and then the app quits.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
/** Built files, relative to dist/main/. */
export const PATHS = {
  preload: path.join(here, '..', 'preload', 'preload.cjs'),
  renderer: path.join(here, '..', 'renderer', 'index.html'),
};

export const CALL_CHANNEL = 'baton:call';
export const EVENT_CHANNEL = 'baton:event';

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
  private window: BrowserWindow | null = null;
  private lastTa = false;
  private closeConfirmed = false;
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
  }

  /** Wire the app's lifecycle; resolves once the window is up. */
  async run(): Promise<void> {
    if (!app.requestSingleInstanceLock()) {
      this.log('this profile is already open: focusing its window');
      app.quit();
      return;
    }
    app.on('second-instance', () => this.focus());
    app.on('window-all-closed', () => void this.leaveAndQuit('last window closed'));
    app.on('before-quit', (e) => {
      // Quit from the menu or the OS: leave gracefully first, then quit for real.
      if (this.node && !this.quitting) {
        e.preventDefault();
        void this.leaveAndQuit('quit');
      }
    });
    app.on('activate', () => {
      if (!this.window && this.node && !this.quitting) this.createWindow();
    });
    ipcMain.handle(CALL_CHANNEL, (e, method: unknown, params: unknown) =>
      this.onCall(e, method, params),
    );

    await app.whenReady();
    this.settings = new Settings();
    if (this.args.name) this.settings.name = this.args.name;
    const name = this.settings.name || defaultName(this.args.profile);
    const settings = this.settings;
    this.node = new SessionNode({
      dataDir: path.join(app.getPath('userData'), 'node'),
      phoneDir: path.dirname(PATHS.renderer),
      name,
      log: (l) => this.log(l),
      prefs: { get: () => settings.prefs, set: (p) => (settings.prefs = p) },
    });
    this.hookEvents(this.node);
    this.watchLastTa(this.node);
    this.hardenSession();
    const { port, resumed } = await this.node.start();
    this.log(`listening on port ${port}${resumed ? ', back in the last session' : ''}`);
    this.createWindow();
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
    return this.window;
  }

  private createWindow(): void {
    const b = this.settings?.windowBounds;
    const win = new BrowserWindow({
      width: b?.width ?? 1180,
      height: b?.height ?? 780,
      ...(b?.x !== undefined && b?.y !== undefined ? { x: b.x, y: b.y } : {}),
      minWidth: 720,
      minHeight: 520,
      title: 'Baton',
      show: false,
      backgroundColor: '#f4f5f8',
      autoHideMenuBar: true,
      webPreferences: {
        preload: PATHS.preload,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        spellcheck: false,
      },
    });
    this.window = win;
    const wc = win.webContents;
    wc.setWindowOpenHandler(() => ({ action: 'deny' }));
    wc.on('will-navigate', (e) => e.preventDefault());
    wc.on('will-attach-webview', (e) => e.preventDefault());
    win.once('ready-to-show', () => win.show());
    win.on('close', (e) => {
      if (this.settings) this.settings.windowBounds = win.getBounds();
      // The last TA on duty closing the window over an open queue is asked first.
      if (this.lastTa && !this.closeConfirmed) {
        e.preventDefault();
        void this.askLastTa(win);
      }
    });
    win.on('closed', () => {
      if (this.window === win) this.window = null;
    });
    void win.loadFile(PATHS.renderer);
  }

  /** "You are the last TA. Close the queue?" before the window closes over an open queue. */
  private async askLastTa(win: BrowserWindow): Promise<void> {
    const { response } = await dialog.showMessageBox(win, {
      type: 'question',
      buttons: ['Close the queue and leave', 'Keep it open and leave', 'Cancel'],
      defaultId: 0,
      cancelId: 2,
      message: 'You are the last TA. Close the queue?',
      detail:
        'No other TA is on duty. If the queue stays open, students can keep joining with nobody to help them.',
    });
    if (response === 2) return;
    if (response === 0) {
      const r = await this.node?.service.call('staff.setOpen', { open: false });
      if (r && !r.ok) this.log(`closing the queue: ${r.error.message}`);
    }
    this.closeConfirmed = true;
    win.close();
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

  private focus(): void {
    const w = this.window;
    if (!w) return;
    if (w.isMinimized()) w.restore();
    w.focus();
  }

  /** Only our own window, showing our own page, may call the App API. */
  private trusted(e: IpcMainInvokeEvent): boolean {
    const w = this.window;
    if (!w || e.sender !== w.webContents) return false;
    const url = e.senderFrame?.url ?? '';
    return url === pathToFileURL(PATHS.renderer).href;
  }

  private async onCall(
    e: IpcMainInvokeEvent,
    method: unknown,
    params: unknown,
  ): Promise<ApiResult<unknown>> {
    if (!this.trusted(e)) {
      this.log(`dropped a call from an unknown sender (${e.senderFrame?.url ?? '?'})`);
      return { ok: false, error: { code: 'forbidden', message: 'unknown sender' } };
    }
    const node = this.node;
    if (!node) return { ok: false, error: { code: 'starting', message: 'Baton is starting' } };
    if (typeof method !== 'string' || !(METHOD_NAMES as readonly string[]).includes(method))
      return {
        ok: false,
        error: { code: 'unknown-method', message: `no method ${String(method)}` },
      };
    const r = await node.service.call(method as (typeof METHOD_NAMES)[number], params);
    if (r.ok && method === 'profile.setName' && this.settings)
      this.settings.name = (params as { name: string }).name.trim();
    return r;
  }

  private send(contents: WebContents | undefined, name: string, data: unknown): void {
    if (contents && !contents.isDestroyed()) contents.send(EVENT_CHANNEL, name, data);
  }

  private hookEvents(node: SessionNode): void {
    const service = node.service;
    for (const name of EVENTS)
      service.events.on(name, (data) => this.send(this.window?.webContents, name, data));
    service.events.on('role', () => this.rememberSession());
    new Notifier({
      window: () => this.window,
      prefs: () => this.settings?.prefs ?? {},
      focus: () => this.focus(),
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
