import { useEffect, useState } from 'preact/hooks';
import type { Results } from '../core/api/contract';
import { useFocusOnOpen } from './hooks';
import { JoinLink } from './relay';
import { ShareAddress } from './share';
import type { Ctx } from './state';

/** The staff view's "Phones" card: the QR code students scan, the plain URL, the switch. */
export function PhonesCard({ ctx }: { ctx: Ctx }) {
  const [links, setLinks] = useState<Results['session.shareLinks'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [big, setBig] = useState(false);
  const on = ctx.queue?.phones ?? true;
  useEffect(() => {
    void ctx.call('session.shareLinks').then((r) => {
      if (r.ok) setLinks(r.value);
      else setError(r.error.message);
    });
  }, [ctx.status.sessionId]);
  const toggle = async (): Promise<void> => {
    const r = await ctx.call('staff.setPhones', { enabled: !on });
    if (!r.ok) ctx.toast(r.error.message, 'error');
  };
  return (
    <section class="card phones-card" aria-labelledby="phones-title" data-testid="phones-card">
      <h2 id="phones-title">
        Phones
        <label class="check push">
          <input type="checkbox" checked={on} onChange={() => void toggle()} />
          Let phones join
        </label>
      </h2>
      {!on ? (
        <p class="muted">Phone joining is off: no laptop serves the phone page.</p>
      ) : links ? (
        <>
          <p class="hint">Students without the app scan this with the phone camera — no install.</p>
          <img
            class="qr"
            src={svgUrl(links.qrSvg)}
            alt={`QR code of ${links.phoneUrl}`}
            data-testid="qr"
          />
          <ShareAddress address={links.phoneUrl} label="or open" />
          <JoinLink ctx={ctx} />
          <button onClick={() => setBig(true)}>Big screen</button>
        </>
      ) : (
        <p class="muted">{error ?? 'Loading…'}</p>
      )}
      {big && links && <BigScreen ctx={ctx} links={links} onClose={() => setBig(false)} />}
    </section>
  );
}

const svgUrl = (svg: string): string =>
  `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;

/** For the projector: a large QR code, the session, how many are waiting, the announcement. */
function BigScreen(props: { ctx: Ctx; links: Results['session.shareLinks']; onClose(): void }) {
  const { ctx, links } = props;
  const close = useFocusOnOpen();
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') props.onClose();
    };
    window.addEventListener('keydown', onKey);
    void document.documentElement.requestFullscreen?.().catch(() => {});
    return () => {
      window.removeEventListener('keydown', onKey);
      if (document.fullscreenElement) void document.exitFullscreen().catch(() => {});
    };
  }, []);
  const q = ctx.queue;
  const waiting = q?.entries.filter((e) => e.status === 'waiting').length ?? 0;
  return (
    <div
      class="big-screen"
      role="dialog"
      aria-modal="true"
      aria-label="Big screen"
      data-testid="big-screen"
    >
      <button
        class="ghost big-close"
        ref={close}
        onClick={props.onClose}
        aria-label="Close big screen"
      >
        ✕
      </button>
      <h1>{ctx.status.sessionName}</h1>
      <div class="big-body">
        <img class="big-qr" src={svgUrl(links.qrSvg)} alt={`QR code of ${links.phoneUrl}`} />
        <div class="big-side">
          <p class="big-count">
            <strong>{waiting}</strong> waiting
          </p>
          <p class="big-hint">Scan to get in line from your phone</p>
          <p class="big-url">{links.phoneUrl}</p>
          {q?.announcement && <p class="big-announcement">{q.announcement}</p>}
        </div>
      </div>
    </div>
  );
}
