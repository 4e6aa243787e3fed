import type { Status } from '../core/api/contract';
import { useFocusOnOpen } from './hooks';
import { ShareAddress } from './network';

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
