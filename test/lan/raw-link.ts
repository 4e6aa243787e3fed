import { WebSocket } from 'ws';
import { PROTOCOL_VERSION } from '../../core/protocol/version';
import { tlsIdentity } from '../../core/transport/device-cert';
import { DeviceKey } from '../../core/transport/device-key';

/**
 * A hand-driven WebSocket to a laptop (hostile-peer tests, the bench's raw round trip),
 * over TLS with the certificate of `tlsAs` (default: `key`, else a key of its own) — or
 * over plain HTTP with `plain`, as a copy from before TLS links would.
 * With `key`, it does the real link handshake as that device (link, then the proof of the
 * laptop's nonce) before `fn` runs; without, `fn` runs as soon as the socket opens.
 * Resolves with the close code (-1: still open after `timeoutMs`) and every frame received.
 */
export async function rawLink(
  host: string,
  port: number,
  fn: (ws: WebSocket) => void,
  opts: {
    key?: DeviceKey;
    tlsAs?: DeviceKey;
    plain?: boolean;
    timeoutMs?: number;
    maxPayload?: number;
  } = {},
): Promise<{ closed: number; frames: string[] }> {
  const ws = await dialRaw(host, port, opts);
  return new Promise((resolve) => {
    const frames: string[] = [];
    const key = opts.key;
    ws.on('message', (d) => {
      frames.push(d.toString());
      if (key && frames.length === 1) {
        ws.send(proofFrame(key, JSON.parse(frames[0]!) as TheirLink));
        fn(ws);
      }
    });
    ws.on('open', () => {
      if (!key) return fn(ws);
      ws.send(linkFrame(key));
    });
    ws.on('close', (code) => resolve({ closed: code, frames }));
    ws.on('error', () => {});
    setTimeout(() => {
      ws.terminate();
      resolve({ closed: -1, frames });
    }, opts.timeoutMs ?? 3_000);
  });
}

/** A raw WebSocket to a laptop's link port: TLS as `tlsAs ?? key` (or a fresh key), or plain. */
export async function dialRaw(
  host: string,
  port: number,
  opts: { key?: DeviceKey; tlsAs?: DeviceKey; plain?: boolean; maxPayload?: number } = {},
): Promise<WebSocket> {
  if (opts.plain) return new WebSocket(`ws://${host}:${port}`, { maxPayload: opts.maxPayload });
  const id = await tlsIdentity(opts.tlsAs ?? opts.key ?? DeviceKey.generate());
  return new WebSocket(`wss://${host}:${port}`, {
    maxPayload: opts.maxPayload,
    cert: id.cert,
    key: id.key,
    rejectUnauthorized: false,
  });
}

/** What a laptop's first frame (its `link`) says. */
export interface TheirLink {
  deviceId: string;
  key: string;
  nonce: string;
}

/**
 * A raw client that waits for the laptop's `link` and answers it at once with `frames(it)`:
 * forged or real handshakes, written out by hand.
 */
export function rawAnswer(
  host: string,
  port: number,
  frames: (theirs: TheirLink) => string[],
  opts: { timeoutMs?: number; tlsAs?: DeviceKey; plain?: boolean } = {},
): Promise<{ closed: number; frames: string[] }> {
  return rawLink(
    host,
    port,
    (ws) =>
      ws.once('message', (f) => {
        for (const out of frames(JSON.parse(f.toString()) as TheirLink)) ws.send(out);
      }),
    opts,
  );
}

/** A `link` frame claiming `who`'s device id and public key (a forger mixes them). */
export function linkFrame(
  who: { deviceId: string; publicKey: string },
  nonce = 'AAAAAAAAAAAAAAAAAAAAAA==',
): string {
  return JSON.stringify({
    type: 'link',
    v: PROTOCOL_VERSION,
    deviceId: who.deviceId,
    key: who.publicKey,
    nonce,
    port: 0,
  });
}

/** `key`'s `proof` for the laptop whose `link` said `theirs`. */
export function proofFrame(key: DeviceKey, theirs: { nonce: string; deviceId: string }): string {
  return JSON.stringify({ type: 'proof', sig: key.prove(theirs.nonce, theirs.deviceId) });
}
