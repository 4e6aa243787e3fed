import { useEffect, useState } from 'preact/hooks';
import type { Prefs, Status } from '../core/api/contract';
import type { Link } from './api';
import type { Ctx, Toast } from './state';
import { ordinal } from './format';
import { useFocusOnOpen } from './hooks';
import { ShareAddress } from './network';

/** An inline error under a form: announced to screen readers, nothing when null. */
export function ErrorLine({ text }: { text: string | null }) {
  if (!text) return null;
  return (
    <p class="error" role="alert">
      {text}
    </p>
  );
}

function nameOf(status: Status, memberId: string | null): string {
  if (!memberId) return '—';
  return status.members.find((m) => m.memberId === memberId)?.name ?? memberId.slice(0, 8);
}

/** Connection state, who hosts, and my place in the successor order — on every screen. */
export function StatusBar(props: {
  status: Status;
  link: Link;
  share: string | null;
  onMembers(): void;
}) {
  const { status, link } = props;
  let state: 'ok' | 'warn' | 'off';
  let text: string;
  if (link !== 'open') {
    state = 'off';
    text = link === 'connecting' ? 'Connecting to Baton…' : 'Baton is not running';
  } else if (!status.sessionId) {
    state = 'ok';
    text = 'Ready — not in a session';
  } else if (status.role === 'host') {
    state = 'ok';
    text = 'Hosting this session';
  } else if (status.connected) {
    state = 'ok';
    text = 'Connected';
  } else {
    state = 'warn';
    text = 'Looking for the host…';
  }
  const place = status.memberId ? status.successors.indexOf(status.memberId) : -1;
  return (
    <footer class="statusbar" aria-label="Connection status">
      <span class={`dot ${state}`} aria-hidden="true" />
      <span class="status-text" data-testid="connection">
        {text}
      </span>
      {status.sessionId && (
        <>
          <span class="sep" aria-hidden="true">
            ·
          </span>
          <span data-testid="host">
            Host: <strong>{status.hostId ? nameOf(status, status.hostId) : 'none yet'}</strong>
          </span>
          <span class="sep" aria-hidden="true">
            ·
          </span>
          <button class="link" onClick={props.onMembers} data-testid="my-place">
            {place === 0
              ? 'You host'
              : place === 1
                ? 'You host next'
                : place > 1
                  ? `You are ${ordinal(place)} in line to host`
                  : 'You do not host (follower only)'}
          </button>
        </>
      )}
      <span class="spacer" />
      {status.role === 'host' && props.share && (
        <span class="share-inline" data-testid="status-share">
          Others can connect to <code>{props.share}</code>
        </span>
      )}
      <span class="you">
        {status.name}
        {status.isStaff ? ' · staff' : ''}
      </span>
    </footer>
  );
}

/** The successorship list: who hosts now, and who takes over next. */
export function MembersPanel(props: { status: Status; share: string | null; onClose(): void }) {
  const { status } = props;
  const order = status.successors;
  const others = status.members.filter((m) => !order.includes(m.memberId));
  const close = useFocusOnOpen();
  return (
    <aside class="panel" aria-label="Members" data-testid="members-panel">
      <div class="panel-head">
        <h2>Members</h2>
        <button class="ghost" ref={close} onClick={props.onClose} aria-label="Close members">
          ✕
        </button>
      </div>
      <p class="hint">
        If the host leaves, the next laptop in this list takes over within about a second.
      </p>
      {props.share && <ShareAddress address={props.share} />}
      <ol class="members">
        {order.map((id, i) => {
          const m = status.members.find((x) => x.memberId === id);
          return (
            <li key={id} class={id === status.memberId ? 'me' : ''}>
              <span class="rank">{i + 1}</span>
              <span class="member-name">{m?.name ?? id.slice(0, 8)}</span>
              {i === 0 && <span class="badge host">host</span>}
              {i === 1 && <span class="badge">next</span>}
              {id === status.memberId && <span class="badge you">you</span>}
              <span
                class={`dot ${m?.live === false ? 'off' : 'ok'}`}
                title={m?.live === false ? 'offline' : 'online'}
              />
            </li>
          );
        })}
      </ol>
      {others.length > 0 && (
        <>
          <h3>Not hosting</h3>
          <ul class="members">
            {others.map((m) => (
              <li key={m.memberId} class={m.memberId === status.memberId ? 'me' : ''}>
                <span class="member-name">{m.name}</span>
                {m.memberId === status.memberId && <span class="badge you">you</span>}
                <span
                  class={`dot ${m.live ? 'ok' : 'off'}`}
                  title={m.live ? 'online' : 'offline'}
                />
              </li>
            ))}
          </ul>
        </>
      )}
    </aside>
  );
}

export function SettingsPanel(props: { ctx: Ctx; onClose(): void }) {
  const { ctx } = props;
  const p = ctx.prefs;
  const [addresses, setAddresses] = useState<string[] | null>(null);
  const close = useFocusOnOpen();
  useEffect(() => {
    void ctx.call('diag.stats').then((r) => setAddresses(r.ok ? r.value.addresses : []));
  }, []);
  const set = async (change: Partial<Prefs>): Promise<void> => {
    const r = await ctx.call('prefs.set', change);
    if (!r.ok) ctx.toast(r.error.message, 'error');
  };
  return (
    <aside class="panel" aria-label="Settings">
      <div class="panel-head">
        <h2>Settings</h2>
        <button class="ghost" ref={close} onClick={props.onClose} aria-label="Close settings">
          ✕
        </button>
      </div>
      {!p ? (
        <p>Loading…</p>
      ) : (
        <div class="settings">
          <label class="check">
            <input
              type="checkbox"
              checked={p.notifyCalled}
              onChange={(e) => void set({ notifyCalled: e.currentTarget.checked })}
            />
            Notify me when I am called
          </label>
          <label class="check">
            <input
              type="checkbox"
              checked={p.notifyJoined}
              onChange={(e) => void set({ notifyJoined: e.currentTarget.checked })}
            />
            Staff: notify me when someone joins an empty queue
          </label>
          <label class="check-row" for="alert-at">
            Also alert me when I am number
            <select
              id="alert-at"
              value={String(p.alertAtPosition)}
              onChange={(e) => void set({ alertAtPosition: Number(e.currentTarget.value) })}
            >
              <option value="0">— (only when called)</option>
              {[1, 2, 3, 4, 5].map((n) => (
                <option key={n} value={String(n)}>
                  {n}
                </option>
              ))}
            </select>
            in line
          </label>
          <label class="check">
            <input
              type="checkbox"
              checked={p.sound}
              onChange={(e) => void set({ sound: e.currentTarget.checked })}
            />
            Play a sound with notifications
          </label>
          <fieldset class="theme">
            <legend>Appearance</legend>
            {(['system', 'light', 'dark'] as const).map((t) => (
              <label key={t} class="radio">
                <input
                  type="radio"
                  name="theme"
                  checked={p.theme === t}
                  onChange={() => void set({ theme: t })}
                />
                {t === 'system' ? 'Match the system' : t === 'light' ? 'Light' : 'Dark'}
              </label>
            ))}
          </fieldset>
          <div>
            <h3>Network</h3>
            <p class="hint">Which interface Baton uses, and why a session may not show up.</p>
            {addresses && addresses[0] && <ShareAddress address={addresses[0]} />}
            <button onClick={() => ctx.openPanel('network')}>Network check…</button>
          </div>
        </div>
      )}
    </aside>
  );
}

export function Toasts(props: { toasts: Toast[]; onDismiss(id: number): void }) {
  return (
    <div class="toasts" role="status" aria-live="polite">
      {props.toasts.map((t) => (
        <div key={t.id} class={`toast ${t.kind}`} data-testid={`toast-${t.kind}`}>
          <span>{t.text}</span>
          {t.action && (
            <button
              class="toast-action"
              onClick={() => {
                t.action!.run();
                props.onDismiss(t.id);
              }}
            >
              {t.action.label}
            </button>
          )}
          <button class="ghost" aria-label="Dismiss" onClick={() => props.onDismiss(t.id)}>
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}
