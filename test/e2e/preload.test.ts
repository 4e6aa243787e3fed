import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { describe, it } from 'node:test';
import { EVENT_NAMES, METHOD_NAMES } from '../../core/api/names';

/**
 * The built preload (dist/preload/preload.cjs) as a sandboxed renderer loads it: one
 * CommonJS file whose only `require` is `electron`, exposing exactly the App API.
 */
const FILE = path.resolve('dist/preload/preload.cjs');

function load() {
  const code = fs.readFileSync(FILE, 'utf8');
  const exposed: Record<string, unknown> = {};
  const invoked: unknown[][] = [];
  const listeners = new Map<string, ((...a: unknown[]) => void)[]>();
  const electron = {
    contextBridge: {
      exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api),
    },
    ipcRenderer: {
      invoke: async (...args: unknown[]) => {
        invoked.push(args);
        return { ok: true, value: 'from main' };
      },
      on: (ch: string, fn: (...a: unknown[]) => void) =>
        listeners.set(ch, [...(listeners.get(ch) ?? []), fn]),
      removeListener: (ch: string, fn: (...a: unknown[]) => void) =>
        listeners.set(
          ch,
          (listeners.get(ch) ?? []).filter((f) => f !== fn),
        ),
    },
  };
  const required: string[] = [];
  const sandboxRequire = (name: string): unknown => {
    required.push(name);
    if (name === 'electron') return electron;
    throw new Error(`a sandboxed preload cannot require "${name}"`);
  };
  const module = { exports: {} };
  vm.runInNewContext(code, { require: sandboxRequire, module, exports: module.exports, console });
  return { exposed, invoked, listeners, required, code };
}

describe('preload', () => {
  it('is one CommonJS file that requires nothing but electron', () => {
    const { required, code } = load();
    assert.deepEqual(required, ['electron']);
    const requires = [...code.matchAll(/require\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]);
    assert.deepEqual([...new Set(requires)], ['electron']);
    assert.doesNotMatch(code, /\bimport\s*\(|^\s*import\s/m, 'no ES module syntax');
  });

  it('exposes exactly the App API (call, on) as window.baton, nothing else', async () => {
    const { exposed, invoked, listeners } = load();
    assert.deepEqual(Object.keys(exposed), ['baton']);
    const api = exposed.baton as {
      call(m: string, p?: unknown): Promise<{ ok: boolean; error?: { code: string } }>;
      on(e: string, fn: (d: unknown) => void): () => void;
    };
    assert.deepEqual(Object.keys(api).sort(), ['call', 'on']);
    for (const m of METHOD_NAMES) assert.equal((await api.call(m, {})).ok, true);
    assert.equal(invoked.length, METHOD_NAMES.length);
    assert.ok(invoked.every((a) => a[0] === 'baton:call'));
    // Anything else never reaches the main process.
    const bad = await api.call('ipcRenderer.send', {});
    assert.equal(bad.error?.code, 'unknown-method');
    assert.equal(invoked.length, METHOD_NAMES.length);
    assert.throws(() => api.on('electron-store-get-data', () => {}), /no event/);

    const seen: unknown[] = [];
    const off = api.on('role', (d) => seen.push(d));
    for (const e of EVENT_NAMES)
      for (const fn of listeners.get('baton:event') ?? []) fn({}, e, { e });
    assert.deepEqual(seen, [{ e: 'role' }]);
    off();
    assert.equal(listeners.get('baton:event')?.length, 0);
  });
});
