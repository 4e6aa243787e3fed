import { type QueueState, FINISHED_STATUSES, imm, text } from './types';
import { type StoredEntry, readEntry } from './entry-store';
import { PROGRESS, archivedIds } from './selectors';

/**
 * After a healed partition the two sides' histories merge. If two staff members called
 * the same student while split, the earliest call wins (host time, then member id), the
 * entry goes to that staff member, and the entry carries a note for staff to see. A
 * student finished on either side stays finished. Deterministic: every copy reaches the
 * same result from the same merged history.
 */
export function reconcileQueue(state: QueueState, _now: number, view: QueueState = state): void {
  // One side archived an entry while the other still changed it in the live list: the
  // archived copy is finished, and finished stays finished — drop the live leftover. The
  // archive's ids are read from `view` (plain objects): through the draft, the 5,000 keys
  // of a long term's archive cost 50 ms at every term's start and every merge.
  const archived = archivedIds(view);
  for (const [id, seen] of Object.entries(view.entries)) {
    if (archived.has(id)) {
      delete state.entries[id];
      continue;
    }
    const stored = state.entries[id]; // one crossing into the draft, not two
    if (stored) reconcileEntry(view, seen, stored);
  }
}

/** Reads go to the plain copy (`seen`, `view`); writes to the stored entry, only where something changes. */
function reconcileEntry(view: QueueState, seen: StoredEntry, stored: StoredEntry): void {
  const e = readEntry(seen);
  const steps = Object.entries(e.history)
    .map(([key, t]) => ({ key, ...t }))
    .sort((a, b) => a.at - b.at || (a.key < b.key ? -1 : 1));
  // Only what happened since the student last (re)entered the line matters.
  let start = 0;
  for (let i = 0; i < steps.length; i++) if (steps[i]!.status === 'waiting') start = i;
  const since = steps.slice(start + 1);
  const calls = since.filter((s) => s.status === 'called' || s.status === 'helping');
  const callers = [...new Set(calls.map((c) => c.by))];
  const finished = since.find((s) => (FINISHED_STATUSES as readonly string[]).includes(s.status));

  if (finished && PROGRESS[e.status] < 3) {
    stored.status = imm(finished.status);
  }
  if (callers.length > 1) {
    const first = [...calls].sort((a, b) => a.at - b.at || (a.by < b.by ? -1 : 1))[0]!;
    const name = (id: string): string => text(view.staff[id]?.name) || 'another staff member';
    const others = callers.filter((c) => c !== first.by).map(name);
    const note =
      `Called by ${name(first.by)} and ${others.join(', ')} while the network was split; ` +
      `${name(first.by)} keeps this student.`;
    if (e.helper !== first.by) stored.helper = imm(first.by);
    if (e.conflict !== note) stored.conflict = imm(note);
    const best = Math.max(...calls.filter((c) => c.by === first.by).map((c) => PROGRESS[c.status]));
    if (!finished && PROGRESS[e.status] !== best)
      stored.status = imm(best === 2 ? 'helping' : 'called');
  }
}
