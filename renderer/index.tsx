import { render } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Method, Params } from '../core/api/contract';
import { type UiApi, connectApi } from './api';
import { ClosingBanner } from './closing';
import { Dialog, Toasts } from './feedback';
import { MembersPanel } from './members-panel';
import { SettingsPanel } from './settings-panel';
import { StatusBar } from './status-bar';
import { useBarHeights, useFocusOnOpen } from './hooks';
import { NetworkPanel } from './network';
import { HistoryPanel } from './history';
import { type Ctx, type Panel, useBaton } from './state';
import { StartScreen } from './start';
import { StaffView } from './staff';
import { StudentView } from './student';

function App({ api }: { api: UiApi }) {
  const b = useBaton(api);
  const [tab, setTab] = useState<'queue' | 'staff'>('queue');
  const [panel, setPanel] = useState<Panel | null>(null);
  const [lastTa, setLastTa] = useState<'leave' | 'logout' | null>(null);
  const [leavingInLine, setLeavingInLine] = useState(false);
  // Where the others can reach this laptop (Members panel, status bar of the host).
  const [share, setShare] = useState<string | null>(null);
  const sessionId = b.status?.sessionId ?? null;
  useEffect(() => {
    void api.call('diag.stats').then((r) => setShare(r.ok ? (r.value.addresses[0] ?? null) : null));
  }, [api, sessionId]);
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
      if (e.key === 'Escape') {
        setPanel(null);
        setLastTa(null);
        setLeavingInLine(false);
      }
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

  const leaveNow = useCallback(async (): Promise<void> => {
    const r = await call('session.leave');
    if (!r.ok) b.toast(r.error.message, 'error');
    setTab('queue');
    b.refresh();
  }, [call, b.toast, b.refresh]);
  const logoutNow = useCallback(async (): Promise<void> => {
    const r = await call('staff.logout');
    if (!r.ok) b.toast(r.error.message, 'error');
    b.refresh();
  }, [call, b.toast, b.refresh]);
  // The last TA on duty leaving an open queue is asked first: students would wait for nobody.
  const isLastTa = !!(b.status?.isStaff && b.queue?.open && b.queue.staffOnDuty.count <= 1);
  // A student in line leaving is asked first too: the entry would stay, but this laptop
  // could no longer be alerted when called.
  const inLine = !!b.queue?.myEntryId;
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
            undos: b.undos,
            offerUndo: b.offerUndo,
            dropUndo: b.dropUndo,
            refresh: b.refresh,
            leave: () =>
              isLastTa ? setLastTa('leave') : inLine ? setLeavingInLine(true) : void leaveNow(),
            logout: () => (isLastTa ? setLastTa('logout') : void logoutNow()),
            openPanel: (p) => setPanel(p),
          }
        : null,
    [
      b.status,
      b.queue,
      b.sessions,
      b.prefs,
      b.link,
      call,
      b.toast,
      b.undos,
      b.offerUndo,
      b.dropUndo,
      b.refresh,
      isLastTa,
      inLine,
    ],
  );

  useBarHeights(ctx !== null);
  if (!ctx) {
    return (
      <div class="splash" role="status">
        <Logo />
        <p>{b.link === 'closed' ? 'Cannot reach Baton on this laptop…' : 'Starting…'}</p>
      </div>
    );
  }
  const inSession = ctx.status.sessionId !== null;

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
            <button class="ghost danger" onClick={() => ctx.leave()}>
              Leave
            </button>
          )}
        </div>
      </header>
      <main class="content" id="main">
        {ctx.status.storage.problem && (
          <div class="storage-problem" role="alert" data-testid="storage-problem">
            <strong>{ctx.status.storage.ok ? 'Recovering' : 'Disk problem'}</strong>{' '}
            {ctx.status.storage.problem}
          </div>
        )}
        {inSession && <ClosingBanner closing={ctx.queue?.closing ?? null} />}
        {ctx.queue?.announcement && inSession ? (
          <div class="announcement" role="note">
            <span class="announcement-label">Announcement</span> {ctx.queue.announcement}
          </div>
        ) : null}
        {b.callAlert && inSession && (
          <div class="call-alert" role="alertdialog" aria-labelledby="call-alert-text">
            <span id="call-alert-text">
              It's your turn — {b.callAlert.by || 'a TA'} is calling you.
            </span>
            <button class="primary" onClick={b.acknowledgeCall} ref={focusOnShow}>
              On my way
            </button>
          </div>
        )}
        {!inSession ? (
          <StartScreen ctx={ctx} />
        ) : tab === 'staff' ? (
          <StaffView ctx={ctx} />
        ) : (
          <StudentView ctx={ctx} />
        )}
      </main>
      {panel === 'members' && inSession && (
        <MembersPanel ctx={ctx} status={ctx.status} share={share} onClose={() => setPanel(null)} />
      )}
      {panel === 'settings' && <SettingsPanel ctx={ctx} onClose={() => setPanel(null)} />}
      {panel === 'network' && <NetworkPanel ctx={ctx} onClose={() => setPanel(null)} />}
      {panel === 'history' && <HistoryPanel ctx={ctx} onClose={() => setPanel(null)} />}
      {lastTa && (
        <LastTaPrompt
          kind={lastTa}
          onClose={() => setLastTa(null)}
          onCloseQueue={async () => {
            const r = await call('staff.setOpen', { open: false });
            if (!r.ok) return b.toast(r.error.message, 'error');
            await (lastTa === 'leave' ? leaveNow() : logoutNow());
          }}
          onKeepOpen={() => void (lastTa === 'leave' ? leaveNow() : logoutNow())}
        />
      )}
      {leavingInLine && ctx.queue?.myEntryId && (
        <LeaveInLinePrompt
          position={ctx.queue.myPosition}
          onClose={() => setLeavingInLine(false)}
          onWithdraw={async () => {
            const r = await call('queue.withdraw', { entryId: ctx.queue!.myEntryId! });
            if (!r.ok) return b.toast(r.error.message, 'error');
            await leaveNow();
          }}
          onKeepPlace={() => void leaveNow()}
        />
      )}
      <Toasts
        toasts={b.toasts}
        onDismiss={(id) => b.setToasts((t) => t.filter((x) => x.id !== id))}
      />
      <StatusBar
        status={ctx.status}
        link={ctx.link}
        share={share}
        onMembers={() => setPanel('members')}
      />
    </div>
  );
}

/** "You are the last TA. Close the queue?" — before the last TA on duty leaves or logs out. */
function LastTaPrompt(props: {
  kind: 'leave' | 'logout';
  onClose(): void;
  onCloseQueue(): Promise<void>;
  onKeepOpen(): void;
}) {
  const [busy, setBusy] = useState(false);
  const first = useFocusOnOpen();
  const verb = props.kind === 'leave' ? 'leave' : 'log out';
  return (
    <Dialog id="last-ta" title="You are the last TA. Close the queue?" onClose={props.onClose}>
      <p class="muted">
        No other TA is on duty. If the queue stays open, students can keep joining with nobody to
        help them.
      </p>
      <div class="row">
        <button
          ref={first}
          class="primary"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            void props.onCloseQueue().finally(props.onClose);
          }}
        >
          Close the queue and {verb}
        </button>
        <button
          disabled={busy}
          onClick={() => {
            props.onKeepOpen();
            props.onClose();
          }}
        >
          Keep it open and {verb}
        </button>
        <button class="ghost" onClick={props.onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}

/** "You are #2 — withdraw, or keep your place?" — before a student in line leaves the session. */
function LeaveInLinePrompt(props: {
  position: number | null;
  onClose(): void;
  onWithdraw(): Promise<void>;
  onKeepPlace(): void;
}) {
  const [busy, setBusy] = useState(false);
  const first = useFocusOnOpen();
  const where = props.position ? `#${props.position} in line` : 'in line';
  return (
    <Dialog
      id="leave-in-line"
      title={`You are ${where}. Leave the session?`}
      onClose={props.onClose}
    >
      <p class="muted">
        If you leave, your place stays in the line, but this laptop can no longer tell you when a TA
        calls you.
      </p>
      <div class="row">
        <button ref={first} class="primary" onClick={props.onClose}>
          Stay in the session
        </button>
        <button
          class="danger"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            void props.onWithdraw().finally(props.onClose);
          }}
        >
          Withdraw and leave
        </button>
        <button
          disabled={busy}
          onClick={() => {
            props.onKeepPlace();
            props.onClose();
          }}
        >
          Leave, keep my place
        </button>
      </div>
    </Dialog>
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

/** The call alert takes focus when it appears: a screen reader reads it out at once. */
function focusOnShow(el: HTMLButtonElement | null): void {
  if (el && document.activeElement !== el) el.focus();
}
