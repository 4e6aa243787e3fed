/** What mDNS discovery counts on its socket (the network verdict reads them). */
export interface MdnsCounters {
  queriesSent: number;
  answersSent: number;
  /** Packets from other hosts. */
  packetsHeard: number;
  /** This laptop's own packets, looped back by the network stack. */
  ownPacketsHeard: number;
  /** Other hosts heard (any mDNS, not only Baton). */
  hostsHeard: number;
  lastHeardAt: number | null;
  sendErrors: number;
  lastError: string | null;
}
