/** Wire protocol version. Peers with a different major version refuse each other with a clear error. */
export const PROTOCOL_VERSION = 6;

/** Largest frame a peer accepts (bytes of JSON). Sync of a large history fits; floods do not. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

/**
 * Largest epoch on the wire (2^40, about a billion terms): far beyond any real session, far
 * below `Number.MAX_SAFE_INTEGER`, so no sequence of bounded steps can reach a number the
 * schemas cannot carry. A frame with a bigger one is refused at decode.
 */
export const MAX_EPOCH = 2 ** 40;
