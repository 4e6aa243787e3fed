// The sandboxed preload: exposes exactly the App API (call + on) as `window.baton`.
// Built to one CommonJS file that requires nothing but `electron` (a sandboxed preload
// cannot load anything else).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type {
  ApiResult,
  AppApi,
  EventName,
  Events,
  Method,
  Params,
  Results,
} from '../core/api/contract';
import { EVENT_NAMES, METHOD_NAMES } from '../core/api/names';
import { IPC } from './channels';

const methods: readonly string[] = METHOD_NAMES;
const events: readonly string[] = EVENT_NAMES;

const api: AppApi = {
  call<M extends Method>(method: M, params?: Params<M>): Promise<ApiResult<Results[M]>> {
    if (!methods.includes(method))
      return Promise.resolve({
        ok: false,
        error: { code: 'unknown-method', message: `no method ${String(method)}` },
      });
    return ipcRenderer.invoke(IPC.call, method, params) as Promise<ApiResult<Results[M]>>;
  },
  on<E extends EventName>(event: E, fn: (data: Events[E]) => void): () => void {
    if (!events.includes(event)) throw new Error(`no event ${String(event)}`);
    const handler = (_e: IpcRendererEvent, name: string, data: unknown): void => {
      if (name === event) fn(data as Events[E]);
    };
    ipcRenderer.on(IPC.event, handler);
    return () => {
      ipcRenderer.removeListener(IPC.event, handler);
    };
  },
};

contextBridge.exposeInMainWorld('baton', api);
