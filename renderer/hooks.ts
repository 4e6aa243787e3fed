import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * The current time, re-rendering every `everyMs` (countdowns, "away for 3 min"). The time of
 * the render, not of the last tick: a render brought by new data (a deadline just set) must
 * not count from a second ago.
 */
export function useNow(everyMs = 1_000): number {
  const [, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return Date.now();
}

/** Move keyboard focus to the returned button when a panel or dialog opens. */
export function useFocusOnOpen() {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return ref;
}

/**
 * Keep `--topbar-height` and `--statusbar-height` on the root in step with the bars' real
 * heights (they grow with the font size and the zoom), for layouts that fit between them.
 */
export function useBarHeights(ready: boolean): void {
  useEffect(() => {
    if (!ready || typeof ResizeObserver === 'undefined') return;
    const bars = (
      [
        ['.topbar', '--topbar-height'],
        ['.statusbar', '--statusbar-height'],
      ] as const
    ).flatMap(([sel, name]) => {
      const el = document.querySelector(sel);
      return el ? [{ el, name }] : [];
    });
    const root = document.documentElement.style;
    const measure = (): void => {
      for (const { el, name } of bars)
        root.setProperty(name, `${el.getBoundingClientRect().height}px`);
    };
    const ro = new ResizeObserver(measure);
    for (const { el } of bars) ro.observe(el);
    measure();
    return () => ro.disconnect();
  }, [ready]);
}
