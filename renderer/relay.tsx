import { useEffect, useState } from 'preact/hooks';
import type { NetworkDiag, Results } from '../core/api/contract';
import { ErrorLine } from './feedback';
import { ShareAddress } from './share';
import type { Ctx } from './state';

type Relay = NonNullable<NetworkDiag['relay']>;
type Auth = 'none' | 'token' | 'user' | 'creds';

const STATE_TEXT: Record<Relay['state'], string> = {
  off: 'off',
  connecting: 'connecting…',
  connected: 'connected',
  reconnecting: 'relay unreachable: reconnecting',
  unreachable: 'relay unreachable',
};

/**
 * "Relay server": the NATS server that carries links between laptops that cannot reach
 * each other (README, "When devices cannot see each other"). Connect it here; staff share
 * it with the session; the join link takes a student who sees no session there.
 */
export function RelayCard({ ctx, relay }: { ctx: Ctx; relay: Relay | null }) {
  // The relay in use, as a starting point (its credentials are never shown: type them anew).
  const [url, setUrl] = useState(relay?.url ?? '');
  const [auth, setAuth] = useState<Auth>('none');
  const [token, setToken] = useState('');
  const [user, setUser] = useState('');
  const [pass, setPass] = useState('');
  const [creds, setCreds] = useState('');
  const [only, setOnly] = useState(false);
  const [web, setWeb] = useState('');
  const [site, setSite] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [passphrase, setPassphrase] = useState<string | null>(null);
  const [shared, setShared] = useState(false);
  const settings = () => ({
    url: url.trim(),
    ...(auth === 'token' && token ? { token } : {}),
    ...(auth === 'user' && user ? { user, pass } : {}),
    ...(auth === 'creds' && creds ? { creds } : {}),
    ...(web.trim() ? { web: web.trim() } : {}),
    ...(site.trim() ? { page: site.trim() } : {}),
  });
  const connect = async (): Promise<void> => {
    setBusy('connect');
    setError(null);
    const r = await ctx.call('net.setRelay', {
      relay: { ...settings(), ...(only ? { relayOnly: true } : {}) },
    });
    setBusy(null);
    if (!r.ok) setError(r.error.message);
  };
  const remove = async (): Promise<void> => {
    setBusy('remove');
    setError(null);
    const r = await ctx.call('net.setRelay', { relay: null });
    setBusy(null);
    if (!r.ok) setError(r.error.message);
  };
  const share = async (): Promise<void> => {
    setBusy('share');
    setError(null);
    const r = await ctx.call('staff.setRelay', {
      relay: settings(),
      ...(passphrase ? { passphrase } : {}),
    });
    setBusy(null);
    if (r.ok) {
      setShared(true);
      setPassphrase(null);
    } else if (r.error.code === 'wrong-passcode' && passphrase === null) setPassphrase('');
    else setError(r.error.message);
  };
  const connected = relay?.state === 'connected';
  return (
    <section data-testid="relay-card">
      <h3>Relay server</h3>
      <p class="hint">
        When this Wi-Fi keeps laptops from reaching each other, or someone joins from elsewhere,
        links go through a NATS server your department runs — encrypted end to end: the relay sees
        neither names nor the queue.
      </p>
      {relay && (
        <p class={`relay-state ${relay.state}`} role="status" data-testid="relay-state">
          <strong>{relay.url}</strong> — {STATE_TEXT[relay.state]}
          {connected && relay.rttMs !== null && ` · ${relay.rttMs} ms to the relay`}
          {relay.relayOnly && ' · relay only'}
          {!connected && relay.error && <span class="muted"> ({relay.error.message})</span>}
        </p>
      )}
      <form
        class="relay-form"
        onSubmit={(e) => {
          e.preventDefault();
          void connect();
        }}
      >
        <label class="label" for="relay-url">
          Relay address
        </label>
        <input
          id="relay-url"
          placeholder="nats://relay.cs.example.edu:4222"
          value={url}
          onInput={(e) => setUrl(e.currentTarget.value)}
        />
        <label class="label" for="relay-auth">
          Credentials
        </label>
        <select
          id="relay-auth"
          value={auth}
          onChange={(e) => setAuth(e.currentTarget.value as Auth)}
        >
          <option value="none">None</option>
          <option value="token">Token</option>
          <option value="user">User and password</option>
          <option value="creds">.creds file</option>
        </select>
        {auth === 'token' && (
          <input
            aria-label="Relay token"
            type="password"
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
          />
        )}
        {auth === 'user' && (
          <div class="row">
            <input
              aria-label="Relay user"
              placeholder="user"
              value={user}
              onInput={(e) => setUser(e.currentTarget.value)}
            />
            <input
              aria-label="Relay password"
              type="password"
              placeholder="password"
              value={pass}
              onInput={(e) => setPass(e.currentTarget.value)}
            />
          </div>
        )}
        {auth === 'creds' && (
          <input
            aria-label="Relay .creds file"
            type="file"
            accept=".creds"
            onChange={(e) => void e.currentTarget.files?.[0]?.text().then(setCreds)}
          />
        )}
        <details class="relay-phones">
          <summary>Phones anywhere (optional)</summary>
          <p class="hint">
            The phone page can be served by any web host (copy Baton's <code>dist/web/</code>{' '}
            there); it reaches the room through the relay's WebSocket listener.
          </p>
          <label class="label" for="relay-web">
            Relay address for browsers
          </label>
          <input
            id="relay-web"
            placeholder="wss://relay.cs.example.edu:443"
            value={web}
            onInput={(e) => setWeb(e.currentTarget.value)}
          />
          <label class="label" for="relay-page">
            Phone page address
          </label>
          <input
            id="relay-page"
            placeholder="https://cs.example.edu/baton/"
            value={site}
            onInput={(e) => setSite(e.currentTarget.value)}
          />
        </details>
        <label class="check">
          <input type="checkbox" checked={only} onChange={() => setOnly(!only)} />
          Relay only (this laptop opens no direct links)
        </label>
        <div class="row">
          <button type="submit" class="primary" disabled={busy !== null || !url.trim()}>
            {busy === 'connect' ? 'Connecting…' : 'Connect'}
          </button>
          {ctx.status.isStaff && ctx.status.sessionId && (
            <button
              type="button"
              disabled={busy !== null || !url.trim()}
              onClick={() => void share()}
              data-testid="relay-share"
            >
              {busy === 'share' ? 'Sharing…' : shared ? 'Shared' : 'Share with the session'}
            </button>
          )}
          {relay && (
            <button
              type="button"
              class="ghost"
              disabled={busy !== null}
              onClick={() => void remove()}
            >
              Stop using it
            </button>
          )}
        </div>
        {passphrase !== null && (
          <div class="row">
            <input
              aria-label="Staff passphrase"
              type="password"
              placeholder="staff passphrase, to sign it"
              value={passphrase}
              onInput={(e) => setPassphrase(e.currentTarget.value)}
            />
          </div>
        )}
        <ErrorLine text={error} />
      </form>
      {relay && ctx.status.sessionId && <JoinLink ctx={ctx} />}
    </section>
  );
}

/** The session's join link (it carries the relay, never the staff passphrase). */
export function JoinLink({ ctx }: { ctx: Ctx }) {
  const [link, setLink] = useState<Results['session.joinCode'] | null>(null);
  useEffect(() => {
    // The relay may be set (or shared by another TA) at any time: look again now and then.
    const load = (): void =>
      void ctx.call('session.joinCode').then((r) => setLink(r.ok ? r.value : null));
    load();
    const t = setInterval(load, 5_000);
    return () => clearInterval(t);
  }, [ctx.status.sessionId]);
  if (!link) return null;
  return (
    <div class="join-link" data-testid="join-link">
      <ShareAddress address={link.link} label="Join link for laptops that see no session:" />
      {link.phoneLink && link.phoneQrSvg && (
        <div class="phone-anywhere" data-testid="phone-anywhere">
          <img
            class="qr small-qr"
            src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(link.phoneQrSvg)}`}
            alt={`QR code of ${link.phoneLink}`}
          />
          <ShareAddress address={link.phoneLink} label="Phones on any network:" />
        </div>
      )}
    </div>
  );
}
