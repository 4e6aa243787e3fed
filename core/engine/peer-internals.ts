import type { MemberId } from '../ids';
import type { HeadsCert } from '../protocol/messages';
import type { SessionCore } from '../session/core';
import type { Effects } from '../session/effects';

// What the simulator and the tests reach inside a `Peer` for — a laptop put to sleep and
// woken, bytes sent, the document's size — kept off its public surface: this module is not
// exported by the engine's package (core/engine/index.ts). Each Peer registers here as it
// is built; nothing else reads the registry.

interface Inside {
  core: SessionCore<unknown>;
  apply(fx: Effects): void;
  now(): number;
}

const registry = new WeakMap<object, Inside>();

/** Called by Peer's constructor. */
export function registerPeer(peer: object, inside: Inside): void {
  registry.set(peer, inside);
}

function inside(peer: object): Inside {
  const i = registry.get(peer);
  if (!i) throw new Error('not a Peer');
  return i;
}

/** Freeze in place (a laptop put to sleep, SIGSTOP): no timers, frames are lost. */
export function suspendPeer(peer: { stop(): void }): void {
  peer.stop();
}

/** Wake up with the state held before `suspendPeer` (the laptop opened again). */
export function wakePeer(peer: object): void {
  const i = inside(peer);
  i.apply(i.core.wake(i.now()));
}

/** Sync bytes this copy has sent member `id` so far. */
export function bytesSentTo(peer: object, id: MemberId): number {
  return inside(peer).core.replica?.bytesSent.get(id) ?? 0;
}

/** The size of this copy's document, saved whole. */
export function replicaBytes(peer: object): number {
  return inside(peer).core.replica?.save().byteLength ?? 0;
}

/** The heads certificates this copy keeps, newest term first (certs.ts). */
export function certsKeptBy(peer: object): HeadsCert[] {
  return inside(peer).core.certsKept();
}
