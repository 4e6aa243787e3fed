import * as readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { CodedError } from '../errors';
import type { Room } from './room';

/** Where the JSON lines come from and go to: the process's stdin and stdout by default. */
export interface LineIo {
  input: Readable;
  output: Writable;
}
const processIo = (): LineIo => ({ input: process.stdin, output: process.stdout });

/** Longest request line read; a longer one is answered with an error and dropped. */
const MAX_LINE = 256 * 1024;

/**
 * JSON lines on stdin/stdout for an app's headless copy (how tests and scripts drive it):
 * `{"id":1,"method":"say","params":{…}}` gets `{"id":1,"result":…}` or
 * `{"id":1,"error":{"code","message"}}` (a CodedError's code, else `internal`); `emit`
 * writes `{"event":…,"data":…}`. Bad input gets an error reply and is dropped.
 */
export function serveStdio(
  methods: Record<string, (params: unknown) => unknown>,
  onClose: () => void,
  io: LineIo = processIo(),
): { emit(event: string, data: unknown): void } {
  const out = (m: unknown): void => void io.output.write(`${JSON.stringify(m)}\n`);
  readline
    .createInterface({ input: io.input })
    .on('line', (line) => {
      if (!line.trim()) return;
      let req: { id?: unknown; method?: unknown; params?: unknown };
      try {
        if (line.length > MAX_LINE) throw new Error(`a request is at most ${MAX_LINE} bytes`);
        req = JSON.parse(line) as typeof req;
      } catch (e) {
        return out({ id: null, error: { code: 'bad-request', message: (e as Error).message } });
      }
      const id = typeof req.id === 'number' || typeof req.id === 'string' ? req.id : null;
      const fn = typeof req.method === 'string' ? methods[req.method] : undefined;
      if (!fn || !Object.hasOwn(methods, req.method as string))
        return out({
          id,
          error: { code: 'unknown-method', message: `no method ${String(req.method)}` },
        });
      Promise.resolve()
        .then(() => fn(req.params))
        .then(
          (result) => out({ id, result: result ?? {} }),
          (e: Error) =>
            out({
              id,
              error: {
                code: e instanceof CodedError ? e.code : 'internal',
                message: e.message.slice(0, 500),
              },
            }),
        );
    })
    .on('close', onClose);
  return { emit: (event, data) => out({ event, data }) };
}

/**
 * SIGTERM and SIGINT close `room` in order (its goodbye sent, its data dir released), then
 * end the process; the function returned does the same (for the end of the app's input).
 */
export function closeOnSignals(room: { close(): Promise<void> }): () => void {
  const close = () => void room.close().then(() => process.exit(0));
  process.on('SIGTERM', close).on('SIGINT', close);
  return close;
}

/**
 * `serveStdio` for a room, as a headless copy of an app runs it: `status` (session, role,
 * members) beside the app's own methods, the room's `role`, `state` and `conflict` (another
 * room of this name that cannot merge: `{ sessionId }`) as events, `ready` once serving;
 * end of input, SIGTERM or SIGINT close the room, then the process.
 */
export function serveRoom<S, C, R>(
  room: Room<S, C, R>,
  methods: Record<string, (params: unknown) => unknown>,
  io: LineIo = processIo(),
): void {
  const status = () => ({ sessionId: room.sessionId, role: room.role, members: room.members });
  const { emit } = serveStdio({ status, ...methods }, closeOnSignals(room), io);
  room.on('role', (role) => emit('role', { role }));
  room.on('state', (_s, change) => emit('state', { patches: change.patches.length }));
  room.on('conflict', (other) => emit('conflict', { sessionId: other.sessionId }));
  emit('ready', status());
}
