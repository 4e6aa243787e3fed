import { WebSocket } from 'ws';
import { PROTOCOL_VERSION } from '../../core/protocol/version';
import { channelBinding } from '../../core/transport/device-cert';
import type { DeviceKey } from '../../core/transport/device-key';

/**
 * A hand-driven WebSocket to a laptop (hostile-peer tests, the bench's raw round trip),
 * over TLS — or over plain HTTP with `plain`, as a copy from before TLS links would.
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
    plain?: boolean;
    timeoutMs?: number;
    maxPayload?: number;
  } = {},
): Promise<{ closed: number; frames: string[]; binding: string }> {
  const ws = await dialRaw(host, port, opts);
  return new Promise((resolve) => {
    const frames: string[] = [];
    const key = opts.key;
    ws.on('message', (d) => {
      frames.push(d.toString());
      if (key && frames.length === 1) {
        ws.send(proofFrame(key, theirLink(ws, frames[0]!)));
        fn(ws);
      }
    });
    ws.on('open', () => {
      if (!key) return fn(ws);
      ws.send(linkFrame(key));
    });
    const binding = (): string => bindings.get(ws) ?? '';
    ws.on('close', (code) => resolve({ closed: code, frames, binding: binding() }));
    ws.on('error', () => {});
    setTimeout(() => {
      ws.terminate();
      resolve({ closed: -1, frames, binding: binding() });
    }, opts.timeoutMs ?? 3_000);
  });
}

const bindings = new WeakMap<WebSocket, string>();

/** A raw WebSocket to a laptop's link port: TLS (its channel binding kept), or plain. */
export async function dialRaw(
  host: string,
  port: number,
  opts: { plain?: boolean; maxPayload?: number } = {},
): Promise<WebSocket> {
  if (opts.plain) return new WebSocket(`ws://${host}:${port}`, { maxPayload: opts.maxPayload });
  const ws = new WebSocket(`wss://${host}:${port}`, {
    maxPayload: opts.maxPayload,
    rejectUnauthorized: false,
  });
  ws.once('upgrade', (res) => {
    const b = channelBinding(res.socket);
    if (b) bindings.set(ws, b);
  });
  return ws;
}

/** The laptop's `link` frame on `ws`, with the link's channel binding (what a proof signs). */
export function theirLink(ws: WebSocket, frame: string): TheirLink {
  return { ...(JSON.parse(frame) as TheirLink), binding: bindings.get(ws) ?? '' };
}

/** What a laptop's first frame (its `link`) says. */
export interface TheirLink {
  deviceId: string;
  key: string;
  nonce: string;
  /** The link's TLS channel binding (from this end's TLS session). */
  binding: string;
}

/**
 * A raw client that waits for the laptop's `link` and answers it at once with `frames(it)`:
 * forged or real handshakes, written out by hand.
 */
export function rawAnswer(
  host: string,
  port: number,
  frames: (theirs: TheirLink) => string[],
  opts: { timeoutMs?: number; plain?: boolean } = {},
): Promise<{ closed: number; frames: string[]; binding: string }> {
  return rawLink(
    host,
    port,
    (ws) =>
      ws.once('message', (f) => {
        for (const out of frames(theirLink(ws, f.toString()))) ws.send(out);
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

/** `key`'s `proof` for the laptop whose `link` said `theirs`, on the link `theirs.binding`. */
export function proofFrame(
  key: DeviceKey,
  theirs: { nonce: string; deviceId: string; binding: string },
): string {
  return JSON.stringify({
    type: 'proof',
    sig: key.prove(theirs.nonce, theirs.deviceId, theirs.binding),
  });
}
