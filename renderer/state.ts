import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { UNDO_WINDOW_MS } from '../core/api/contract';
import type {
  ApiResult,
  EntryStatus,
  Method,
  Params,
  Prefs,
  QueueView,
  Results,
  SessionInfo,
  Status,
} from '../core/api/contract';
import type { Link, UiApi } from './api';
import { hostChangeText } from './format';
import { chime } from './sound';

/** The UI's state over the App API: the latest status, queue and prefs, toasts and alerts. */

export interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'host' | 'called' | 'error';
  /** A button on the toast ("Undo", "I'm here"). */
  action?: { label: string; run(): void };
  /** An alert about my entry ('called', 'cantFind'): it closes when that state ends. */
  about?: 'called' | 'missing';
}

export interface ToastOptions {
  action?: Toast['action'];
  /** How long the toast stays, ms (default 6 s, errors 8 s). */
  ttlMs?: number;
  about?: Toast['about'];
}

/**
 * A staff action that can be taken back (Remove, Done, Not found): offered in the undo bar
 * for UNDO_WINDOW_MS, and only while the entry is still in what the action made it — a
 * student who said "I'm here" after Not found has nothing left to undo.
 */
export interface UndoOffer {
  entryId: string;
  text: string;
  /** The states the action leaves the entry in ('missing' becomes 'notfound' after grace). */
  states: readonly EntryStatus[];
  at: number;
}

/** A call that insists until acknowledged: the chime repeats every few seconds, up to a minute. */
export interface CallAlert {
  entryId: string;
  by: string;
  since: number;
}

/** Everything a view needs: the latest state and a way to call the App API. */
export interface Ctx {
  status: Status;
  queue: QueueView | null;
  sessions: SessionInfo[];
  prefs: Prefs | null;
  link: Link;
  call<M extends Method>(method: M, params?: Params<M>): Promise<ApiResult<Results[M]>>;
  toast(text: string, kind?: Toast['kind'], o?: ToastOptions): void;
  /** Staff actions that can still be undone, the latest first (the undo bar). */
  undos: UndoOffer[];
  offerUndo(o: Omit<UndoOffer, 'at'>): void;
  dropUndo(entryId: string): void;
  refresh(): void;
  /** Leave the session / log out of staff; the last TA on duty is asked to close the queue. */
  leave(): void;
  logout(): void;
  openPanel(panel: Panel): void;
}

export type Panel = 'members' | 'settings' | 'network' | 'history';

/** How often the called chime repeats, and for how long at most. */
export const CALL_REPEAT_MS = 4_000;
/** How many undoable actions the undo bar keeps. */
const UNDO_KEEP = 5;
export const CALL_INSIST_MS = 60_000;

export function useBaton(api: UiApi) {
  const [status, setStatus] = useState<Status | null>(null);
  const [queue, setQueue] = useState<QueueView | null>(null);
  const [sessions, setSessions] = useState<SessionInfo[]>([]);
  const [prefs, setPrefs] = useState<Prefs | null>(null);
  const [link, setLink] = useState<Link>(api.link());
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [callAlert, setCallAlert] = useState<CallAlert | null>(null);
  const prefsRef = useRef<Prefs | null>(null);
  prefsRef.current = prefs;
  const statusRef = useRef<Status | null>(null);
  statusRef.current = status;
  const queueRef = useRef<QueueView | null>(null);
  queueRef.current = queue;
  const toastId = useRef(0);

  const toast = useCallback((text: string, kind: Toast['kind'] = 'info', o: ToastOptions = {}) => {
    const id = ++toastId.current;
    setToasts((t) => [...t.slice(-1), { id, text, kind, action: o.action, about: o.about }]);
    setTimeout(
      () => setToasts((t) => t.filter((x) => x.id !== id)),
      o.ttlMs ?? (kind === 'error' ? 8_000 : 6_000),
    );
  }, []);

  const [undos, setUndos] = useState<UndoOffer[]>([]);
  const offerUndo = useCallback((o: Omit<UndoOffer, 'at'>) => {
    const offer = { ...o, at: Date.now() };
    setUndos((u) => [offer, ...u.filter((x) => x.entryId !== o.entryId)].slice(0, UNDO_KEEP));
    setTimeout(() => setUndos((u) => u.filter((x) => x !== offer)), UNDO_WINDOW_MS);
  }, []);
  const dropUndo = useCallback(
    (entryId: string) => setUndos((u) => u.filter((x) => x.entryId !== entryId)),
    [],
  );
  // An offer whose entry moved on (the student came back, another TA undid it, history
  // cleared) is dropped: Undo would only fail.
  useEffect(() => {
    if (!queue) return;
    setUndos((u) => {
      const keep = u.filter((x) => {
        const e =
          queue.entries.find((y) => y.entryId === x.entryId) ??
          queue.finished.find((y) => y.entryId === x.entryId);
        return !!e && x.states.includes(e.status);
      });
      return keep.length === u.length ? u : keep;
    });
  }, [queue]);

  const refresh = useCallback(() => {
    void api.call('status').then((r) => r.ok && setStatus(r.value));
    void api.call('queue.get').then((r) => setQueue(r.ok ? r.value : null));
  }, [api]);

  const sound = (kind: 'called' | 'joined'): void => {
    if (prefsRef.current?.sound !== false) chime(kind);
  };

  useEffect(() => {
    refresh();
    void api.call('sessions.list').then((r) => r.ok && setSessions(r.value));
    void api.call('prefs.get').then((r) => r.ok && setPrefs(r.value));
    const offs = [
      api.on('state', (q) => setQueue(q)),
      api.on('role', () => refresh()),
      // Role, host reachability and liveness: the engine says when any of it changes.
      api.on('status', (st) => setStatus(st)),
      api.on('sessions', (s) => setSessions(s.sessions)),
      api.on('prefs', (p) => setPrefs(p)),
      api.on('hostChanged', (c) => {
        // The first host a copy sees is not news; every change after that is.
        if (c.reason !== 'start')
          toast(hostChangeText({ ...c, toIsMe: c.to === statusRef.current?.memberId }), 'host');
        refresh();
      }),
      api.on('called', (c) => {
        // An online student is not asked to walk anywhere: the meeting is the place.
        const online = queueRef.current?.entries.find((e) => e.entryId === c.entryId)?.online;
        toast(
          `You're being called${c.by ? ` by ${c.by}` : ''} — ${online ? 'join the meeting now!' : 'head over now!'}`,
          'called',
          { about: 'called' },
        );
        if (prefsRef.current?.notifyCalled)
          setCallAlert({ entryId: c.entryId, by: c.by, since: Date.now() });
      }),
      api.on('cantFind', (c) => {
        const minutes = Math.max(1, Math.round((c.graceEndsAt - Date.now()) / 60_000));
        toast(
          `The TA couldn't find you. Tap I'm here, or you'll lose your turn in ${minutes} min.`,
          'called',
          {
            ttlMs: 60_000,
            about: 'missing',
            action: {
              label: "I'm here",
              run: () => void api.call('queue.here', { entryId: c.entryId }),
            },
          },
        );
        if (prefsRef.current?.notifyCalled) sound('called');
      }),
      api.on('upNext', (u) => {
        toast(
          u.position === 1
            ? "You're next — get ready."
            : `You're number ${u.position} — get ready.`,
          'info',
        );
        if (prefsRef.current?.notifyCalled) sound('joined');
      }),
      api.on('message', (m) => {
        toast(`${m.from}: ${m.text}`, 'info', { ttlMs: 15_000 });
        if (prefsRef.current?.notifyCalled) sound('joined');
      }),
      api.on('joinedEmpty', (j) => {
        if (!statusRef.current?.isStaff) return;
        toast(`${j.name} joined the empty queue`, 'info');
        if (prefsRef.current?.notifyJoined) sound('joined');
      }),
      api.onLink((l) => {
        setLink(l);
        if (l === 'open') refresh();
      }),
    ];
    return () => {
      for (const off of offs) off();
    };
  }, [api, refresh, toast]);

  // Alerts about my entry close once it has moved on (called → helped, not found → here).
  const myStatus = queue?.entries.find((e) => e.entryId === queue.myEntryId)?.status ?? null;
  useEffect(() => {
    setToasts((t) => {
      const keep = t.filter((x) => !x.about || x.about === myStatus);
      return keep.length === t.length ? t : keep;
    });
  }, [myStatus]);

  // The called alert insists: a chime now and every CALL_REPEAT_MS until acknowledged,
  // for CALL_INSIST_MS at most, and it ends when the entry is no longer being called.
  const mine = queue?.entries.find((e) => e.entryId === callAlert?.entryId);
  const stillCalled = !!callAlert && mine?.status === 'called';
  useEffect(() => {
    if (!callAlert) return;
    if (!stillCalled && queue) {
      setCallAlert(null);
      return;
    }
    sound('called');
    const timer = setInterval(() => {
      if (Date.now() - callAlert.since >= CALL_INSIST_MS) return clearInterval(timer);
      sound('called');
    }, CALL_REPEAT_MS);
    return () => clearInterval(timer);
  }, [callAlert, stillCalled]);

  return {
    status,
    queue,
    sessions,
    prefs,
    link,
    toasts,
    toast,
    undos,
    offerUndo,
    dropUndo,
    refresh,
    setToasts,
    callAlert,
    acknowledgeCall: () => setCallAlert(null),
  };
}
