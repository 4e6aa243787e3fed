import { MAX_EPOCH_STEP } from '../election/epoch';
import type { DeviceId } from '../ids';
import type { Message } from '../protocol/messages';
import type { SessionState } from './state';

// Who may send what. Every frame passes here before any job sees it; the transport has
// proven the sending device, and this decides whether that device may say this frame.
// Anyone may knock (`hello`, `refuse`); everything else comes from a member of the
// session, speaking only for itself; the document's content comes only from the host this
// copy follows; an epoch moves only by a bounded step.

/** Biggest frame a member may send the host (a demoted host's unacknowledged changes fit). */
export const MAX_MEMBER_FRAME_BYTES = 4 * 1024 * 1024;
/** Biggest command body, as JSON: a queue command is well under 1 KiB. */
export const MAX_COMMAND_BYTES = 16 * 1024;

export interface Refusal {
  code:
    | 'not-member'
    | 'impostor'
    | 'not-host'
    | 'epoch-jump'
    | 'too-large'
    | 'not-joining'
    | 'rate-limited';
  message: string;
}

/** Why `device` may not send `m` to this copy now, or null when it may. */
export function refusal<S>(
  s: SessionState<S>,
  device: DeviceId,
  m: Message,
  bytes: number,
): Refusal | null {
  if (device === s.o.deviceId) return null; // our own loopback
  switch (m.type) {
    case 'link':
    case 'proof':
    case 'hello':
    case 'refuse':
      return null; // the handshake and the join knock: onRefuse checks its sender itself
    case 'welcome':
    case 'redirect':
      // Only the copy this joiner asked may admit it or send it on.
      return s.joining && !s.election && device === s.joining.via
        ? null
        : { code: 'not-joining', message: `${m.type} from a copy this one did not ask` };
    case 'ack':
    case 'not-host':
      return isMemberDevice(s, device)
        ? null
        : { code: 'not-member', message: `${m.type} from a device that is no member` };
    case 'cmd':
      if (Buffer.byteLength(JSON.stringify(m.body ?? null)) > MAX_COMMAND_BYTES)
        return { code: 'too-large', message: `a command over ${MAX_COMMAND_BYTES} bytes` };
      return null; // onCommand answers a stranger `forbidden`
    default:
      return fromMember(s, device, m, bytes);
  }
}

type MemberFrame = Extract<Message, { from: unknown; epoch: number }>;

function fromMember<S>(
  s: SessionState<S>,
  device: DeviceId,
  m: MemberFrame,
  bytes: number,
): Refusal | null {
  const known = s.deviceOfMember(m.from);
  if (known === null)
    return { code: 'not-member', message: `a ${m.type} from ${m.from}, who is no member` };
  if (known !== device)
    return {
      code: 'impostor',
      message: `a ${m.type} from member ${m.from}, which is another device's`,
    };
  if (m.epoch > s.epoch + MAX_EPOCH_STEP)
    return {
      code: 'epoch-jump',
      message: `epoch ${m.epoch} is more than ${MAX_EPOCH_STEP} past ${s.epoch}`,
    };
  const e = s.election;
  const hosting = e?.role === 'host';
  if (m.type === 'changes' || m.type === 'snapshot') {
    // The document's content comes from the host this copy follows, at its epoch.
    if (hosting || !e || m.from !== e.hostId || m.epoch !== e.epoch)
      return { code: 'not-host', message: `${m.type} from ${m.from}, not this copy's host` };
  }
  // Hosting is handed on only by the host this copy follows (a graceful leave, a failback).
  if (m.type === 'handover' && (!e || m.from !== e.hostId))
    return { code: 'not-host', message: `handover from ${m.from}, not this copy's host` };
  if (m.type === 'sync' && !hosting && (!e || m.from !== e.hostId))
    return { code: 'not-host', message: `sync from ${m.from}, not this copy's host` };
  if (hosting && bytes > MAX_MEMBER_FRAME_BYTES)
    return { code: 'too-large', message: `a ${m.type} of ${bytes} bytes from a member` };
  if (hosting && m.type === 'sync' && !s.syncBytesLimit.take(m.from, s.now, bytes))
    return { code: 'rate-limited', message: `${m.from} sent more sync than its budget` };
  return null;
}

function isMemberDevice<S>(s: SessionState<S>, device: DeviceId): boolean {
  if (s.replica?.memberOfDevice(device)) return true;
  return [...s.deviceHints.values()].includes(device);
}
