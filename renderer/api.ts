import type {
  ApiResult,
  AppApi,
  EventName,
  Events,
  Method,
  Params,
  Results,
} from '../core/api/contract';

declare global {
  interface Window {
    /** The App API, exposed by the Electron preload. */
    baton?: AppApi;
  }
}

export type Link = 'open' | 'connecting' | 'closed';

/** The App API plus whether the UI can reach its copy of Baton at all. */
export interface UiApi extends AppApi {
  link(): Link;
  onLink(fn: (l: Link) => void): () => void;
}

/**
 * The App API the UI runs on: the Electron preload's `window.baton` in the app; in a
 * browser (a headless `baton peer --ui-port`), the same API over a WebSocket at /api.
 */
export function connectApi(): UiApi {
  const exposed = window.baton;
  if (exposed) return { ...exposed, link: () => 'open', onLink: () => () => {} };
  return webSocketApi(`ws://${location.host}/api`);
}

function webSocketApi(url: string): UiApi {
  const listeners = new Map<string, Set<(d: unknown) => void>>();
  const linkListeners = new Set<(l: Link) => void>();
  const waiting = new Map<number, (r: ApiResult<unknown>) => void>();
  let nextId = 1;
  let link: Link = 'connecting';
  let ws: WebSocket;
  let backoff = 250;
  const queued: string[] = [];

  const setLink = (l: Link): void => {
    link = l;
    for (const fn of linkListeners) fn(l);
  };
  const open = (): void => {
    ws = new WebSocket(url);
    ws.onopen = () => {
      backoff = 250;
      setLink('open');
      for (const m of queued.splice(0)) ws.send(m);
    };
    ws.onmessage = (e) => {
      let m: { id?: number; result?: unknown; error?: { code: string; message: string } };
      let ev: { event?: string; data?: unknown };
      try {
        m = JSON.parse(String(e.data)) as typeof m;
        ev = m as typeof ev;
      } catch {
        return;
      }
      if (typeof ev.event === 'string') {
        for (const fn of listeners.get(ev.event) ?? []) fn(ev.data);
        return;
      }
      const done = typeof m.id === 'number' ? waiting.get(m.id) : undefined;
      if (!done) return;
      waiting.delete(m.id!);
      done(m.error ? { ok: false, error: m.error } : { ok: true, value: m.result });
    };
    ws.onclose = () => {
      setLink('closed');
      for (const [id, done] of waiting) {
        waiting.delete(id);
        done({ ok: false, error: { code: 'offline', message: 'lost the link to Baton' } });
      }
      setTimeout(open, backoff);
      backoff = Math.min(backoff * 2, 5_000);
    };
  };
  open();

  return {
    call<M extends Method>(method: M, params?: Params<M>): Promise<ApiResult<Results[M]>> {
      const id = nextId++;
      const msg = JSON.stringify({ id, method, params });
      return new Promise((resolve) => {
        waiting.set(id, resolve as (r: ApiResult<unknown>) => void);
        if (ws.readyState === WebSocket.OPEN) ws.send(msg);
        else queued.push(msg);
      });
    },
    on<E extends EventName>(event: E, fn: (data: Events[E]) => void): () => void {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(fn as (d: unknown) => void);
      return () => set.delete(fn as (d: unknown) => void);
    },
    link: () => link,
    onLink(fn) {
      linkListeners.add(fn);
      // The socket may have opened before the UI subscribed.
      fn(link);
      return () => linkListeners.delete(fn);
    },
  };
}
