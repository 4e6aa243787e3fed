import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BrowserWindow, dialog, type IpcMainInvokeEvent } from 'electron';
import type { Settings } from './settings';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Built files, relative to dist/main/. */
export const PATHS = {
  preload: path.join(here, '..', 'preload', 'preload.cjs'),
  renderer: path.join(here, '..', 'renderer', 'index.html'),
};

export interface WindowOptions {
  settings: () => Settings | null;
  /** Is this copy the last TA on duty over an open queue? Then closing asks first. */
  isLastTa: () => boolean;
  /** "Close the queue and leave" was chosen. */
  closeQueue: () => Promise<void>;
}

/**
 * The one window over the session: locked down (sandboxed preload, no navigation, no
 * new windows), its bounds remembered, and the last TA asked before it closes.
 */
export class MainWindow {
  private window: BrowserWindow | null = null;
  private closeConfirmed = false;

  constructor(private readonly o: WindowOptions) {}

  get current(): BrowserWindow | null {
    return this.window;
  }

  open(): void {
    const b = this.o.settings()?.windowBounds;
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
      const settings = this.o.settings();
      if (settings) settings.windowBounds = win.getBounds();
      // The last TA on duty closing the window over an open queue is asked first.
      if (this.o.isLastTa() && !this.closeConfirmed) {
        e.preventDefault();
        void this.askLastTa(win);
      }
    });
    win.on('closed', () => {
      if (this.window === win) this.window = null;
    });
    void win.loadFile(PATHS.renderer);
  }

  focus(): void {
    const w = this.window;
    if (!w) return;
    if (w.isMinimized()) w.restore();
    w.focus();
  }

  /** Only our own window, showing our own page, may call the App API. */
  trusted(e: IpcMainInvokeEvent): boolean {
    const w = this.window;
    if (!w || e.sender !== w.webContents) return false;
    const url = e.senderFrame?.url ?? '';
    return url === pathToFileURL(PATHS.renderer).href;
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
    if (response === 0) await this.o.closeQueue();
    this.closeConfirmed = true;
    win.close();
  }
}
