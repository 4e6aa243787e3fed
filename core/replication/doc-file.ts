import * as Automerge from '@automerge/automerge';
import type { WriteSink } from './write-sink';

/** The store key of the document file. */
export const DOC_KEY = 'doc.automerge';
/** Rewrite the document file as one compact chunk after this many appended chunks. */
const COMPACT_EVERY = 500;

/**
 * How a replica's document reaches its store: each write appends the changes since the
 * heads on disk as one chunk, and every COMPACT_EVERY chunks the whole document is
 * written again as one. The last whole document it wrote (or adopted from a host) is also
 * the base of the snapshot a joiner gets (`snapshot`). A file read from disk is not: it
 * may hold up to COMPACT_EVERY chunks, or an older version's bloat (see below).
 *
 * The heads are kept here because Automerge's own
 * `saveIncremental` counts from the last save or incremental save, not from a load:
 * after `Automerge.load` (a joiner's snapshot, a copy resuming) its first call re-encoded
 * the whole history — 11 MB and 0.13–0.26 s for 5,000 past entries.
 */
export class DocFile {
  private chunksSinceCompact = 0;
  private savedHeads: string[];
  /** The last whole document written, and its heads. */
  private whole: { bytes: Uint8Array; heads: string[] } | null = null;

  /** `doc` is what the store holds now. */
  constructor(
    private readonly store: WriteSink,
    doc: Automerge.Doc<unknown>,
  ) {
    this.savedHeads = Automerge.getHeads(doc);
  }

  /** The store now holds `bytes`, the whole of `doc` as saved (a new replica, a snapshot). */
  replaceWith(bytes: Uint8Array, doc: Automerge.Doc<unknown>): void {
    this.store.save(DOC_KEY, bytes);
    this.savedHeads = Automerge.getHeads(doc);
    this.chunksSinceCompact = 0;
    this.whole = { bytes, heads: this.savedHeads };
  }

  /** Whether a whole document is at hand as a snapshot's base. */
  hasWhole(): boolean {
    return this.whole !== null;
  }

  /**
   * The whole document for a joiner, loadable with `Automerge.load`. Saving a large
   * document is slow (0.14 s on a host at 5,000 past entries), and joiners come in bursts:
   * the last whole document is reused with the changes since appended, until those grow
   * past an eighth of it. Flush `doc` first: nothing leaves before it is on disk.
   */
  snapshot(doc: Automerge.Doc<unknown>): Uint8Array {
    const w = this.whole;
    if (w) {
      const since = Automerge.saveSince(doc, w.heads);
      if (since.byteLength <= Math.max(64 * 1024, w.bytes.byteLength / 8)) {
        const out = new Uint8Array(w.bytes.byteLength + since.byteLength);
        out.set(w.bytes, 0);
        out.set(since, w.bytes.byteLength);
        return out;
      }
    }
    const bytes = Automerge.save(doc);
    this.whole = { bytes, heads: Automerge.getHeads(doc) };
    return bytes;
  }

  /** Write the whole document next time (after a failed write: the chunks since the last good one are lost). */
  rewrite(): void {
    this.chunksSinceCompact = COMPACT_EVERY;
  }

  /** Write what `doc` has that the store does not. */
  write(doc: Automerge.Doc<unknown>): void {
    const heads = Automerge.getHeads(doc);
    if (this.chunksSinceCompact >= COMPACT_EVERY) {
      const bytes = Automerge.save(doc);
      this.store.save(DOC_KEY, bytes);
      this.whole = { bytes, heads };
      this.chunksSinceCompact = 0;
    } else {
      this.store.append(DOC_KEY, Automerge.saveSince(doc, this.savedHeads));
      this.chunksSinceCompact += 1;
    }
    this.savedHeads = heads;
  }
}
