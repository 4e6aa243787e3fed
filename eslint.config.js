// Lint config. The layering rules mirror DESIGN.md: core/ never reaches into the
// Electron shell, and the renderer never reaches Node or Electron.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

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
  { ignores: ['node_modules/**', 'dist/**', '.tmp/**'] },
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
    files: ['core/election/**/*.ts', 'core/replication/**/*.ts'],
    rules: {
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
