import type { MemberId } from '../ids';

/**
 * What one job asks of another, buffered on the session state and carried out by the hub
 * (core.ts) as soon as the job returns: no job calls into another job's module for these
 * (etcd raft buffers its outputs for `Ready` the same way). The three reactions that
 * cross jobs:
 */
export type Intent =
  /** acks were released (acks.ts): the room's waiting batch may go now (fanout.ts). */
  | { kind: 'fan-out' }
  /** the member a failback waits on reported its heads (acks.ts): try it (hosting.ts). */
  | { kind: 'failback'; to: MemberId }
  /** this host's disk refuses writes (storage.ts): hand hosting to `to` (hosting.ts). */
  | { kind: 'hand-over'; to: MemberId };
