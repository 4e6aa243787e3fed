import * as Automerge from '@automerge/automerge';
import type { WriteSink } from './write-sink';

/** The store key of the document file. */
export const DOC_KEY = 'doc.automerge';
/** Rewrite the document file as one compact chunk after this many appended chunks. */
const COMPACT_EVERY = 500;

/**
 * How a replica's document reaches its store: each write appends the changes since the
 * heads on disk as one chunk, and every COMPACT_EVERY chunks the whole document is
 * written again as one. The heads are kept here because Automerge's own
 * `saveIncremental` counts from the last save or incremental save, not from a load:
 * after `Automerge.load` (a joiner's snapshot, a copy resuming) its first call re-encoded
 * the whole history — 11 MB and 0.13–0.26 s for 5,000 past entries.
 */
export class DocFile {
  private chunksSinceCompact = 0;
  private savedHeads: string[];

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
  }

  /** Write the whole document next time (after a failed write: the chunks since the last good one are lost). */
  rewrite(): void {
    this.chunksSinceCompact = COMPACT_EVERY;
  }

  /** Write what `doc` has that the store does not. */
  write(doc: Automerge.Doc<unknown>): void {
    const heads = Automerge.getHeads(doc);
    if (this.chunksSinceCompact >= COMPACT_EVERY) {
      this.store.save(DOC_KEY, Automerge.save(doc));
      this.chunksSinceCompact = 0;
    } else {
      this.store.append(DOC_KEY, Automerge.saveSince(doc, this.savedHeads));
      this.chunksSinceCompact += 1;
    }
    this.savedHeads = heads;
  }
}
