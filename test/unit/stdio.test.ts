import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import type { Room } from '../../core/engine/room';
import { serveRoom } from '../../core/engine/stdio';

/** A room as far as serveRoom sees one: its events, fired by the test. */
function fakeRoom() {
  const listeners = new Map<string, ((...a: unknown[]) => void)[]>();
  const room = {
    sessionId: 's-1',
    role: 'host',
    members: [],
    on(event: string, fn: (...a: unknown[]) => void) {
      listeners.set(event, [...(listeners.get(event) ?? []), fn]);
      return room;
    },
    close: () => Promise.resolve(),
  };
  const fire = (event: string, ...a: unknown[]) => {
    for (const fn of listeners.get(event) ?? []) fn(...a);
  };
  return { room: room as unknown as Room<unknown, unknown, unknown>, fire };
}

/** serveRoom on a pair of streams; `lines()` is everything it wrote, parsed. */
function serve(methods: Record<string, (p: unknown) => unknown> = {}) {
  const { room, fire } = fakeRoom();
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (d: Buffer) => (text += d.toString()));
  serveRoom(room, methods, { input, output });
  const lines = () =>
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { fire, input, lines };
}

describe('serveRoom', () => {
  it("says ready, forwards the room's role, state and conflict events, and answers methods", async () => {
    const { fire, input, lines } = serve({ echo: (p) => p });
    fire('role', 'member');
    fire('state', {}, { patches: [1, 2] });
    // Another room of this name holds acknowledged commands: the app must be able to say so.
    fire('conflict', { sessionId: 's-2' });
    input.write('{"id":1,"method":"echo","params":{"x":1}}\n');
    input.write('{"id":2,"method":"status"}\n');
    input.write('not json\n');
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    const out = lines();
    assert.deepEqual(out[0], {
      event: 'ready',
      data: { sessionId: 's-1', role: 'host', members: [] },
    });
    assert.deepEqual(out.filter((l) => 'event' in l).slice(1), [
      { event: 'role', data: { role: 'member' } },
      { event: 'state', data: { patches: 2 } },
      { event: 'conflict', data: { sessionId: 's-2' } },
    ]);
    assert.deepEqual(
      out.find((l) => l.id === 1),
      { id: 1, result: { x: 1 } },
    );
    assert.equal((out.find((l) => l.id === 2)?.result as { sessionId: string }).sessionId, 's-1');
    assert.equal(
      (out.find((l) => l.id === null)?.error as { code: string }).code,
      'bad-request',
      'bad input gets an error and is dropped',
    );
  });
});
