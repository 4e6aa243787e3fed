import { WebSocket } from 'ws';
import { PROTOCOL_VERSION } from '../../core/protocol/version';
import type { DeviceKey } from '../../core/transport/device-key';

/**
 * A hand-driven WebSocket to a laptop (hostile-peer tests, the bench's raw round trip).
 * With `key`, it does the real link handshake as that device (link, then the proof of the
 * laptop's nonce) before `fn` runs; without, `fn` runs as soon as the socket opens.
 * Resolves with the close code (-1: still open after `timeoutMs`) and every frame received.
 */
export function rawLink(
  host: string,
  port: number,
  fn: (ws: WebSocket) => void,
  opts: { key?: DeviceKey; timeoutMs?: number; maxPayload?: number } = {},
): Promise<{ closed: number; frames: string[] }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://${host}:${port}`, { maxPayload: opts.maxPayload });
    const frames: string[] = [];
    const key = opts.key;
    ws.on('message', (d) => {
      frames.push(d.toString());
      if (key && frames.length === 1) {
        const theirs = JSON.parse(frames[0]!) as { nonce: string; deviceId: string };
        ws.send(JSON.stringify({ type: 'proof', sig: key.prove(theirs.nonce, theirs.deviceId) }));
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

/** The `link` frame of `key`'s device. */
export function linkFrame(key: DeviceKey, nonce = 'AAAAAAAAAAAAAAAAAAAAAA=='): string {
  return JSON.stringify({
    type: 'link',
    v: PROTOCOL_VERSION,
    deviceId: key.deviceId,
    key: key.publicKey,
    nonce,
    port: 0,
  });
}
