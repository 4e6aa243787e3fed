/**
 * Where the replica's and the outbox's writes go while they work: in the engine, the
 * `Effects` being built (the session core's); a `Store` has this shape too. Owned here,
 * by the layer that writes, so replication imports nothing from the session above it.
 */
export interface WriteSink {
  save(key: string, bytes: Uint8Array, durable?: boolean): void;
  append(key: string, bytes: Uint8Array): void;
}
