import { useEffect, useState } from 'preact/hooks';
import type { NetworkDiag, ScanView } from '../core/api/contract';
import { ErrorLine } from './feedback';
import { formatAgo } from './format';
import { useFocusOnOpen } from './hooks';
import { RelayCard } from './relay';
import { ShareAddress } from './share';
import type { Ctx } from './state';

/** "Network": why nothing is found, which interface Baton uses, and the ways around it. */
export function NetworkPanel(props: { ctx: Ctx; onClose(): void }) {
  const { ctx } = props;
  const [diag, setDiag] = useState<NetworkDiag | null>(null);
  const [error, setError] = useState<string | null>(null);
  const close = useFocusOnOpen();
  useEffect(() => {
    let live = true;
    const load = (): void =>
      void ctx.call('diag.network').then((r) => {
        if (!live) return;
        if (r.ok) setDiag(r.value);
        else setError(r.error.message);
      });
    load();
    const t = setInterval(load, 2_000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, []);
  const choose = async (value: string): Promise<void> => {
    setError(null);
    const r = await ctx.call('net.setInterface', { interface: value === 'auto' ? null : value });
    if (r.ok) setDiag(r.value);
    else setError(r.error.message);
  };
  return (
    <aside class="panel wide" aria-label="Network" data-testid="network-panel">
      <div class="panel-head">
        <h2>Network</h2>
        <button class="ghost" ref={close} onClick={props.onClose} aria-label="Close network">
          ✕
        </button>
      </div>
      {!diag ? (
        <p class="muted">{error ?? 'Checking…'}</p>
      ) : (
        <div class="network">
          <div class={`verdict ${diag.verdict.level}`} role="status" data-testid="verdict">
            <p class="verdict-title">{diag.verdict.title}</p>
            <p class="verdict-evidence">{diag.verdict.evidence}</p>
            {diag.verdict.next.length > 0 && (
              <ul class="verdict-next">
                {diag.verdict.next.map((n) => (
                  <li key={n}>{n}</li>
                ))}
              </ul>
            )}
          </div>
          {diag.shareAddress && <ShareAddress address={diag.shareAddress} />}
          <section>
            <h3>Interface</h3>
            <label class="label" for="net-iface">
              Baton uses
            </label>
            {diag.mode === 'fixed' ? (
              <p>
                <code>{diag.inUse?.name}</code> {diag.inUse?.address} — fixed by{' '}
                <code>--interface</code>
              </p>
            ) : (
              <select
                id="net-iface"
                value={diag.mode === 'auto' ? 'auto' : (diag.inUse?.name ?? 'auto')}
                onChange={(e) => void choose(e.currentTarget.value)}
              >
                <option value="auto">
                  Automatic{diag.mode === 'auto' && diag.inUse ? ` (${diag.inUse.name})` : ''}
                </option>
                {diag.interfaces
                  .filter((i) => i.kind !== 'loopback')
                  .map((i) => (
                    <option key={i.name + i.address} value={i.name}>
                      {i.name} — {i.address}
                      {i.virtual ? ' (virtual)' : ''}
                    </option>
                  ))}
              </select>
            )}
            <p class="hint" data-testid="iface-reason">
              {diag.inUse ? `${diag.inUse.name} ${diag.inUse.address}: ` : ''}
              {diag.reason}.
            </p>
            <ul class="iface-list">
              {diag.interfaces.map((i) => (
                <li key={i.name + i.address} class={i.inUse ? 'in-use' : ''}>
                  <code>{i.name}</code> {i.address}
                  {i.virtual && <span class="badge">virtual</span>}
                  {i.kind === 'loopback' && <span class="badge">this laptop only</span>}
                  {i.inUse && <span class="badge host">in use</span>}
                </li>
              ))}
            </ul>
          </section>
          {diag.mdns && (
            <section>
              <h3>Discovery (mDNS)</h3>
              <dl class="facts">
                <dt>Sent</dt>
                <dd>
                  {diag.mdns.queriesSent} queries, {diag.mdns.answersSent} announcements
                  {diag.mdns.sendErrors > 0 && (
                    <span class="bad">
                      {' '}
                      · {diag.mdns.sendErrors} failed ({diag.mdns.lastError})
                    </span>
                  )}
                </dd>
                <dt>Heard</dt>
                <dd>
                  {diag.mdns.packetsHeard} packets from {diag.mdns.hostsHeard}{' '}
                  {diag.mdns.hostsHeard === 1 ? 'other device' : 'other devices'}
                  {diag.mdns.lastHeardAt !== null &&
                    `, last ${formatAgo(Date.now() - diag.mdns.lastHeardAt)}`}
                  ; {diag.mdns.ownPacketsHeard} of this laptop's own
                </dd>
                <dt>Batons</dt>
                <dd>
                  {diag.batonsHeard} other {diag.batonsHeard === 1 ? 'copy' : 'copies'} heard
                </dd>
              </dl>
            </section>
          )}
          <section>
            <h3>Links</h3>
            {diag.links.length === 0 ? (
              <p class="muted">No link to another laptop.</p>
            ) : (
              <table class="links">
                <thead>
                  <tr>
                    <th>Laptop</th>
                    <th>Address</th>
                    <th>Path</th>
                    <th>Round trip</th>
                    <th>Last heartbeat</th>
                  </tr>
                </thead>
                <tbody>
                  {diag.links.map((l) => (
                    <tr key={l.address + l.name + String(l.outbound)}>
                      <td>{l.name}</td>
                      <td>{l.path === 'relay' ? '—' : <code>{l.address}</code>}</td>
                      <td data-testid="link-path">{l.path === 'relay' ? 'via relay' : 'direct'}</td>
                      <td>{l.rttMs === null ? '—' : `${l.rttMs} ms`}</td>
                      <td>
                        {l.lastHeartbeatAgoMs === null
                          ? '—'
                          : `${(l.lastHeartbeatAgoMs / 1000).toFixed(1)} s ago`}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <p class="hint">
              {diag.reachable
                ? "This laptop's port is reachable: another laptop connected to it."
                : 'Whether the others can reach this laptop shows once one connects to it.'}
            </p>
          </section>
          <RelayCard ctx={ctx} relay={diag.relay} />
          <Scan ctx={ctx} />
          <ErrorLine text={error} />
        </div>
      )}
    </aside>
  );
}

/** The explicit scan of this network: never automatic. */
function Scan({ ctx }: { ctx: Ctx }) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ScanView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [joining, setJoining] = useState<string | null>(null);
  const scan = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    const r = await ctx.call('net.scan');
    setBusy(false);
    if (r.ok) setResult(r.value);
    else setError(r.error.message);
  };
  const inSession = ctx.status.sessionId !== null;
  return (
    <section>
      <h3>Scan this network</h3>
      <p class="hint">
        Asks every address of this network (its /24) on Baton's ports whether a Baton answers. Takes
        about ten seconds.
      </p>
      <button onClick={() => void scan()} disabled={busy} data-testid="scan">
        {busy ? 'Scanning…' : 'Scan this network'}
      </button>
      {result && (
        <div data-testid="scan-result">
          <p class="muted">
            {result.network}: {result.probed} probes, {result.found.length}{' '}
            {result.found.length === 1 ? 'Baton' : 'Batons'} found.
          </p>
          <ul class="scan-found">
            {result.found.map((f) => (
              <li key={f.address}>
                <code>{f.address}</code>
                <span class="muted">
                  {f.sessionId ? (f.sessionName ?? 'in a session') : 'not in a session'}
                </span>
                {f.sessionId && !inSession && (
                  <button
                    class="small primary"
                    disabled={joining !== null}
                    onClick={() => {
                      setJoining(f.address);
                      void ctx.call('session.connect', { address: f.address }).then((r) => {
                        setJoining(null);
                        if (!r.ok) setError(r.error.message);
                        else ctx.refresh();
                      });
                    }}
                  >
                    {joining === f.address ? 'Joining…' : 'Join'}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
      <ErrorLine text={error} />
    </section>
  );
}
