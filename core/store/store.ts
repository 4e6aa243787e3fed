/**
 * Persistence port: a few named blobs. Both calls return only once the bytes are
 * durable (fsync), because an acknowledgement depends on them.
 */
export interface Store {
  load(key: string): Uint8Array | null;
  /** Replace the blob atomically. */
  save(key: string, bytes: Uint8Array): void;
  /** Append to the blob (used for incremental document chunks). */
  append(key: string, bytes: Uint8Array): void;
  remove(key: string): void;
}

/** In-memory store: survives a simulated crash because the cluster keeps it between restarts. */
export class MemoryStore implements Store {
  private readonly blobs = new Map<string, Uint8Array>();
  /** Bytes written in total, for benchmarks. */
  bytesWritten = 0;

  load(key: string): Uint8Array | null {
    const b = this.blobs.get(key);
    return b ? b.slice() : null;
  }
  save(key: string, bytes: Uint8Array): void {
    this.blobs.set(key, bytes.slice());
    this.bytesWritten += bytes.byteLength;
  }
  append(key: string, bytes: Uint8Array): void {
    const old = this.blobs.get(key);
    if (!old) return this.save(key, bytes);
    const next = new Uint8Array(old.byteLength + bytes.byteLength);
    next.set(old, 0);
    next.set(bytes, old.byteLength);
    this.blobs.set(key, next);
    this.bytesWritten += bytes.byteLength;
  }
  remove(key: string): void {
    this.blobs.delete(key);
  }
}
