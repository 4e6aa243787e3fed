import * as Automerge from '@automerge/automerge';

/**
 * Reads straight from Automerge's core, not the document's view: a member's view may lag
 * behind its core (replica.ts keeps it lazy), and materializing it for a count or a few
 * keys would cost what the lazy view saves. Cheap enough for every turn.
 */

/** The keys of the map at `path` under `doc.app` (e.g. the members an app prefers as hosts). */
export function keysAt(doc: Automerge.Doc<unknown>, path: readonly string[]): string[] {
  const core = Automerge.getBackend(doc);
  try {
    let obj: unknown = core.get('_root', 'app');
    for (const key of path) {
      if (typeof obj !== 'string') return [];
      obj = core.get(obj, key);
    }
    return typeof obj === 'string' ? core.keys(obj) : [];
  } catch {
    return []; // not a map there (a document of another app, or none yet)
  }
}

/** How many member records the core holds (three lookups), -1 before the session exists. */
export function memberCount(doc: Automerge.Doc<unknown>): number {
  const core = Automerge.getBackend(doc);
  const baton = core.get('_root', 'baton');
  const members = typeof baton === 'string' ? core.get(baton, 'members') : undefined;
  return typeof members === 'string' ? core.length(members) : -1;
}
