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

/** Sessions heard over mDNS and on the relay, one listing per session. */
export function mergeListings(lan: SessionListing[], relayed: SessionListing[]): SessionListing[] {
  const by = new Map(lan.map((l) => [l.sessionId, { ...l, contacts: [...l.contacts] }]));
  for (const r of relayed) {
    const l = by.get(r.sessionId);
    if (!l) by.set(r.sessionId, r);
    else {
      for (const c of r.contacts) if (!l.contacts.includes(c)) l.contacts.push(c);
      l.memberCount = Math.max(l.memberCount, r.memberCount);
    }
  }
  return [...by.values()];
}
