import { storageErrorCode } from '../errors';
import { err } from '../result';
import type { CommandMsg } from '../protocol/messages';
import * as frame from './frames';
import { saveIdentity } from './identity';
import type { SessionState } from './state';

// When this copy's disk refuses a write (full, read-only, failing): it claims nothing it
// could not save. It stops offering to host or to hold changes (so acks wait on a copy
// that can write), a host hands over to its successor, commands get `storage-full`
// instead of an ack and stay in their senders' outboxes, and every `storageRetryMs` it tries
// writing everything again; the first write that works puts it back as it was.

/**
 * The driver could not carry out a write of the last step (nothing of that step was sent).
 * A host asks the hub to hand hosting to its successor.
 */
export function onStorageFailed<S>(s: SessionState<S>, code: string, message: string): void {
  const first = s.storage === null;
  s.storage = { code, message, since: first ? s.now : s.storage!.since };
  s.fx.holdWrites = true;
  s.replica?.rewrite();
  s.fx.timer('storage', s.cfg.storageRetryMs);
  if (!first) return;
  s.fx.log(
    `this laptop's disk refused a write (${code}: ${message}): saving nothing, claiming ` +
      `nothing unsaved, trying again every ${s.cfg.storageRetryMs / 1000} s`,
  );
  s.fx.emit('storage', { ok: false, code, message });
  const e = s.election;
  if (!e) return;
  e.setEligible(false);
  if (e.role === 'host' && !s.leaving) {
    const to = e.successorForLeave(s.now);
    if (to) {
      s.fx.log(`handing hosting to ${to}: this laptop cannot save what it would host`);
      s.intents.push({ kind: 'hand-over', to });
    } else {
      s.fx.log(
        'no successor that can take over: hosting on, refusing commands until the disk takes writes',
      );
    }
  }
}

/** Try writing everything again: the document whole, the identity, the outbox. */
export function onStorageTimer<S>(s: SessionState<S>): void {
  if (!s.storage) return;
  s.fx.holdWrites = false;
  s.replica?.rewrite();
  s.replica?.flush();
  if (s.identity) saveIdentity(s.fx, s.identity);
  s.outbox.rewrite();
  s.fx.timer('storage', s.cfg.storageRetryMs);
}

/** A write worked again after failures. */
export function onStorageRecovered<S>(s: SessionState<S>): void {
  if (!s.storage) return;
  const down = s.now - s.storage.since;
  s.storage = null;
  s.fx.holdWrites = false;
  s.election?.setEligible(s.cfg.eligible);
  s.fx.log(
    `this laptop's disk takes writes again after ${Math.round(down / 1000)} s: back to normal`,
  );
  s.fx.emit('storage', { ok: true, code: null, message: null });
}

/** Host, disk failing: the command is not applied; its sender keeps it and sends it again. */
export function refuseForStorage<S>(
  s: SessionState<S>,
  from: CommandMsg['from'],
  id: CommandMsg['id'],
): boolean {
  if (!s.storage) return false;
  const code = storageErrorCode(s.storage.code);
  const result = err(
    code,
    code === 'storage-full'
      ? "the host laptop's disk is full: your request is kept and sent again"
      : `the host laptop cannot save (${s.storage.code}): your request is kept and sent again`,
  );
  const ack = frame.retryAck(id, s.epoch, result);
  if (from === s.memberId) s.sendSelf(ack);
  else {
    const device = s.deviceOfMember(from);
    if (device) s.send(device, ack);
  }
  return true;
}
