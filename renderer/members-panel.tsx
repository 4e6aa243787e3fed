import { useEffect, useState } from 'preact/hooks';
import type { NetworkDiag, Status } from '../core/api/contract';
import { useFocusOnOpen } from './hooks';
import { ShareAddress } from './share';
import type { Ctx } from './state';

type Links = NetworkDiag['links'];

/** How this laptop reaches each member ("via relay · 23 ms"), looked up every 2 s while open. */
function useLinks(ctx: Ctx): Links {
  const [links, setLinks] = useState<Links>([]);
  useEffect(() => {
    let live = true;
    const load = (): void =>
      void ctx.call('diag.network').then((r) => live && r.ok && setLinks(r.value.links));
    load();
    const t = setInterval(load, 2_000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, []);
  return links;
}

function PathNote({ links, id }: { links: Links; id: string }) {
  const l =
    links.find((x) => x.memberId === id && x.path === 'direct') ??
    links.find((x) => x.memberId === id);
  if (!l) return null;
  return (
    <span class="muted path-note" data-testid="member-path">
      {l.path === 'relay' ? 'via relay' : 'direct'}
      {l.rttMs !== null && ` · ${l.rttMs} ms`}
    </span>
  );
}

/** The successorship list: who hosts now, and who takes over next. */
export function MembersPanel(props: {
  ctx: Ctx;
  status: Status;
  share: string | null;
  onClose(): void;
}) {
  const { status } = props;
  const links = useLinks(props.ctx);
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
              <PathNote links={links} id={id} />
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
                <PathNote links={links} id={m.memberId} />
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
