import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';

// The engine as a package (#27): `npm pack packages/engine` installs in an empty
// directory with no registry at all (its two dependencies packed from node_modules the
// same way), and an app on it runs there and type-checks — a wrong command does not
// compile. Nothing here reaches the network: npm runs --offline against a registry on a
// loopback port nothing listens on.

const ROOT = process.cwd();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'engine-pack-'));
const npmEnv = {
  ...process.env,
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
  npm_config_registry: 'http://127.0.0.1:9/',
  // An empty cache of its own: the install needs nothing but the three tarballs.
  npm_config_cache: path.join(tmp, 'npm-cache'),
};
const npm = (args: string[], cwd: string): string =>
  execFileSync('npm', [...args, '--offline', '--ignore-scripts'], {
    cwd,
    env: npmEnv,
    encoding: 'utf8',
  });
const tsc = (args: string[], cwd: string) =>
  spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), ...args], {
    cwd,
    encoding: 'utf8',
  });

const APP = `import { z } from 'zod';
import { MemoryStore, SeededRandom, asDeviceId, defineApp, ok, openRoomOn, systemClock } from '@baton/engine';

const notes = defineApp({
  init: () => ({ notes: {} }),
  commandSchema: z.object({ op: z.literal('note'), text: z.string().min(1) }),
  apply(state, cmd, ctx, view) {
    state.notes[ctx.commandId] = cmd.text;
    return ok({ count: Object.keys(view.notes).length + 1 });
  },
});
const stores = new Map();
const room = await openRoomOn(notes, { room: 'desk', name: 'Ana', findMs: 20, settleMs: 20 }, {
  deviceId: asDeviceId('aaaaaaaaaaaaaaaa'),
  clock: systemClock,
  random: new SeededRandom(1),
  transport: { send() {}, onFrame() {} },
  directory: { sessions: () => [], onChange: () => () => {}, announce() {} },
  storeFor: (k) => stores.get(k) ?? stores.set(k, new MemoryStore()).get(k),
});
const bad = await room.send({ op: 'shout' }).catch((e) => e.code);
const receipt = await room.sendForReceipt({ op: 'note', text: 'hello' });
console.log(JSON.stringify({ role: room.role, bad, receipt, notes: Object.values(room.state.notes) }));
await room.close();
`;

const TYPED = `import { z } from 'zod';
import { type Room, defineApp, ok } from '@baton/engine';

const say = z.object({ op: z.literal('say'), text: z.string() });
type Chat = { lines: string[] };
export const chat = defineApp<Chat, z.infer<typeof say>, { n: number }>({
  init: () => ({ lines: [] }),
  commandSchema: say,
  apply: (state, cmd, _ctx, view) => {
    state.lines.push(cmd.text);
    return ok({ n: view.lines.length + 1 });
  },
});

export async function use(room: Room<Chat, z.infer<typeof say>, { n: number }>): Promise<number> {
  const { n }: { n: number } = await room.send({ op: 'say', text: 'hi' });
  /*WRONG*/ await room.send({ op: 'shout', text: 'hi' });
  return n;
}
`;

describe('the engine package', () => {
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('npm pack installs offline in an empty directory; an app on it runs and type-checks', () => {
    execFileSync(process.execPath, ['build/engine.mjs'], { cwd: ROOT, stdio: 'pipe' });
    const packed = (dir: string): string => {
      // An absolute path: `npm pack a/b` would read "a/b" as a GitHub repository.
      const out = npm(['pack', path.join(ROOT, dir), '--pack-destination', tmp, '--json'], ROOT);
      return path.join(tmp, (JSON.parse(out) as { filename: string }[])[0]!.filename);
    };
    const engine = packed('packages/engine');
    const deps = ['node_modules/@automerge/automerge', 'node_modules/zod'].map(packed);

    // What the tarball says of itself: exports with types, no app or test tooling inside.
    const manifest = JSON.parse(
      fs.readFileSync(path.join(ROOT, 'packages/engine/package.json'), 'utf8'),
    ) as { exports: Record<string, { types: string; import: string }>; dependencies: object };
    assert.deepEqual(Object.keys(manifest.dependencies).sort(), ['@automerge/automerge', 'zod']);
    const listing = execFileSync('tar', ['-tzf', engine], { encoding: 'utf8' }).split('\n');
    for (const f of [
      'package/dist/index.js',
      'package/dist/types/engine/index.d.ts',
      'package/README.md',
    ])
      assert.ok(listing.includes(f), `${f} in the tarball`);
    assert.ok(!listing.some((f) => /electron|playwright|renderer|queue\//.test(f)), 'engine only');

    const app = path.join(tmp, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify({ name: 'engine-consumer', private: true, type: 'module' }),
    );
    npm(['install', engine, ...deps], app);
    assert.ok(fs.existsSync(path.join(app, 'node_modules/@baton/engine/dist/index.js')));

    // It runs: a room of one, a command refused by the schema, one acknowledged.
    fs.writeFileSync(path.join(app, 'app.mjs'), APP);
    const out = execFileSync(process.execPath, ['app.mjs'], {
      cwd: app,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.deepEqual(JSON.parse(out), {
      role: 'host',
      bad: 'invalid',
      receipt: { value: { count: 1 }, holders: 1 },
      notes: ['hello'],
    });

    // It type-checks on Node's own resolution; the wrong command is a compile error.
    fs.writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['typed.ts'],
      }),
    );
    fs.writeFileSync(
      path.join(app, 'typed.ts'),
      TYPED.replace('/*WRONG*/', '// @ts-expect-error\n '),
    );
    const good = tsc(['-p', 'tsconfig.json'], app);
    assert.equal(good.status, 0, `typed.ts compiles: ${good.stdout}${good.stderr}`);
    fs.writeFileSync(path.join(app, 'typed.ts'), TYPED.replace('/*WRONG*/', ''));
    const wrong = tsc(['-p', 'tsconfig.json'], app);
    assert.notEqual(wrong.status, 0);
    assert.match(wrong.stdout, /Type '"shout"' is not assignable to type '"say"'/);
  });
});
