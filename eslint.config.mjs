// Lint: typescript-eslint's recommended rules, no import cycles, and the layers of src/ (the
// bottom layer never imports a domain module). `npm run lint` runs it after prettier's check.
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const DOMAINS = [
  'audit',
  'auth',
  'console',
  'database',
  'health',
  'metrics',
  'myinvois',
  'myinvois-tokens',
  'notifications',
  'refresher',
  'simulator',
  'tenants',
  'vault',
];
const ENTRY_POINTS = ['app.module.ts', 'http-app.ts', 'main.ts'];
const inSrc = (names) => names.map((name) => `./src/${name}`);
/** Every domain module but these, and the entry points. */
const allBut = (...allowed) => inSrc([...DOMAINS, 'commands', ...ENTRY_POINTS].filter((name) => !allowed.includes(name)));
const BOTTOM_LAYER_MAY_NOT_IMPORT = allBut();

/**
 * Imports point down: a module never imports a module above it, and nothing imports an entry point.
 * commands/ (the command-line jobs' runner) sits on config/, database/ and metrics/, below the
 * domains whose commands use it; audit/ and metrics/ are used by every domain, so they import none
 * (audit records, metrics counts); auth/ sits below the domains it guards (tenants lend it a
 * TenantDirectory instead).
 */
/** A zone: `target` may import, of the modules in src/, only those `allowed` (and itself, common/ and config/). */
const layer = (target, allowed, message) => ({ target: `./src/${target}`, from: allBut(target, ...allowed), message });
const LAYERS = [
  layer('commands', ['database', 'metrics'], 'commands/ runs the jobs of the domains above it: it imports only config/, database/ and metrics/.'),
  layer('metrics', ['database'], 'metrics/ is used by every domain: it imports none (route metadata is in common/).'),
  layer('audit', ['database', 'metrics', 'commands'], 'audit/ is used by every domain: it imports none (actors and route metadata are in common/).'),
  {
    target: './src/auth',
    from: inSrc(['tenants', 'myinvois', 'myinvois-tokens', 'refresher', 'notifications', 'health', 'simulator', 'console', ...ENTRY_POINTS]),
    message: 'auth/ sits below the domains it guards: it learns of tenants through TenantDirectory, which the tenants module provides.',
  },
  ...DOMAINS.filter((name) => !['audit', 'auth', 'metrics'].includes(name)).map((name) => ({
    target: `./src/${name}`,
    from: inSrc(ENTRY_POINTS),
    message: 'An entry point is the top: no module imports it (command-line helpers are in commands/).',
  })),
];

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', '.data/', 'node_modules/', 'test-results/', 'test/generated-client/generated/', 'console/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // A closure that reads the variable before its one assignment needs `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Errors are rethrown with messages of their own on purpose: a cause could carry a secret into a log line.
      'preserve-caught-error': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        exports: 'writable',
        process: 'readonly',
        Buffer: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['console/build.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // Tests read untyped JSON answers freely.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { 'import-x': importX },
    // The parser and extensions let no-cycle follow imports into TypeScript files (without them it sees no cycle at all).
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] })],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
    },
    rules: { 'import-x/no-cycle': 'error' },
  },
  {
    files: ['src/**/*.ts'],
    // A spec may reach up to check the whole (every module's error codes, say).
    ignores: ['src/**/*.spec.ts'],
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            { target: './src/common', from: BOTTOM_LAYER_MAY_NOT_IMPORT, message: 'common/ is the bottom layer: it imports no domain module.' },
            { target: './src/config', from: BOTTOM_LAYER_MAY_NOT_IMPORT, message: 'config/ is the bottom layer: it imports no domain module.' },
            ...LAYERS,
          ],
        },
      ],
    },
  },
);
