import { render } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type {
  ApiResult,
  Method,
  Params,
  Prefs,
  QueueView,
  Results,
  SessionInfo,
  Status,
} from '../core/api/contract';
import { type Link, type UiApi, connectApi } from './api';
import { hostChangeText } from './format';
import { chime } from './sound';
import { MembersPanel, SettingsPanel, StatusBar, Toasts, type Toast } from './chrome';
import { StartScreen } from './start';
import { StaffView } from './staff';
import { StudentView } from './student';

/** Everything a view needs: the latest state and a way to call the App API. */
export interface Ctx {
  status: Status;
  queue: QueueView | null;
  sessions: SessionInfo[];
  prefs: Prefs | null;
  link: Link;
  call<M extends Method>(method: M, params?: Params<M>): Promise<ApiResult<Results[M]>>;
  toast(text: string, kind?: Toast['kind']): void;
  refresh(): void;
}

function useBaton(api: UiApi) {
  const [status, setStatus] = useState<Status | null>(null);
  const [queue, setQueue] = useState<QueueView | null>(null);
  const [sessions, setSessions] = useState<SessionInfo[]>([]);
  const [prefs, setPrefs] = useState<Prefs | null>(null);
  const [link, setLink] = useState<Link>(api.link());
  const [toasts, setToasts] = useState<Toast[]>([]);
  const prefsRef = useRef<Prefs | null>(null);
  prefsRef.current = prefs;
  const statusRef = useRef<Status | null>(null);
  statusRef.current = status;
  const toastId = useRef(0);

  const toast = useCallback((text: string, kind: Toast['kind'] = 'info') => {
    const id = ++toastId.current;
    setToasts((t) => [...t.slice(-3), { id, text, kind }]);
    setTimeout(
      () => setToasts((t) => t.filter((x) => x.id !== id)),
      kind === 'error' ? 8_000 : 6_000,
    );
  }, []);

  const refresh = useCallback(() => {
    void api.call('status').then((r) => r.ok && setStatus(r.value));
    void api.call('queue.get').then((r) => setQueue(r.ok ? r.value : null));
  }, [api]);

  useEffect(() => {
    refresh();
    void api.call('sessions.list').then((r) => r.ok && setSessions(r.value));
    void api.call('prefs.get').then((r) => r.ok && setPrefs(r.value));
    const offs = [
      api.on('state', (q) => setQueue(q)),
      api.on('role', () => refresh()),
      api.on('members', () => void api.call('status').then((r) => r.ok && setStatus(r.value))),
      api.on('sessions', (s) => setSessions(s.sessions)),
      api.on('prefs', (p) => setPrefs(p)),
      api.on('hostChanged', (c) => {
        // The first host a copy sees is not news; every change after that is.
        if (c.reason !== 'start')
          toast(hostChangeText({ ...c, toIsMe: c.to === statusRef.current?.memberId }), 'host');
        refresh();
      }),
      api.on('called', (c) => {
        toast(`You're being called${c.by ? ` by ${c.by}` : ''} — head over now!`, 'called');
        if (prefsRef.current?.notifyCalled && prefsRef.current.sound) chime('called');
      }),
      api.on('joinedEmpty', (j) => {
        if (!statusRef.current?.isStaff) return;
        toast(`${j.name} joined the empty queue`, 'info');
        if (prefsRef.current?.notifyJoined && prefsRef.current.sound) chime('joined');
      }),
      api.onLink((l) => {
        setLink(l);
        if (l === 'open') refresh();
      }),
    ];
    // Connection state and liveness change without events: look again every second.
    const timer = setInterval(
      () => void api.call('status').then((r) => r.ok && setStatus(r.value)),
      1_000,
    );
    return () => {
      for (const off of offs) off();
      clearInterval(timer);
    };
  }, [api, refresh, toast]);

  return { status, queue, sessions, prefs, link, toasts, toast, refresh, setToasts };
}

function App({ api }: { api: UiApi }) {
  const b = useBaton(api);
  const [tab, setTab] = useState<'queue' | 'staff'>('queue');
  const [panel, setPanel] = useState<'members' | 'settings' | null>(null);
  const call = useCallback(
    <M extends Method>(method: M, params?: Params<M>) => api.call(method, params),
    [api],
  );

  const theme = b.prefs?.theme ?? 'system';
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') setPanel(null);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  // The staff tab is where a logged-in TA lands.
  const wasStaff = useRef(false);
  useEffect(() => {
    if (b.status?.isStaff && !wasStaff.current) setTab('staff');
    wasStaff.current = b.status?.isStaff ?? false;
  }, [b.status?.isStaff]);

  const ctx: Ctx | null = useMemo(
    () =>
      b.status
        ? {
            status: b.status,
            queue: b.queue,
            sessions: b.sessions,
            prefs: b.prefs,
            link: b.link,
            call,
            toast: b.toast,
            refresh: b.refresh,
          }
        : null,
    [b.status, b.queue, b.sessions, b.prefs, b.link, call, b.toast, b.refresh],
  );

  if (!ctx) {
    return (
      <div class="splash" role="status">
        <Logo />
        <p>{b.link === 'closed' ? 'Cannot reach Baton on this laptop…' : 'Starting…'}</p>
      </div>
    );
  }
  const inSession = ctx.status.sessionId !== null;
  const leave = async (): Promise<void> => {
    const r = await call('session.leave');
    if (!r.ok) b.toast(r.error.message, 'error');
    setTab('queue');
    b.refresh();
  };

  return (
    <div class="app">
      <header class="topbar">
        <Logo />
        {inSession ? (
          <>
            <h1 class="session-name" title="Session">
              {ctx.status.sessionName || 'Session'}
            </h1>
            <nav class="tabs" role="tablist" aria-label="Views">
              <button
                role="tab"
                aria-selected={tab === 'queue'}
                class={tab === 'queue' ? 'tab active' : 'tab'}
                onClick={() => setTab('queue')}
              >
                Queue
              </button>
              <button
                role="tab"
                aria-selected={tab === 'staff'}
                class={tab === 'staff' ? 'tab active' : 'tab'}
                onClick={() => setTab('staff')}
              >
                Staff
              </button>
            </nav>
          </>
        ) : (
          <h1 class="session-name">Office hours</h1>
        )}
        <div class="topbar-actions">
          {inSession && (
            <button
              class="ghost"
              aria-expanded={panel === 'members'}
              onClick={() => setPanel(panel === 'members' ? null : 'members')}
            >
              Members <span class="count">{ctx.status.successors.length}</span>
            </button>
          )}
          <button
            class="ghost"
            aria-expanded={panel === 'settings'}
            onClick={() => setPanel(panel === 'settings' ? null : 'settings')}
          >
            Settings
          </button>
          {inSession && (
            <button class="ghost danger" onClick={() => void leave()}>
              Leave
            </button>
          )}
        </div>
      </header>
      <main class="content" id="main">
        {ctx.queue?.announcement && inSession ? (
          <div class="announcement" role="note">
            <span class="announcement-label">Announcement</span> {ctx.queue.announcement}
          </div>
        ) : null}
        {!inSession ? (
          <StartScreen ctx={ctx} />
        ) : tab === 'staff' ? (
          <StaffView ctx={ctx} />
        ) : (
          <StudentView ctx={ctx} />
        )}
      </main>
      {panel === 'members' && inSession && (
        <MembersPanel status={ctx.status} onClose={() => setPanel(null)} />
      )}
      {panel === 'settings' && <SettingsPanel ctx={ctx} onClose={() => setPanel(null)} />}
      <Toasts
        toasts={b.toasts}
        onDismiss={(id) => b.setToasts((t) => t.filter((x) => x.id !== id))}
      />
      <StatusBar status={ctx.status} link={ctx.link} onMembers={() => setPanel('members')} />
    </div>
  );
}

function Logo() {
  return (
    <div class="logo" aria-label="Baton">
      <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
        <rect x="3" y="13" width="26" height="6" rx="3" transform="rotate(-35 16 16)" />
        <circle cx="25" cy="8" r="3.5" />
      </svg>
      <span>Baton</span>
    </div>
  );
}

render(<App api={connectApi()} />, document.getElementById('root')!);
