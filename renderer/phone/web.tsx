import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Phone } from './app';
import { type LinkEvents, PhoneLink } from './link';
import { connectRelay, findLaptops, readJoinCode, relayCarrier } from './relay-link';

/**
 * The phone page for anywhere (dist/web/, any static web host): the join link's fragment
 * names the session and its relay; the page finds a laptop of the room on the relay and
 * then works as on the room's Wi-Fi.
 */
type Start =
  | { kind: 'finding'; session: string }
  | { kind: 'ready'; make: (events: LinkEvents) => PhoneLink; first: string }
  | { kind: 'failed'; message: string };

function Web() {
  const join = readJoinCode(location.hash.slice(1));
  const [start, setStart] = useState<Start>(
    join
      ? { kind: 'finding', session: join.sn || 'the session' }
      : { kind: 'failed', message: 'This page needs the join link a TA shares (it ends in #…).' },
  );
  useEffect(() => {
    if (!join) return;
    void (async () => {
      try {
        const nc = await connectRelay(join);
        const laptops = await findLaptops(nc, join.sid);
        if (laptops.length === 0) {
          setStart({
            kind: 'failed',
            message: `Nobody of "${join.sn}" answered on the relay. Is a laptop of the session running? Reload to try again.`,
          });
          return;
        }
        const first = laptops[0]!;
        setStart({
          kind: 'ready',
          first: first.name,
          make: (events) => new PhoneLink(first.device!, events, relayCarrier(nc), laptops),
        });
      } catch (e) {
        setStart({ kind: 'failed', message: `Cannot reach the relay: ${(e as Error).message}` });
      }
    })();
  }, []);
  if (start.kind === 'ready') return <Phone makeLink={start.make} first={start.first} />;
  return (
    <div class="phone">
      <header class="phone-top">
        <strong>{join?.sn || 'Baton'}</strong>
      </header>
      <section class="card" data-testid="web-start">
        {start.kind === 'finding' ? (
          <p class="muted">Finding {start.session} through its relay…</p>
        ) : (
          <p role="alert">{start.message}</p>
        )}
      </section>
    </div>
  );
}

render(<Web />, document.getElementById('root')!);
