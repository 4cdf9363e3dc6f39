// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// ---------------------------------------------------------------------------------------------
// The layers (docs/ARCHITECTURE.md): a module imports only from its own folder and the folders
// listed for it. `cli` is the top (it starts `web`, the HTTP layer); nothing imports it.
// ---------------------------------------------------------------------------------------------
const LAYERS = {
  core: [],
  kb: ['core'],
  tls: ['core'],
  pki: ['core'],
  net: ['core', 'tls'],
  dns: ['core'],
  http: ['core'],
  smtp: ['core', 'net', 'tls'],
  smtpd: ['core'],
  store: ['core'],
  checks: ['core', 'kb', 'pki', 'smtp', 'tls'],
  render: ['core', 'kb', 'smtp'],
  runtime: ['core', 'dns', 'net', 'http', 'pki', 'tls'],
  jobs: ['core', 'kb', 'tls', 'pki', 'net', 'dns', 'http', 'smtp', 'smtpd', 'checks'],
  demo: ['core', 'kb', 'tls', 'pki', 'net', 'dns', 'http', 'smtp', 'smtpd', 'checks', 'jobs', 'runtime', 'render'],
  web: ['core', 'kb', 'tls', 'pki', 'net', 'dns', 'http', 'smtp', 'smtpd', 'checks', 'jobs', 'runtime', 'render', 'store'],
  cli: ['core', 'kb', 'tls', 'pki', 'net', 'dns', 'http', 'smtp', 'smtpd', 'checks', 'jobs', 'runtime', 'render', 'demo', 'store', 'web'],
};
const FOLDERS = Object.keys(LAYERS);

/** Import patterns a file in `folder` may not use: every other folder not below it, by relative path. */
function upwardPatterns(folder) {
  const allowed = new Set([folder, ...LAYERS[folder]]);
  // The top-level modules (index.ts, library.ts) compose jobs with the runtime: only cli/ and demo/ sit above them.
  const top = folder === 'cli' || folder === 'demo' ? [] : ['index', 'library'];
  const forbidden = [...FOLDERS.filter((f) => !allowed.has(f)), ...top];
  const up = ['..', '../..', '../../..', '../../../..'];
  return forbidden.length
    ? [
        {
          group: forbidden.flatMap((f) => up.flatMap((u) => [`${u}/${f}/*`, `${u}/${f}`, `${u}/${f}.js`])),
          message: `${folder}/ imports only downwards: ${LAYERS[folder].join(', ') || 'nothing outside core/'} (docs/ARCHITECTURE.md).`,
        },
      ]
    : [];
}

// Only the adapters touch the resolver, sockets, TLS, HTTP, files and real time; each is named
// below by file, not by folder.
const ADAPTER_ONLY = {
  'node:dns': 'Use the injected Resolver (src/dns/).',
  'node:dns/promises': 'Use the injected Resolver (src/dns/).',
  'node:net': 'Use the injected Connector (src/net/).',
  'node:tls': 'Use the injected Connector (src/net/).',
  'node:dgram': 'Use the injected Resolver (src/dns/).',
  'node:http': 'Use the injected HTTP fetcher (src/http/).',
  'node:https': 'Use the injected HTTP fetcher (src/http/).',
  undici: 'Use the injected HTTP fetcher (src/http/).',
  'node:fs': 'Files are read at the edge (cli/) and handed in.',
  'node:fs/promises': 'Files are read at the edge (cli/) and handed in.',
};
// The same modules without the "node:" prefix ("net", "fs" …) are the same modules.
for (const [name, message] of Object.entries(ADAPTER_ONLY)) if (name.startsWith('node:')) ADAPTER_ONLY[name.slice(5)] = message;
/** A module an adapter may use, with or without its "node:" prefix. */
const allows = (allowed, name) => allowed.includes(name) || allowed.includes(`node:${name}`);
const ADAPTERS = {
  'src/dns/system-resolver.ts': ['node:dns/promises'],
  'src/dns/dnssec-resolver.ts': ['node:dgram', 'node:net'],
  'src/net/connector.ts': ['node:net', 'node:tls'],
  'src/http/node-fetcher.ts': ['node:http', 'node:https', 'node:net', 'node:tls'],
  'src/smtpd/server.ts': ['node:tls'],
  'src/demo/scenarios.ts': ['node:tls'],
  'src/demo/dns-server.ts': ['node:dgram', 'node:net'],
  'src/demo/scripted-server.ts': ['node:net', 'node:tls'],
  'src/demo/policy-host.ts': ['node:https', 'node:net', 'node:tls'],
  'src/cli/ca-files.ts': ['node:fs'],
  'src/cli/cert.ts': ['node:fs'],
  'src/cli/demo.ts': ['node:fs'],
  'src/cli/report.ts': ['node:fs'],
  'src/cli/output.ts': ['node:fs'],
  'src/cli/send.ts': ['node:fs'],
  'src/cli/tlsrpt.ts': ['node:fs'],
  'src/cli/store.ts': ['node:fs'],
  'src/cli/explain.ts': ['node:fs'],
  'src/cli/headers.ts': ['node:fs'],
  'src/cli/sender-test.ts': ['node:fs'],
  'src/cli/logs.ts': ['node:fs'],
  'src/cli/pcap.ts': ['node:fs'],
  'src/web/assets.ts': ['node:fs'],
  'src/cli/serve.ts': ['node:fs'],
};

const REAL_TIME_AND_ENV = [
  { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Use the injected Clock.' },
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Use the injected Clock.' },
  { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'Read the environment only at the edge (cli/).' },
  { selector: "MemberExpression[object.name='process'][property.value='env']", message: 'Read the environment only at the edge (cli/).' },
  {
    selector: "ImportExpression > Literal[value=/^(node:)?(dns|net|tls|dgram|http|https|fs)(\\u002Fpromises)?$/]",
    message: 'Sockets, the resolver, HTTP and files only in their adapter files, loaded statically.',
  },
];
/** The clock adapter and the edge may read the time and the environment. */
const REAL_TIME_ALLOWED = ['src/core/clock.ts', 'src/cli/store.ts', 'src/cli/cert.ts', 'src/cli/send.ts', 'src/cli/demo.ts', 'src/cli/output.ts', 'src/cli/main.ts', 'src/cli/progress.ts', 'src/cli/sender-test.ts', 'src/cli/logs.ts', 'src/cli/serve.ts'];

function restrictedImports(folder, allowedModules = []) {
  return [
    'error',
    {
      paths: Object.entries(ADAPTER_ONLY)
        .filter(([name]) => !allows(allowedModules, name))
        .map(([name, message]) => ({ name, message })),
      patterns: upwardPatterns(folder),
    },
  ];
}

const layerBlocks = Object.keys(LAYERS).map((folder) => ({
  files: [`src/${folder}/**/*.ts`],
  rules: { 'no-restricted-imports': restrictedImports(folder) },
}));
const adapterBlocks = Object.entries(ADAPTERS).map(([file, modules]) => ({
  files: [file],
  rules: { 'no-restricted-imports': restrictedImports(file.split('/')[1], modules) },
}));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'schema/**', 'reports/**', '.stryker-tmp*/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly' } },
  },
  {
    // bin/mxray.cjs: CommonJS (it starts sooner than an ES module).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { process: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', performance: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Top-level modules (index.ts, library.ts) compose jobs and the runtime: every folder is below them.
    files: ['src/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: Object.entries(ADAPTER_ONLY).map(([name, message]) => ({ name, message })) }] },
  },
  ...layerBlocks,
  ...adapterBlocks,
  {
    files: ['src/**/*.ts'],
    ignores: REAL_TIME_ALLOWED,
    rules: { 'no-restricted-syntax': ['error', ...REAL_TIME_AND_ENV] },
  },
  {
    // The web UI (web-ui/, bundled by scripts/bundle-ui.js): browser code, nothing from Node, no
    // framework. Its pure modules are unit-tested under test/unit/web-ui/.
    files: ['web-ui/**/*.ts'],
    languageOptions: {
      globals: Object.fromEntries(
        ['window', 'document', 'location', 'history', 'navigator', 'fetch', 'EventSource', 'XMLHttpRequest', 'FormData', 'URL', 'URLSearchParams', 'Headers', 'Response', 'AbortController', 'AbortSignal', 'Blob', 'File', 'Node', 'Element', 'HTMLElement', 'HTMLInputElement', 'HTMLSelectElement', 'HTMLTextAreaElement', 'HTMLFormElement', 'HTMLButtonElement', 'SVGElement', 'MessageEvent', 'Event', 'console', 'setTimeout', 'clearTimeout', 'requestAnimationFrame', 'getSelection'].map((name) => [name, 'readonly']),
      ),
    },
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', '../src/*', '../../src/*', '../../../src/*'], message: 'The web UI runs in the browser and talks to the server only through /api/v1.' }] }],
      'no-restricted-syntax': [
        'error',
        { selector: "AssignmentExpression > MemberExpression.left[property.name='innerHTML']", message: 'Text goes in as text (dom.ts h/setText); only insertReportHtml parses the server\'s report fragment.' },
        { selector: "AssignmentExpression > MemberExpression.left[property.name='outerHTML']", message: 'Text goes in as text (dom.ts h/setText).' },
        { selector: "CallExpression[callee.property.name='insertAdjacentHTML']", message: 'Text goes in as text (dom.ts h/setText).' },
        { selector: "MemberExpression[property.name='style']", message: 'The CSP forbids inline style: use classes (app.css) and SVG attributes.' },
      ],
    },
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

export { LAYERS };
