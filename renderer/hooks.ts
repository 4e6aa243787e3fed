import { useEffect, useRef, useState } from 'preact/hooks';

/** The current time, re-rendering every `everyMs` (countdowns, "away for 3 min"). */
export function useNow(everyMs = 1_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/** Move keyboard focus to the returned button when a panel or dialog opens. */
export function useFocusOnOpen() {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return ref;
}
