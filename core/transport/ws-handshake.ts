import type { DeviceId } from '../ids';
import { decode, encode } from '../protocol/codec';
import { PROTOCOL_VERSION } from '../protocol/version';
import { type DeviceKey, checkProof, deviceIdOfKey } from './device-key';
import { type Link, peekLinkVersion } from './ws-parts';

/**
 * A link's handshake, one incoming frame at a time (ws-transport.ts carries out the
 * answer). Step 1: a `link` of our protocol version whose device id is its key's, over a
 * TLS session with a channel binding — answered with our `proof`. Step 2: its `proof`,
 * the signature of our nonce, both ids and the binding, proves it holds that key.
 */
export type HandshakeStep =
  | {
      kind: 'refuse';
      code: 'version' | 'identity';
      message: string;
      closeCode: number;
      reason: string;
    }
  | { kind: 'close'; closeCode: number; reason: string; log: string | null }
  | { kind: 'reply'; frame: string }
  | { kind: 'proven'; device: DeviceId };

/** The first frame each way. */
export function helloFrame(key: DeviceKey, link: Link, port: number, sid: string | null): string {
  return encode({
    type: 'link',
    v: PROTOCOL_VERSION,
    deviceId: key.deviceId,
    key: key.publicKey,
    nonce: link.nonce,
    port,
    sid,
  });
}

export function handshakeStep(link: Link, frame: string, key: DeviceKey): HandshakeStep {
  const d = decode(frame);
  if (!link.claim) {
    const v = d.ok ? (d.message.type === 'link' ? d.message.v : null) : peekLinkVersion(frame);
    if (v !== null && v !== PROTOCOL_VERSION)
      return {
        kind: 'refuse',
        code: 'version',
        message: `this copy of Baton speaks protocol ${PROTOCOL_VERSION}, the other speaks ${v}: update the older copy`,
        closeCode: 1002,
        reason: 'protocol version',
      };
    if (!d.ok || d.message.type !== 'link')
      return {
        kind: 'close',
        closeCode: 1002,
        reason: 'handshake expected',
        log: `expected a handshake, got ${d.ok ? d.message.type : d.error.code}; closing`,
      };
    const m = d.message;
    if (m.deviceId === key.deviceId)
      return { kind: 'close', closeCode: 1000, reason: 'self', log: null };
    if (deviceIdOfKey(m.key) !== m.deviceId)
      return identity(`device id ${m.deviceId.slice(0, 64)} is not the id of the key it sent`);
    // Proofs are bound to this TLS session: without one, no proof can be checked.
    if (!link.binding) return identity('links are TLS only (no channel binding)');
    link.claim = { device: m.deviceId as DeviceId, key: m.key, port: m.port, sid: m.sid ?? null };
    return {
      kind: 'reply',
      frame: encode({ type: 'proof', sig: key.prove(m.nonce, m.deviceId, link.binding) }),
    };
  }
  const claim = link.claim;
  if (
    !d.ok ||
    d.message.type !== 'proof' ||
    !checkProof(claim.key, d.message.sig, link.nonce, claim.device, key.deviceId, link.binding!)
  )
    return identity(`could not prove it is device ${claim.device}`);
  return { kind: 'proven', device: claim.device };
}

function identity(message: string): HandshakeStep {
  return { kind: 'refuse', code: 'identity', message, closeCode: 1008, reason: 'identity' };
}
