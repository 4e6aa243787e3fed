import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { WebSocketServer } from 'ws';
import { JsonLinesAdapter, MAX_REQUEST_BYTES } from './api/json-lines';
import type { BatonService } from './api/service';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wav': 'audio/wav',
};

export interface UiServerOptions {
  service: BatonService;
  /** The built renderer (dist/renderer). */
  dir: string;
  port: number;
  log?: (line: string) => void;
}

/**
 * The Baton UI for a headless peer, in any browser on this laptop: serves the built
 * renderer and the App API over a WebSocket at /api (same JSON messages as --stdio).
 * Loopback only, and a WebSocket must come from a page this server served (Origin check),
 * so another web page open in the same browser cannot drive the queue.
 */
export class UiServer {
  private readonly http: http.Server;
  private readonly wss: WebSocketServer;
  private port = 0;

  constructor(private readonly o: UiServerOptions) {
    this.http = http.createServer((req, res) => this.serve(req, res));
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_REQUEST_BYTES });
    this.http.on('upgrade', (req, socket, head) => {
      const origin = req.headers.origin ?? '';
      const ok = [`http://127.0.0.1:${this.port}`, `http://localhost:${this.port}`];
      if (req.url !== '/api' || !ok.includes(origin)) {
        this.o.log?.(`ui: refused a WebSocket from origin "${origin}" to ${req.url}`);
        socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        const adapter = new JsonLinesAdapter(this.o.service, (m) => {
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
        });
        ws.on('message', (data) => adapter.handle(data.toString()));
        ws.on('close', () => adapter.close());
        ws.on('error', () => adapter.close());
      });
    });
  }

  /** Listen on 127.0.0.1; resolves with the port. */
  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.o.port, '127.0.0.1', () => {
        this.port = (this.http.address() as { port: number }).port;
        resolve(this.port);
      });
    });
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    await new Promise<void>((r) => this.http.close(() => r()));
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const rel = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
    const file = path.resolve(this.o.dir, rel);
    if (req.method !== 'GET' || !file.startsWith(path.resolve(this.o.dir) + path.sep)) {
      res.writeHead(404).end();
      return;
    }
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      res
        .writeHead(200, {
          'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        })
        .end(body);
    });
  }
}
