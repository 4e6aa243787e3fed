import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';

/** The phone page's files as a laptop serves them, and the small parts of the phone API. */

/** What a phone talks over: its WebSocket on the LAN, or a channel through the relay. */
export interface PhoneSocket {
  readonly readyState: number;
  send(text: string): void;
  close(code?: number, reason?: string): void;
  on(
    event: 'message',
    fn: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void,
  ): unknown;
  on(event: 'close' | 'error', fn: () => void): unknown;
}

/** What a phone sees when phones are turned away (not in a session, or phones off). */
export const OFF_PAGE = (message: string): string =>
  `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Baton</title><body style="font-family:system-ui,sans-serif;padding:2em;line-height:1.5"><h1>Baton</h1><p>${message}</p></body>`;

/**
 * Serve one of the page's files (`/` is phone.html) from `dir`, with a policy that keeps
 * the page to its own scripts and styles and its WebSocket; false when there is no such file.
 */
export function servePageFile(res: http.ServerResponse, dir: string | null, url: string): boolean {
  const file = url === '/' || url === '/index.html' ? 'phone.html' : url.slice(1);
  if (!dir || !fs.existsSync(path.join(dir, file))) return false;
  const type = file.endsWith('.js')
    ? 'text/javascript'
    : file.endsWith('.css')
      ? 'text/css'
      : 'text/html';
  res.writeHead(200, {
    'content-type': `${type}; charset=utf-8`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy':
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src ws:; base-uri 'none'; form-action 'none'",
  });
  res.end(fs.readFileSync(path.join(dir, file)));
  return true;
}

/** The `cid` of something shaped like a command frame, if it has a sane one. */
export function cidOf(raw: string): string | null {
  try {
    const v = JSON.parse(raw) as { t?: unknown; cid?: unknown };
    return v?.t === 'cmd' && typeof v.cid === 'string' && v.cid.length <= 64 ? v.cid : null;
  } catch {
    return null;
  }
}
