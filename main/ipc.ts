import { type IpcMainInvokeEvent, ipcMain } from 'electron';
import { EVENTS, type ApiResult } from '../core/api/contract';
import { METHOD_NAMES } from '../core/api/names';
import type { SessionNode } from '../core/node';
import { IPC } from '../preload/channels';
import type { MainWindow } from './windows';

export interface IpcOptions {
  node: () => SessionNode | null;
  window: MainWindow;
  /** After every successful call (the main process remembers the display name). */
  called?: (method: string, params: unknown) => void;
  log: (line: string) => void;
}

/**
 * The App API over IPC: calls from our own window (checked) to the node's service, and
 * every service event to the window. The preload speaks the same two channels.
 */
export class ApiBridge {
  constructor(private readonly o: IpcOptions) {
    ipcMain.handle(IPC.call, (e, method: unknown, params: unknown) =>
      this.onCall(e, method, params),
    );
  }

  /** Forward every App API event of `node` to the window. */
  forwardEvents(node: SessionNode): void {
    for (const name of EVENTS)
      node.service.events.on(name, (data) => {
        const contents = this.o.window.current?.webContents;
        if (contents && !contents.isDestroyed()) contents.send(IPC.event, name, data);
      });
  }

  private async onCall(
    e: IpcMainInvokeEvent,
    method: unknown,
    params: unknown,
  ): Promise<ApiResult<unknown>> {
    if (!this.o.window.trusted(e)) {
      this.o.log(`dropped a call from an unknown sender (${e.senderFrame?.url ?? '?'})`);
      return { ok: false, error: { code: 'forbidden', message: 'unknown sender' } };
    }
    const node = this.o.node();
    if (!node) return { ok: false, error: { code: 'starting', message: 'Baton is starting' } };
    if (typeof method !== 'string' || !(METHOD_NAMES as readonly string[]).includes(method))
      return {
        ok: false,
        error: { code: 'unknown-method', message: `no method ${String(method)}` },
      };
    const r = await node.service.call(method as (typeof METHOD_NAMES)[number], params);
    if (r.ok) this.o.called?.(method, params);
    return r;
  }
}
