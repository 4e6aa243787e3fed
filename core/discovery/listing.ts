import type { DeviceId } from '../ids';

/** A session seen on the network, with the devices that can be asked to admit us. */
export interface SessionListing {
  sessionId: string;
  name: string;
  hostName: string;
  memberCount: number;
  /** Devices in the session, the host first when known. */
  contacts: DeviceId[];
}
