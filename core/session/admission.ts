import type { EngineErrorCode } from '../errors';
import type { DeviceId } from '../ids';
import { toBase64 } from '../protocol/codec';
import type { Hello } from '../protocol/messages';
import { PROTOCOL_VERSION } from '../protocol/version';
import * as frame from './frames';
import { MAX_SNAPSHOT_CHARS } from './frames';
import type { SessionState } from './state';
import { hostCert } from './certs';
import { afterHostChange } from './sync-schedule';

// The host admits a joiner: refuse what it cannot serve, point a joiner that asked a
// member to the host, record the new member in the document, then welcome + snapshot.

const PREPARE_SNAPSHOT_AFTER_MS = 1_000;

/** Refuse a hello this copy cannot take in any role; true when it did. */
export function refuseHello<S>(s: SessionState<S>, from: DeviceId, m: Hello): boolean {
  const refuse = (code: EngineErrorCode, message: string): true => {
    s.send(from, frame.refuse(code, message));
    return true;
  };
  if (m.v !== PROTOCOL_VERSION)
    return refuse('version', `protocol ${m.v} is not ${PROTOCOL_VERSION}`);
  if (m.deviceId !== from) return refuse('identity', 'a hello must name the device it comes from');
  if (!s.identity || m.sessionId !== s.identity.sessionId)
    return refuse('unknown-session', 'not in that session');
  return false;
}

/** Member: a joiner asked us; name the host it should ask (and where it runs). */
export function redirectJoiner<S>(s: SessionState<S>, from: DeviceId): void {
  const host = s.election?.hostId ?? null;
  const device = host && s.deviceOfMember(host);
  s.send(from, frame.redirect(s.identity!.sessionId, host, device, s.epoch));
}

/** Host: admit the joiner (a returning device keeps its member id), welcome, snapshot. */
export function admit<S>(s: SessionState<S>, from: DeviceId, m: Hello): void {
  const e = s.election!;
  const returning = s.replica!.memberOfDevice(m.deviceId) !== null;
  if (!returning && !s.admitLimit.take('admit', s.now)) {
    s.fx.log(`hello from ${from} waits: admitting new devices at the limit`);
    return; // it says hello again at its next heartbeat round
  }
  const { memberId, head } = s.replica!.admit(m.deviceId, m.name, s.now, s.o.random);
  s.membersChanged();
  e.onAdmitted(memberId, m.eligible, s.now);
  if (head) afterHostChange(s, head);
  s.send(from, frame.welcome(s.identity!.sessionId, memberId, s.memberId!, e.epoch));
  sendSnapshot(s, from);
}

/**
 * Host, a second into its term: a copy that resumed from its disk has no whole saved
 * document to base joiners' snapshots on, and saving one took 0.14–0.17 s at 5,000 past
 * entries — on the first joiner's path, or at the new host's first moment. Between the
 * two, on a tick, once per term at most (replica.ts `prepareSnapshot`).
 */
export function prepareSnapshot<S>(s: SessionState<S>): void {
  if (s.hostingSince === null || s.now - s.hostingSince < PREPARE_SNAPSHOT_AFTER_MS) return;
  s.hostingSince = null;
  s.replica!.prepareSnapshot();
}

/** The whole document to a joiner (it ignores it unless its replica is empty). */
function sendSnapshot<S>(s: SessionState<S>, to: DeviceId): void {
  if (s.now - (s.snapshotSentAt.get(to) ?? -Infinity) < s.cfg.snapshotEveryMs) return;
  const data = toBase64(s.replica!.snapshot());
  s.fx.log(`snapshot for ${to}: ${data.length} chars`);
  if (data.length > MAX_SNAPSHOT_CHARS) return;
  s.snapshotSentAt.set(to, s.now);
  s.send(to, frame.snapshot(s.memberId!, s.epoch, data, { cert: hostCert(s) }));
}
