/**
 * Persistence port: a few named blobs. Both calls return only once the bytes are
 * durable (fsync), because an acknowledgement depends on them.
 */
export interface Store {
  load(key: string): Uint8Array | null;
  /** Replace the blob atomically. */
  /**
   * Replace `key` atomically. `durable: false` skips the fsyncs: for writes whose loss is
   * harmless (forgetting an acknowledged command only makes it resend, idempotently).
   */
  save(key: string, bytes: Uint8Array, durable?: boolean): void;
  /** Append to the blob (used for incremental document chunks). */
  append(key: string, bytes: Uint8Array): void;
  remove(key: string): void;
  /** Move a blob that could not be read out of the way, never deleting it; where it went. */
  moveAside(key: string, why: string): string;
}

/** In-memory store: survives a simulated crash because the cluster keeps it between restarts. */
export class MemoryStore implements Store {
  /** Each key's bytes as appended chunks (joined on load), so an append never copies the file. */
  private readonly blobs = new Map<string, Uint8Array[]>();
  /** Bytes written in total, for benchmarks. */
  bytesWritten = 0;
  /** Writes (each one an fsync in the file store), for tests. */
  writes = 0;
  /** Tests: every write fails with this errno code (`ENOSPC`: a full disk) until cleared. */
  failWrites: string | null = null;

  private check(): void {
    if (!this.failWrites) return;
    const e = new Error(`${this.failWrites}: simulated write failure`) as NodeJS.ErrnoException;
    e.code = this.failWrites;
    throw e;
  }

  load(key: string): Uint8Array | null {
    const chunks = this.blobs.get(key);
    if (!chunks) return null;
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    return out;
  }
  save(key: string, bytes: Uint8Array, _durable = true): void {
    this.check();
    this.blobs.set(key, [bytes.slice()]);
    this.bytesWritten += bytes.byteLength;
    this.writes++;
  }
  append(key: string, bytes: Uint8Array): void {
    this.check();
    const chunks = this.blobs.get(key);
    if (!chunks) return this.save(key, bytes);
    chunks.push(bytes.slice());
    this.bytesWritten += bytes.byteLength;
    this.writes++;
  }
  remove(key: string): void {
    this.blobs.delete(key);
  }
  /** Blobs moved aside, by their new key. */
  readonly aside = new Map<string, { bytes: Uint8Array | null; why: string }>();
  moveAside(key: string, why: string): string {
    const to = `${key}.unreadable-${this.aside.size + 1}`;
    this.aside.set(to, { bytes: this.load(key), why });
    this.blobs.delete(key);
    return to;
  }
}
