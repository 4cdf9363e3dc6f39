// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Only the adapters (dns/, net/, the clock) may touch the resolver, sockets, TLS and real time.
const adapterOnly = {
  paths: [
    { name: 'node:dns', message: 'Use the injected Resolver (src/dns/).' },
    { name: 'node:dns/promises', message: 'Use the injected Resolver (src/dns/).' },
    { name: 'node:net', message: 'Use the injected Connector (src/net/).' },
    { name: 'node:tls', message: 'Use the injected Connector (src/net/).' },
  ],
};
const noRealTime = [
  { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Use the injected Clock.' },
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Use the injected Clock.' },
  { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'Read the environment only at the edge (cli/).' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'schema/**', 'reports/**', '.stryker-tmp*/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly' } },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', adapterOnly],
      'no-restricted-syntax': ['error', ...noRealTime],
    },
  },
  {
    // The adapters and the edges: sockets, resolver and the real clock live here.
    files: ['src/dns/**', 'src/net/**', 'src/core/clock.ts', 'src/demo/**', 'src/cli/**'],
    rules: { 'no-restricted-imports': 'off', 'no-restricted-syntax': 'off' },
  },
  {
    // Tests assert on terminal escape codes on purpose.
    files: ['test/**'],
    rules: { 'no-control-regex': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
