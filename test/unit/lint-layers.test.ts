// The layers are enforced by lint (eslint.config.js): an upward import, or a socket, resolver,
// HTTP or file import outside its adapter file, fails `npm run lint`. Linted as text under a
// real path, so the rules that apply are exactly the configured ones.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('lint enforces the layers', () => {
  it.each([
    ['src/core/bad.ts', "import { verdictOf } from '../checks/verdict.js';\nexport const v = verdictOf;\n"],
    ['src/pki/bad.ts', "import { assessHost } from '../checks/host.js';\nexport const a = assessHost;\n"],
    ['src/checks/bad.ts', "import { probeHost } from '../jobs/receiver/probe-host.js';\nexport const p = probeHost;\n"],
    ['src/checks/bad.ts', "import { createConnector } from '../net/connector.js';\nexport const c = createConnector;\n"],
    ['src/jobs/receiver/bad.ts', "import { systemEdges } from '../../runtime/edges.js';\nexport const s = systemEdges;\n"],
    ['src/jobs/receiver/bad.ts', "import { main } from '../../cli/main.js';\nexport const m = main;\n"],
    ['src/render/bad.ts', "import { checkReceiver } from '../library.js';\nexport const c = checkReceiver;\n"],
    ['src/kb/findings/bad.ts', "import { makeFinding } from '../../kb/index.js';\nimport { verifyChain } from '../../pki/verify.js';\nexport const x = [makeFinding, verifyChain];\n"],
  ])('an upward import in %s fails', async (file, code) => {
    const found = await problems(file, code);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^no-restricted-imports: .*imports only downwards/);
  });

  it.each([
    ['src/checks/ok.ts', "import { makeFinding } from '../kb/index.js';\nimport { verifyChain } from '../pki/verify.js';\nexport const x = [makeFinding, verifyChain];\n"],
    ['src/jobs/receiver/ok.ts', "import { assessHost } from '../../checks/host.js';\nimport { resolveMailHosts } from '../../dns/mail-hosts.js';\nexport const x = [assessHost, resolveMailHosts];\n"],
    ['src/cli/ok.ts', "import { checkReceiver } from '../library.js';\nexport const c = checkReceiver;\n"],
  ])('a downward import in %s passes', async (file, code) => {
    expect(await problems(file, code)).toEqual([]);
  });

  it.each([
    ['src/checks/bad.ts', "import net from 'node:net';\nexport const n = net;\n", 'node:net'],
    ['src/jobs/receiver/bad.ts', "import tls from 'node:tls';\nexport const t = tls;\n", 'node:tls'],
    ['src/dns/mail-hosts-bad.ts', "import dns from 'node:dns/promises';\nexport const d = dns;\n", 'node:dns/promises'],
    ['src/jobs/receiver/bad.ts', "import http from 'node:http';\nexport const h = http;\n", 'node:http'],
    ['src/runtime/bad.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n", 'node:fs'],
    ['src/net/line-reader-bad.ts', "import https from 'node:https';\nexport const h = https;\n", 'node:https'],
  ])('a socket, resolver, HTTP or file import outside its adapter file fails (%s, %s)', async (file, code, module) => {
    const found = await problems(file, code);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`'${module}' import is restricted`);
  });

  it('the same modules without "node:", loaded dynamically, or reached through a deeper path, fail too', async () => {
    expect(await problems('src/checks/bad.ts', "import fs from 'fs';\nexport const f = fs;\n")).toEqual([expect.stringMatching(/^no-restricted-imports: 'fs' import is restricted/)]);
    expect(await problems('src/checks/bad.ts', "import * as net from 'net';\nexport const n = net;\n")).toHaveLength(1);
    expect(await problems('src/checks/bad.ts', "export const t = () => import('node:tls');\n")).toEqual([expect.stringMatching(/^no-restricted-syntax: Sockets, the resolver/)]);
    expect(await problems('src/checks/bad.ts', "export const d = () => import('dns/promises');\n")).toHaveLength(1);
    expect(await problems('src/checks/bad.ts', "export const e = process['env'];\n")).toEqual(['no-restricted-syntax: Read the environment only at the edge (cli/).']);
    expect(await problems('src/checks/a/b/c/bad.ts', "import { x } from '../../../../jobs/receiver/probe-host.js';\nexport const y = x;\n")).toEqual([expect.stringMatching(/imports only downwards/)]);
    expect(await problems('src/net/connector.ts', "import net from 'net';\nexport const n = net;\n")).toEqual([]);
  });

  it('the adapter files may import what they adapt, and no more', async () => {
    expect(await problems('src/net/connector.ts', "import net from 'node:net';\nimport tls from 'node:tls';\nexport const x = [net, tls];\n")).toEqual([]);
    expect(await problems('src/http/node-fetcher.ts', "import http from 'node:http';\nexport const h = http;\n")).toEqual([]);
    expect(await problems('src/net/connector.ts', "import http from 'node:http';\nexport const h = http;\n")).toHaveLength(1);
  });

  it('real time and the environment only at the edge', async () => {
    expect(await problems('src/checks/bad.ts', 'export const t = Date.now();\n')).toEqual(['no-restricted-syntax: Use the injected Clock.']);
    expect(await problems('src/jobs/receiver/bad.ts', 'export const e = process.env.HOME;\n')).toEqual(['no-restricted-syntax: Read the environment only at the edge (cli/).']);
    expect(await problems('src/core/clock.ts', 'export const t = Date.now();\n')).toEqual([]);
  });
});
