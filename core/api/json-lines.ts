import { EVENTS, METHODS, type Method } from './contract';
import type { BatonService } from './service';

/** Longest request line accepted; a longer one is answered with an error and dropped. */
export const MAX_REQUEST_BYTES = 256 * 1024;

/**
 * The App API as JSON messages: requests `{"id":1,"method":"queue.join","params":{…}}`
 * get `{"id":1,"result":…}` or `{"id":1,"error":{"code","message"}}`; events go out as
 * `{"event":"role","data":{…}}`. One adapter for the CLI's stdio and the UI WebSocket.
 * Bad input gets an error reply and is dropped; nothing here throws.
 */
export class JsonLinesAdapter {
  private readonly unsubs: (() => void)[] = [];

  constructor(
    private readonly service: BatonService,
    private readonly send: (message: unknown) => void,
    opts: { events?: boolean } = {},
  ) {
    if (opts.events !== false)
      for (const event of EVENTS)
        this.unsubs.push(service.events.on(event, (data) => this.send({ event, data })));
  }

  /** Handle one request line; the reply is sent when the call completes. */
  handle(line: string): void {
    if (!line.trim()) return;
    if (line.length > MAX_REQUEST_BYTES) {
      this.send({
        id: null,
        error: { code: 'too-large', message: `request over ${MAX_REQUEST_BYTES} bytes` },
      });
      return;
    }
    let req: { id?: unknown; method?: unknown; params?: unknown };
    try {
      req = JSON.parse(line) as typeof req;
    } catch (e) {
      this.send({ id: null, error: { code: 'bad-json', message: (e as Error).message } });
      return;
    }
    const id = typeof req?.id === 'number' || typeof req?.id === 'string' ? req.id : null;
    if (typeof req?.method !== 'string' || !METHODS.includes(req.method as Method)) {
      this.send({
        id,
        error: { code: 'unknown-method', message: `no method ${String(req?.method)}` },
      });
      return;
    }
    void this.service
      .call(req.method as Method, req.params)
      .then((r) => this.send(r.ok ? { id, result: r.value } : { id, error: r.error }));
  }

  close(): void {
    for (const u of this.unsubs.splice(0)) u();
  }
}
