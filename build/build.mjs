// Build with esbuild: one bundle per entry point that exists. Automerge (and its wasm)
// and electron stay external: they load from node_modules at run time.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const entries = [
  { in: 'main/main.ts', out: 'dist/main/main.js', platform: 'node' },
  { in: 'preload/preload.ts', out: 'dist/preload/preload.cjs', platform: 'node', format: 'cjs' },
  { in: 'renderer/index.tsx', out: 'dist/renderer/app.js', platform: 'browser' },
  { in: 'renderer/phone/phone.tsx', out: 'dist/renderer/phone.js', platform: 'browser' },
  // The phone page for any static web host: it reaches the room through the relay.
  { in: 'renderer/phone/web.tsx', out: 'dist/web/phone.js', platform: 'browser' },
  { in: 'core/cli.ts', out: 'dist/cli/baton.js', platform: 'node' },
  { in: 'examples/diary/cli.ts', out: 'dist/examples/diary.js', platform: 'node' },
  { in: 'examples/chat/cli.ts', out: 'dist/examples/chat.js', platform: 'node' },
];

mkdirSync('dist', { recursive: true });
let built = 0;
for (const e of entries) {
  if (!existsSync(e.in)) continue;
  await build({
    entryPoints: [e.in],
    outfile: e.out,
    bundle: true,
    platform: e.platform,
    format: e.format ?? 'esm',
    target: e.platform === 'browser' ? 'chrome120' : 'node20',
    sourcemap: true,
    // Node bundles load their dependencies from node_modules (CommonJS packages inside an
    // ESM bundle would break on their own `require`s); the renderer bundles everything.
    ...(e.platform === 'node' ? { packages: 'external' } : {}),
    external: ['electron'],
    ...(e.platform === 'browser'
      ? { jsx: 'automatic', jsxImportSource: 'preact', minify: true }
      : {}),
    logLevel: 'warning',
  });
  built++;
  console.log(`built ${e.out}`);
}
// The renderer's static files sit beside its bundle.
mkdirSync('dist/renderer', { recursive: true });
for (const f of ['index.html', 'styles.css', 'palette.css'])
  copyFileSync(`renderer/${f}`, `dist/renderer/${f}`);
// The phone page: its own small bundle, served by every laptop on its peer port.
copyFileSync('renderer/phone/phone.html', 'dist/renderer/phone.html');
copyFileSync('renderer/phone/phone.css', 'dist/renderer/phone.css');
// dist/web/: the phone page for a static web host (a department server, GitHub Pages),
// linked as https://…/#<join code>.
mkdirSync('dist/web', { recursive: true });
// A static host sets no headers of ours: the page carries its own policy (scripts and
// styles from its own origin only; connections only to the relay's WebSocket listener).
const csp =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src ws: wss:; base-uri 'none'; form-action 'none'";
writeFileSync(
  'dist/web/index.html',
  readFileSync('renderer/phone/phone.html', 'utf8').replace(
    '<meta charset="utf-8" />',
    `<meta charset="utf-8" />\n    <meta http-equiv="Content-Security-Policy" content="${csp}" />`,
  ),
);
copyFileSync('renderer/phone/phone.css', 'dist/web/phone.css');
copyFileSync('renderer/palette.css', 'dist/web/palette.css');
if (built === 0) console.log('nothing to build yet');
