import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * A STAND-IN for the `electron` module, for tests in plain Node where no Electron binary
 * can run. It records what the real main process asks of Electron (windows, IPC handlers,
 * notifications, quits) and lets a test play the user (ready, IPC calls, closing the
 * window). It imitates only the parts Baton's main/ and electron-store use.
 */

export const recorded = {
  notifications: [] as { title: string; body: string; silent: boolean }[],
  windows: [] as StandInWindow[],
  messageBoxes: [] as { message: string; buttons: string[] }[],
  /** Which button the user presses on the next message box. */
  messageBoxAnswer: 1,
  /** Every flashFrame(on) call: the window asking for attention. */
  flashes: [] as boolean[],
  quitCalls: 0,
  exitCode: null as number | null,
  permissionHandler: null as
    null | ((wc: unknown, perm: string, cb: (ok: boolean) => void) => void),
};

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-electron-stand-in-'));
const paths: Record<string, string> = {
  appData: path.join(root, 'appData'),
  userData: path.join(root, 'appData', 'Electron'),
  documents: path.join(root, 'Documents'),
  temp: os.tmpdir(),
};

let readyResolve!: () => void;
const readyPromise = new Promise<void>((r) => (readyResolve = r));

class StandInApp extends EventEmitter {
  ready = false;
  quitted = false;
  getPath(name: string): string {
    const p = paths[name];
    if (!p) throw new Error(`stand-in app.getPath: unknown path "${name}"`);
    return p;
  }
  setPath(name: string, p: string): void {
    if (this.ready && name === 'userData') throw new Error('userData must be set before ready');
    paths[name] = p;
  }
  getVersion(): string {
    return '0.0.0-stand-in';
  }
  getName(): string {
    return 'Baton';
  }
  requestSingleInstanceLock(): boolean {
    return true;
  }
  whenReady(): Promise<void> {
    return readyPromise;
  }
  /** Test: the app finished launching. */
  fireReady(): void {
    this.ready = true;
    readyResolve();
    this.emit('ready');
  }
  quit(): void {
    recorded.quitCalls++;
    let prevented = false;
    this.emit('before-quit', { preventDefault: () => (prevented = true) });
    if (prevented) return;
    this.quitted = true;
    this.emit('will-quit');
    this.emit('quit');
  }
  exit(code = 0): void {
    recorded.exitCode = code;
    this.quitted = true;
  }
}
export const app = new StandInApp();

type Handler = (e: unknown, ...args: unknown[]) => unknown;
class StandInIpcMain extends EventEmitter {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, fn: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, fn);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** Test: what `ipcRenderer.invoke` from a frame at `url` in `sender` would do. */
  async invoke(
    channel: string,
    sender: unknown,
    url: string,
    ...args: unknown[]
  ): Promise<unknown> {
    const fn = this.handlers.get(channel);
    if (!fn) throw new Error(`no handler for ${channel}`);
    return fn({ sender, senderFrame: { url } }, ...args);
  }
}
export const ipcMain = new StandInIpcMain();

let nextId = 1;
class StandInWebContents extends EventEmitter {
  readonly id = nextId++;
  readonly sent: { channel: string; args: unknown[] }[] = [];
  destroyed = false;
  windowOpenHandler: ((d: { url: string }) => { action: string }) | null = null;
  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('send on a destroyed webContents');
    this.sent.push({ channel, args: structuredClone(args) });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  setWindowOpenHandler(fn: (d: { url: string }) => { action: string }): void {
    this.windowOpenHandler = fn;
  }
}

export class StandInWindow extends EventEmitter {
  readonly webContents = new StandInWebContents();
  loaded: string | null = null;
  visible = false;
  closed = false;
  bounds: { x: number; y: number; width: number; height: number };
  constructor(
    readonly options: Record<string, unknown> & { webPreferences?: Record<string, unknown> },
  ) {
    super();
    this.bounds = {
      x: (options.x as number) ?? 40,
      y: (options.y as number) ?? 40,
      width: (options.width as number) ?? 800,
      height: (options.height as number) ?? 600,
    };
    recorded.windows.push(this);
  }
  static getAllWindows(): StandInWindow[] {
    return recorded.windows.filter((w) => !w.closed);
  }
  async loadFile(file: string): Promise<void> {
    if (!fs.existsSync(file)) throw new Error(`loadFile: no ${file}`);
    this.loaded = file;
    setImmediate(() => this.emit('ready-to-show'));
  }
  show(): void {
    this.visible = true;
  }
  focus(): void {}
  isFocused(): boolean {
    return false;
  }
  flashFrame(on: boolean): void {
    recorded.flashes.push(on);
  }
  isMinimized(): boolean {
    return false;
  }
  restore(): void {}
  getBounds(): typeof this.bounds {
    return { ...this.bounds };
  }
  setBounds(b: Partial<typeof this.bounds>): void {
    this.bounds = { ...this.bounds, ...b };
  }
  /** What clicking the window's close button does. */
  close(): void {
    if (this.closed) return;
    let prevented = false;
    this.emit('close', { preventDefault: () => (prevented = true) });
    if (prevented) return;
    this.closed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
    if (StandInWindow.getAllWindows().length === 0) app.emit('window-all-closed');
  }
}
export const BrowserWindow = StandInWindow;

export class Notification extends EventEmitter {
  static isSupported(): boolean {
    return true;
  }
  constructor(private readonly o: { title: string; body: string; silent?: boolean }) {
    super();
  }
  show(): void {
    recorded.notifications.push({
      title: this.o.title,
      body: this.o.body,
      silent: !!this.o.silent,
    });
  }
}

class StandInSession extends EventEmitter {
  setPermissionRequestHandler(fn: typeof recorded.permissionHandler): void {
    recorded.permissionHandler = fn;
  }
}
export const session = { defaultSession: new StandInSession() };
export const shell = { openPath: async () => '' };
export const dialog = {
  showSaveDialog: async () => ({ canceled: true }),
  /** Records the box and answers with `recorded.messageBoxAnswer` (the button index). */
  showMessageBox: async (_win: unknown, o: { message: string; buttons: string[] }) => {
    recorded.messageBoxes.push({ message: o.message, buttons: o.buttons });
    return { response: recorded.messageBoxAnswer };
  },
  /** Records the error box (a profile that cannot be written, say). */
  showErrorBox: (title: string, content: string) => {
    recorded.messageBoxes.push({ message: `${title}: ${content}`, buttons: [] });
  },
};

export default { app, ipcMain, BrowserWindow, Notification, session, shell, dialog };
