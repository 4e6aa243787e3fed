import type { QueueView } from '../core/api/contract';
import { formatClock } from './format';
import { useNow } from './hooks';

/**
 * Closing on time (core/queue/closing.ts): the banner everyone in the session sees — the
 * app and the phone page — counting down to the end of sign-ups and to the closing time.
 * Staff set them in the Closing time card (closing-card.tsx).
 */

/** "in 12 min", "in 45 s". */
function inWords(ms: number): string {
  if (ms < 60_000) return `in ${Math.max(1, Math.ceil(ms / 1000))} s`;
  const m = Math.ceil(ms / 60_000);
  return m < 120 ? `in ${m} min` : `in ${Math.floor(m / 60)} h ${m % 60} min`;
}

export function closingText(c: NonNullable<QueueView['closing']>, now: number): string | null {
  const parts: string[] = [];
  if (c.signupsEnd !== null)
    parts.push(
      now < c.signupsEnd
        ? `Sign-ups close at ${formatClock(c.signupsEnd)} (${inWords(c.signupsEnd - now)})`
        : 'Sign-ups have closed',
    );
  if (c.closeAt !== null && now < c.closeAt)
    parts.push(
      `office hours end at ${formatClock(c.closeAt)} (${inWords(c.closeAt - now)})${
        c.atClose === 'keep' ? '; everyone in line will still be helped' : ''
      }`,
    );
  if (parts.length === 0) return null;
  const text = parts.join(' · ');
  return text[0]!.toUpperCase() + text.slice(1);
}

/** The countdown banner, for students and staff alike. */
export function ClosingBanner({ closing }: { closing: QueueView['closing'] }) {
  const now = useNow(1_000);
  if (!closing) return null;
  const text = closingText(closing, now);
  if (!text) return null;
  const soon =
    (closing.signupsEnd !== null && closing.signupsEnd - now < 10 * 60_000) ||
    (closing.closeAt !== null && closing.closeAt - now < 10 * 60_000);
  return (
    <div class={`closing-banner${soon ? ' soon' : ''}`} data-testid="closing-banner">
      <span class="announcement-label">Closing</span> {text}
    </div>
  );
}
