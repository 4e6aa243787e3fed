import { useEffect, useState } from 'preact/hooks';
import type { RecentSession } from '../core/api/contract';
import { MIN_PASSPHRASE_LENGTH } from '../core/api/contract';
import type { Ctx } from './state';
import { ErrorLine } from './feedback';
import { formatAgo } from './format';
import { useNow } from './hooks';

/** After this long with no session found, the start screen says so and links to the panel. */
const HINT_AFTER_MS = 20_000;

/** Name, the sessions on this network (they appear by themselves), start, connect. */
export function StartScreen({ ctx }: { ctx: Ctx }) {
  const [name, setName] = useState(ctx.status.name);
  const [savedName, setSavedName] = useState(ctx.status.name);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<{ where: string; text: string } | null>(null);
  const [sessionName, setSessionName] = useState('');
  const [passcode, setPasscode] = useState('');
  const [address, setAddress] = useState('');
  const [joinCode, setJoinCode] = useState('');
  const [recent, setRecent] = useState<RecentSession[]>([]);
  const [shownAt] = useState(Date.now());
  const now = useNow(1_000);
  useEffect(() => {
    void ctx.call('sessions.recent').then((r) => r.ok && setRecent(r.value));
  }, []);
  const listed = new Set(ctx.sessions.map((s) => s.sessionId));
  const others = recent.filter((r) => !listed.has(r.sessionId)).slice(0, 5);
  const quiet = ctx.sessions.length === 0 && now - shownAt >= HINT_AFTER_MS;

  useEffect(() => {
    if (ctx.status.name !== savedName) {
      setSavedName(ctx.status.name);
      setName(ctx.status.name);
    }
  }, [ctx.status.name]);

  const saveName = async (): Promise<boolean> => {
    if (name.trim() === savedName) return true;
    const r = await ctx.call('profile.setName', { name });
    if (!r.ok) {
      setError({ where: 'name', text: r.error.message });
      return false;
    }
    setSavedName(name.trim());
    ctx.refresh();
    return true;
  };

  const run = async (
    where: string,
    fn: () => Promise<{ ok: boolean; error?: { message: string; field?: string } }>,
  ) => {
    setError(null);
    setBusy(where);
    try {
      if (!(await saveName())) return;
      const r = await fn();
      // A parameter's problem goes beside its field (`create:staffPasscode`), others below.
      const field = r.error?.field;
      if (!r.ok)
        setError({
          where: field ? `${where}:${field}` : where,
          text: r.error?.message ?? 'failed',
        });
      ctx.refresh();
    } finally {
      setBusy(null);
    }
  };

  const err = (where: string, id?: string) => (
    <ErrorLine id={id} text={error?.where === where ? error.text : null} />
  );
  /** An input's error state: marked invalid and described by its message when it has one. */
  const invalid = (where: string, id: string) =>
    error?.where === where ? { 'aria-invalid': true, 'aria-describedby': id } : {};

  return (
    <div class="start">
      <section class="card name-card">
        <label for="my-name" class="label">
          Your name
        </label>
        <input
          id="my-name"
          value={name}
          maxLength={80}
          autoComplete="name"
          onInput={(e) => setName(e.currentTarget.value)}
          onBlur={() => void saveName()}
          onKeyDown={(e) => e.key === 'Enter' && void saveName()}
        />
        <p class="hint">Shown to the TA and to the other laptops in the session.</p>
        {err('name')}
      </section>

      <section class="card sessions-card" aria-labelledby="sessions-title">
        <h2 id="sessions-title">Sessions on this network</h2>
        {ctx.sessions.length === 0 ? (
          <div class="empty" role="status">
            <span class="pulse" aria-hidden="true" />
            Looking for sessions… they appear here by themselves.
          </div>
        ) : (
          <ul class="session-list">
            {ctx.sessions.map((s) => (
              <li key={s.sessionId}>
                <div class="session-meta">
                  <strong>{s.name}</strong>
                  <span class="muted">
                    hosted by {s.hostName} · {s.memberCount}{' '}
                    {s.memberCount === 1 ? 'laptop' : 'laptops'}
                  </span>
                </div>
                <button
                  class="primary"
                  disabled={busy !== null}
                  onClick={() =>
                    void run(`join:${s.sessionId}`, () =>
                      ctx.call('session.join', { sessionId: s.sessionId }),
                    )
                  }
                >
                  {busy === `join:${s.sessionId}` ? 'Joining…' : 'Join'}
                </button>
              </li>
            ))}
          </ul>
        )}
        {ctx.sessions.map((s) => err(`join:${s.sessionId}`))}
        {quiet && (
          <p class="net-hint" role="status" data-testid="net-hint">
            Nothing found in {Math.round(HINT_AFTER_MS / 1000)} s.{' '}
            <button class="link" onClick={() => ctx.openPanel('network')}>
              Why? See the network check
            </button>
          </p>
        )}
      </section>

      {others.length > 0 && (
        <section class="card" aria-labelledby="recent-title" data-testid="recent">
          <h2 id="recent-title">Recent sessions</h2>
          <p class="hint">
            Rejoin by the addresses saved last time, when they do not show up above.
          </p>
          <ul class="session-list">
            {others.map((r) => (
              <li key={r.sessionId}>
                <div class="session-meta">
                  <strong>{r.name || 'Session'}</strong>
                  <span class="muted">
                    {formatAgo(now - r.lastAt)} ·{' '}
                    {r.addresses.length
                      ? `${r.addresses.length} saved ${r.addresses.length === 1 ? 'address' : 'addresses'}`
                      : 'no saved address'}
                  </span>
                </div>
                <button
                  disabled={busy !== null || r.addresses.length === 0}
                  onClick={() =>
                    void run(`rejoin:${r.sessionId}`, () =>
                      ctx.call('session.rejoin', { sessionId: r.sessionId }),
                    )
                  }
                >
                  {busy === `rejoin:${r.sessionId}` ? 'Trying…' : 'Rejoin'}
                </button>
              </li>
            ))}
          </ul>
          {others.map((r) => err(`rejoin:${r.sessionId}`))}
        </section>
      )}

      <section class="card" aria-labelledby="create-title">
        <h2 id="create-title">Start a session</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run('create', () =>
              ctx.call('session.create', { name: sessionName, staffPasscode: passcode }),
            );
          }}
        >
          <label class="label" for="session-name">
            Session name
          </label>
          <input
            id="session-name"
            placeholder="CS 101 office hours"
            value={sessionName}
            maxLength={120}
            onInput={(e) => setSessionName(e.currentTarget.value)}
            {...invalid('create:name', 'session-name-error')}
          />
          {err('create:name', 'session-name-error')}
          <label class="label" for="passcode">
            Staff passcode
          </label>
          <input
            id="passcode"
            type="password"
            placeholder={`at least ${MIN_PASSPHRASE_LENGTH} characters`}
            value={passcode}
            autoComplete="new-password"
            onInput={(e) => setPasscode(e.currentTarget.value)}
            {...invalid('create:staffPasscode', 'passcode-error')}
          />
          {err('create:staffPasscode', 'passcode-error')}
          <p class="hint">
            Other TAs log in with it to run the queue. At least {MIN_PASSPHRASE_LENGTH} characters:
            a few words are easy to say and hard to guess.
          </p>
          <button class="primary" type="submit" disabled={busy !== null}>
            {busy === 'create' ? 'Starting…' : 'Start session'}
          </button>
          {err('create')}
        </form>
      </section>

      <details class="card" open={quiet} data-testid="join-with-link">
        <summary>Join with a link</summary>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run('code', () => ctx.call('session.joinWithCode', { code: joinCode }));
          }}
        >
          <p class="hint">
            On a Wi-Fi that keeps laptops apart, or from elsewhere: paste the join link a TA shared
            (it starts with <code>baton://join/</code>). It finds the session through its relay
            server.
          </p>
          <label class="label" for="join-code">
            Join link or code
          </label>
          <input
            id="join-code"
            placeholder="baton://join/…"
            value={joinCode}
            onInput={(e) => setJoinCode(e.currentTarget.value)}
          />
          <button type="submit" disabled={busy !== null || !joinCode.trim()}>
            {busy === 'code' ? 'Finding the session…' : 'Join'}
          </button>
          {err('code')}
        </form>
      </details>

      <details class="card">
        <summary>Connect by address</summary>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run('connect', () => ctx.call('session.connect', { address }));
          }}
        >
          <p class="hint">
            When sessions do not show up (multicast blocked on this Wi-Fi), type the address of any
            laptop in the session — each shows its own under Members ("Others can connect to …"). A
            pasted link works too.
          </p>
          <label class="label" for="address">
            Address
          </label>
          <input
            id="address"
            placeholder="192.168.1.20:47001"
            value={address}
            onInput={(e) => setAddress(e.currentTarget.value)}
          />
          <button type="submit" disabled={busy !== null}>
            {busy === 'connect' ? 'Connecting…' : 'Connect'}
          </button>
          {err('connect')}
        </form>
      </details>
    </div>
  );
}
