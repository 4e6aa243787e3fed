import { useEffect, useState } from 'preact/hooks';
import type { Prefs } from '../core/api/contract';
import type { Ctx } from './state';
import { useFocusOnOpen } from './hooks';
import { ShareAddress } from './share';

/** This copy's settings: name, notifications, sound, theme, and its own addresses. */
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
    <aside class="panel" aria-label="Settings" data-testid="settings-panel">
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
