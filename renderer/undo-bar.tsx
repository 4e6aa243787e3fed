import { useState } from 'preact/hooks';
import { UNDO_WINDOW_MS } from '../core/api/contract';
import { useNow } from './hooks';
import { undoEntry } from './staff-queue';
import type { Ctx } from './state';

/**
 * The undo bar: one compact line at the top of the TA's queue column, in the page's flow,
 * never over a panel or a side card. It offers the latest Remove / Done / Not found, with
 * how long Undo stays possible; earlier ones behind "n more". An offer goes as soon as its
 * entry moved on (state.ts), so Undo is never offered for something already undone.
 */
export function UndoBar({ ctx }: { ctx: Ctx }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const now = useNow(1_000);
  const offers = ctx.undos;
  if (offers.length === 0) return null;
  const shown = open ? offers : offers.slice(0, 1);
  return (
    <div class="undo-bar" role="region" aria-label="Undo" data-testid="undo-bar">
      <ul>
        {shown.map((o) => {
          const left = Math.max(0, Math.ceil((o.at + UNDO_WINDOW_MS - now) / 1000));
          return (
            <li key={`${o.entryId}-${o.at}`} data-testid="undo-offer">
              <span class="undo-text" role="status">
                {o.text}
              </span>
              <span class="muted undo-left" aria-label={`${left} seconds left to undo`}>
                {left} s
              </span>
              <button
                class="small"
                disabled={busy !== null}
                aria-label={`Undo: ${o.text}`}
                onClick={() => {
                  setBusy(o.entryId);
                  void undoEntry(ctx, o.entryId).finally(() => setBusy(null));
                }}
              >
                Undo
              </button>
            </li>
          );
        })}
      </ul>
      {offers.length > 1 && (
        <button class="ghost small" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? 'Fewer' : `${offers.length - 1} more`}
        </button>
      )}
      <button
        class="ghost small"
        aria-label="Dismiss the undo bar"
        onClick={() => {
          for (const o of offers) ctx.dropUndo(o.entryId);
          setOpen(false);
        }}
      >
        ✕
      </button>
    </div>
  );
}
