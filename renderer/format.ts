/** Display helpers shared by the UI (no Node, no Electron: type-checked with DOM types only). */

/** "0.4 s", "12 s", "3 min": how long a host change or a wait took. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}
