// The engine as an npm package (packages/engine): one ESM bundle of core/engine/index.ts
// with its pure-JS dependencies inside (ws, bonjour-service, proper-lockfile, uuid, x509),
// Automerge (it carries wasm) and zod (its types are part of the API) as dependencies,
// and the declarations from tsc. `npm pack packages/engine` then makes the tarball.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

rmSync('packages/engine/dist', { recursive: true, force: true });
await build({
  entryPoints: ['core/engine/index.ts'],
  outfile: 'packages/engine/dist/index.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['@automerge/automerge', 'zod'],
  // CommonJS dependencies inside an ESM bundle require Node's builtins.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});
execFileSync(
  process.execPath,
  ['node_modules/typescript/bin/tsc', '-p', 'packages/engine/tsconfig.json'],
  {
    stdio: 'inherit',
  },
);
// The declarations keep the sources' extensionless relative imports, which a consumer on
// Node's own resolution (NodeNext) cannot follow: name each file, as Node would.
const types = 'packages/engine/dist/types';
for (const entry of readdirSync(types, { recursive: true })) {
  const file = path.join(types, String(entry));
  if (!file.endsWith('.d.ts')) continue;
  const dir = path.dirname(file);
  const fixed = readFileSync(file, 'utf8').replace(
    /(from |import\()(['"])(\.{1,2}\/[^'"]+?)\2/g,
    (all, lead, q, spec) =>
      existsSync(path.join(dir, `${spec}.d.ts`)) ? `${lead}${q}${spec}.js${q}` : all,
  );
  writeFileSync(file, fixed);
}
console.log('built packages/engine/dist');
