import type { SessionState } from './state';

/** The document holds the session now: the join is done (a leaf: the sync paths call it). */
export function checkJoined<S>(s: SessionState<S>): void {
  if (!s.joining || !s.replica?.doc.baton?.session) return;
  s.joining = null;
  s.fx.emit('joined', { sessionId: s.identity!.sessionId, memberId: s.identity!.memberId });
}
