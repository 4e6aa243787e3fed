import * as Automerge from '@automerge/automerge';

/**
 * Reads straight from Automerge's core, not the document's view: a member's view may lag
 * behind its core (replica.ts keeps it lazy), and materializing it for a count or a few
 * keys would cost what the lazy view saves. Cheap enough for every turn.
 */

/**
 * The value at `path` under `doc.app` as plain data (a small part of the document: the
 * queue's staff records and lock, for the members it prefers as hosts); undefined when
 * nothing is there.
 */
export function valueAt(doc: Automerge.Doc<unknown>, path: readonly string[]): unknown {
  const core = Automerge.getBackend(doc);
  try {
    let obj = '_root';
    for (const key of ['app', ...path]) {
      const v = core.getWithType(obj, key);
      if (!v) return undefined;
      const [type, value] = v;
      if (type === 'map' || type === 'list') obj = value as string;
      else if (type === 'text') return core.text(value as string);
      else return key === path.at(-1) ? value : undefined; // a scalar ends the path
    }
    return plain(core, obj);
  } catch {
    return undefined; // not there (a document of another app, or none yet)
  }
}

type Core = ReturnType<typeof Automerge.getBackend>;

/**
 * An object of the core as plain data, read key by key. Not `core.materialize`: that moves
 * the core's record of what the view has seen, and the lazy view then misses changes.
 */
function plain(core: Core, obj: string, depth = 0): unknown {
  if (depth > 8) return undefined; // the parts read here are shallow: stop at a forger's deep tree
  const value = (v: ReturnType<Core['getWithType']>): unknown => {
    if (!v) return undefined;
    const [type, x] = v;
    if (type === 'map' || type === 'list') return plain(core, x as string, depth + 1);
    if (type === 'text') return core.text(x as string);
    return x;
  };
  const info = core.objInfo(obj);
  if (info.type === 'list') {
    const out: unknown[] = [];
    for (let i = 0; i < core.length(obj); i++) out.push(value(core.getWithType(obj, i)));
    return out;
  }
  if (info.type === 'text') return core.text(obj);
  const out: Record<string, unknown> = {};
  for (const k of core.keys(obj)) out[k] = value(core.getWithType(obj, k));
  return out;
}

/** How many member records the core holds (three lookups), -1 before the session exists. */
export function memberCount(doc: Automerge.Doc<unknown>): number {
  const core = Automerge.getBackend(doc);
  const baton = core.get('_root', 'baton');
  const members = typeof baton === 'string' ? core.get(baton, 'members') : undefined;
  return typeof members === 'string' ? core.length(members) : -1;
}

/** A change new to a document, with what identifies it in the history. */
export interface FreshChange {
  hash: string;
  deps: string[];
  bytes: Uint8Array;
}

/**
 * The changes `chunks` (of a sync message: Automerge sends changes as compressed chunks)
 * would add to `doc`, each with its hash and dependencies — worked out on a copy of the
 * document that is then thrown away. Throws on junk.
 */
export function changesIn(
  doc: Automerge.Doc<unknown>,
  chunks: readonly Uint8Array[],
): FreshChange[] {
  const before = Automerge.getHeads(doc);
  let trial = Automerge.clone(doc);
  try {
    for (const chunk of chunks) trial = Automerge.loadIncremental(trial, chunk);
    return Automerge.getChangesSince(trial, before).map((bytes) => {
      const d = Automerge.decodeChange(bytes);
      return { hash: d.hash, deps: d.deps, bytes };
    });
  } finally {
    Automerge.free(trial);
  }
}
