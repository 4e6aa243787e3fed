// Lint config. The layering rules mirror DESIGN.md: core/ never reaches into the
// Electron shell, and the renderer never reaches Node or Electron.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const nodeBuiltins = [
  'fs',
  'path',
  'os',
  'child_process',
  'net',
  'dgram',
  'http',
  'https',
  'crypto',
  'worker_threads',
  'stream',
  'events',
  'url',
  'util',
  'zlib',
  'tls',
  'dns',
  'process',
  'buffer',
  'module',
  'vm',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'packages/*/dist/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // A hub and leaves, not a circle: no import cycle anywhere in core/ (type imports too).
    files: ['core/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
      'import-x/extensions': ['.ts', '.tsx', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'core/ must not import electron (DESIGN.md layering).' },
          ],
          patterns: [
            {
              group: ['**/main/**', '**/preload/**', '**/renderer/**'],
              message: 'core/ must not import the Electron shell.',
            },
          ],
        },
      ],
    },
  },
  {
    // The session core and the logic under it are pure: no clock, timer, socket or disk.
    // The driver (core/engine/peer.ts) owns those and carries out the core's Effects.
    files: ['core/session/**/*.ts', 'core/election/**/*.ts', 'core/replication/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'core/ must not import electron (DESIGN.md layering).' },
            ...['fs', 'net', 'dgram', 'http', 'https', 'tls', 'child_process', 'worker_threads']
              .flatMap((n) => [n, `node:${n}`])
              .map((name) => ({ name, message: 'The session core does no I/O: return Effects.' })),
          ],
          patterns: [
            {
              group: ['**/main/**', '**/preload/**', '**/renderer/**'],
              message: 'core/ must not import the Electron shell.',
            },
            {
              group: ['**/clock', '**/store/*', '**/transport/*', '**/engine/*', '**/discovery/*'],
              message: 'The session core has no clock, store, transport or driver: return Effects.',
            },
            {
              group: ['**/queue/*', '**/api/*', '**/phone/*', '**/node'],
              message: 'The engine knows no queue and no App API: apps sit on top of it.',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'Use the injected Clock.',
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Use the injected Clock.',
        },
        {
          selector: 'CallExpression[callee.name=/^set(Timeout|Interval)$/]',
          message: 'Timers belong to the node, not the logic.',
        },
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
          message: 'Use the injected Random.',
        },
        {
          selector: "MemberExpression[object.name='performance'][property.name='now']",
          message: 'Use the injected time (`now`).',
        },
        {
          selector: 'CallExpression[callee.name=/^(setImmediate|queueMicrotask)$/]',
          message: 'Timers belong to the driver: ask for one in Effects.',
        },
      ],
    },
  },
  {
    // The engine's driver and entry point know no app either.
    files: ['core/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'core/ must not import electron.' }],
          patterns: [
            {
              group: ['**/main/**', '**/preload/**', '**/renderer/**'],
              message: 'core/ must not import the Electron shell.',
            },
            {
              group: ['**/queue/*', '**/api/*', '**/phone/*', '**/node'],
              message: 'The engine knows no queue and no App API: apps sit on top of it.',
            },
          ],
        },
      ],
    },
  },
  {
    // A second app on the engine: the engine's entry point and ports, nothing of Baton's queue.
    files: ['examples/diary/**/*.ts'],
    ignores: ['examples/diary/test/**', 'examples/diary/sim-app.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/core/queue/*', '**/core/api/*', '**/core/phone/*', '**/core/node'],
              message: 'The diary uses the engine only (core/engine/index.ts).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'renderer/ only sees the App API.' },
            ...nodeBuiltins.map((name) => ({
              name,
              message: 'renderer/ must not import Node builtins.',
            })),
          ],
          patterns: [
            { group: ['node:*'], message: 'renderer/ must not import Node builtins.' },
            { group: ['**/main/**', '**/preload/**'], message: 'renderer/ only sees the App API.' },
            {
              regex: '^(\\.\\./)+core/(?!api/(contract|names)$|phone/wire$)',
              message: 'renderer/ sees only the App API contract (and the phone wire) from core/.',
            },
          ],
        },
      ],
    },
  },
);
