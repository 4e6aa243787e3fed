import * as Automerge from '@automerge/automerge';
import type { Clock, TimerHandle } from '../clock';

/** Changes in the made-up document, and how many of them one slice makes. */
const CHANGES = 1_000;
const PER_SLICE = 250;
/** Loads of it (each one slice). */
const LOADS = 3;

/**
 * Get a fresh process's `Automerge.load` onto optimized code before it matters.
 *
 * V8 first runs each WebAssembly (and JavaScript) function on its baseline tier and
 * optimizes it only once it is hot, so the first large load in a process is about twice
 * as slow as the next: a 5,000-entry snapshot took 0.42–0.44 s to load first and 0.22 s
 * the second time (measured here). A joiner's first load is its snapshot: the whole
 * history, the largest part of a join. A copy with no session yet — on its start screen,
 * about to join — therefore makes a small document of 1,000 changes and loads it three
 * times, in slices of ≈ 50–100 ms with the event loop free between them (≈ 0.4 s of CPU
 * once); after it, that first snapshot load took 0.23–0.25 s. `stop` ends it early
 * (the copy joined or created a session: the slices would only delay it).
 */
export function warmUpLoading(clock: Clock): { stop(): void } {
  let timer: TimerHandle | null = null;
  let stopped = false;
  const backend = Automerge.getBackend(Automerge.init({ actor: 'ba70' }));
  const live = backend.putObject('/', 'live', {});
  const done = backend.putObject('/', 'done', {});
  let made = 0;
  let loads = 0;
  const finish = (): void => {
    if (stopped) return;
    stopped = true;
    if (timer) clock.clearTimer(timer);
    timer = null;
    backend.free();
  };
  const slice = (): void => {
    timer = null;
    if (stopped) return;
    try {
      if (made < CHANGES) {
        // The shape of a queue's history: an entry joins, and an older one leaves for the archive.
        for (const end = made + PER_SLICE; made < end; made++) {
          const entry = backend.putObject(live, `e${made}`, {});
          backend.put(entry, 'name', `Student ${made}`);
          backend.put(entry, 'topic', 'recursion');
          backend.put(entry, 'at', made * 1000, 'int');
          if (made >= 3) {
            backend.delete(live, `e${made - 3}`);
            backend.put(done, `e${made - 3}`, `{"id":"e${made - 3}","status":"done"}`);
          }
          backend.commit(null, 0);
        }
      } else {
        Automerge.save(Automerge.load(backend.save()));
        loads++;
      }
    } catch {
      loads = LOADS; // only ever an optimization: a failure here changes nothing else
    }
    if (loads < LOADS) timer = clock.setTimer(0, slice);
    else finish();
  };
  timer = clock.setTimer(0, slice);
  return { stop: finish };
}
