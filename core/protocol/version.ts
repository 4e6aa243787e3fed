/** Wire protocol version. Peers with a different major version refuse each other with a clear error. */
export const PROTOCOL_VERSION = 3;

/** Largest frame a peer accepts (bytes of JSON). Sync of a large history fits; floods do not. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;
