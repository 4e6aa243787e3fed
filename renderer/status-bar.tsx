import type { Status } from '../core/api/contract';
import type { Link } from './api';
import { ordinal } from './format';

function nameOf(status: Status, memberId: string | null): string {
  if (!memberId) return '—';
  return status.members.find((m) => m.memberId === memberId)?.name ?? memberId.slice(0, 8);
}

/**
 * Connection state, who hosts, and — for staff — this laptop's place in the successor order,
 * on every screen. Students never see hosting order: "2nd in line to host" beside "#2 in
 * line" read as a second, contradicting queue (the Members panel still shows the order).
 */
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
          {status.isStaff && (
            <>
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
