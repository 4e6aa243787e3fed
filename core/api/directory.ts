import type { DeviceId } from '../ids';
import type { SessionListing } from '../discovery/listing';

export type { SessionListing } from '../discovery/listing';

/**
 * Where sessions on the LAN come from: mDNS discovery in the app and the CLI, the
 * cluster itself in simulations. `connect` resolves a typed address (the manual
 * fallback when multicast is blocked).
 */
export interface SessionDirectory {
  list(): SessionListing[];
  onChange(fn: () => void): () => void;
  connect?(address: string, timeoutMs?: number): Promise<{ sessionId: string; device: DeviceId }>;
}
