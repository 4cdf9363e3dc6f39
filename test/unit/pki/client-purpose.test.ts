// The client purpose of path validation (VerifyInput.purpose 'client', checkPath and
// opensslChainFacts with 'client'): clientAuth instead of serverAuth in the extendedKeyUsage of the
// leaf and of every CA below the anchor, a keyUsage with digitalSignature or keyAgreement (never
// keyEncipherment alone), a Netscape type with SSL client — OpenSSL's check_purpose_ssl_client,
// what a receiving MTA checks of a sender's certificate. The server purpose is unchanged (the
// default), which the rest of test/unit/pki asserts.
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkPath, opensslChainFacts, readElement, type ElementFacts, type PathElement } from '../../../src/pki/chain-rules.js';
import { KEY_USAGE } from '../../../src/pki/der.js';
import { createTrustStore } from '../../../src/pki/trust-store.js';
import { verifyChain } from '../../../src/pki/verify.js';
import { certify, EKU, KU, party, type Party } from '../../helpers/chain-pki.js';
import { skipWithout } from '../../helpers/skip.js';

const NOW = Date.UTC(2026, 10, 1, 12, 0, 0);

const pem = (der: Buffer) => new X509Certificate(der).toString();
const factsOf = (der: Buffer): ElementFacts => readElement(new X509Certificate(der));

let root: Party;
let rootDer: Buffer;
let inter: Party;
let interDer: Buffer;
let interServerOnly: Buffer;
let interPartyServerOnly: Party;

beforeAll(async () => {
  root = await party('CN=Client Test Root');
  rootDer = await certify(root, root, 'ca', NOW);
  inter = await party('CN=Client Test CA');
  interDer = await certify(inter, root, 'ca', NOW);
  interPartyServerOnly = await party('CN=Server Only CA');
  interServerOnly = await certify(interPartyServerOnly, root, 'ca', NOW, { eku: [EKU.serverAuth] });
});

async function leaf(o: Parameters<typeof certify>[4] = {}, issuer: Party = inter): Promise<Buffer> {
  return certify(await party('CN=mail.sender.test'), issuer, 'leaf', NOW, { dnsNames: ['mail.sender.test'], ...o });
}

function verifyClient(chain: Buffer[], name: string | null = 'mail.sender.test') {
  return verifyChain({ chain, trustStore: createTrustStore([pem(rootDer)], 'test roots'), now: NOW, name, domain: null, purpose: 'client' });
}
function verifyServer(chain: Buffer[]) {
  return verifyChain({ chain, trustStore: createTrustStore([pem(rootDer)], 'test roots'), now: NOW, name: 'mail.sender.test', domain: null });
}

describe('verifyChain with purpose client', () => {
  it('a clientAuth leaf verifies for a client and not for a server; a serverAuth-only leaf the other way round', async () => {
    const client = await leaf({ eku: [EKU.clientAuth] });
    const c = verifyClient([client, interDer]);
    expect([c.trusted, c.trustFailure, c.problems, c.opensslError]).toEqual([true, 'none', [], null]);
    const s = verifyServer([client, interDer]);
    expect([s.trusted, s.trustFailure, s.problems.map((p) => p.rule), s.opensslError]).toEqual([false, 'chain-invalid', ['not-for-server-auth'], { code: 26, name: 'unsuitable certificate purpose' }]);

    const server = await leaf({ eku: [EKU.serverAuth] });
    const v = verifyClient([server, interDer]);
    expect(v.trusted).toBe(false);
    expect(v.trustFailure).toBe('chain-invalid');
    expect(v.problems).toEqual([
      {
        index: 0,
        role: 'leaf',
        subject: 'mail.sender.test',
        rule: 'not-for-client-auth',
        detail: 'its extendedKeyUsage (serverAuth) does not include clientAuth: it may not be used for a TLS client',
        opensslError: { code: 26, name: 'unsuitable certificate purpose' },
      },
    ]);
    expect(v.opensslError).toEqual({ code: 26, name: 'unsuitable certificate purpose' });
    expect(v.trustReason).toContain('does not include clientAuth');
    // Told of the client: the verdict's words are written for a server's chain.
    expect(v.trustReason).toMatch(/^The client’s certificate|^The client's certificate/);
    expect(v.trustReason).not.toMatch(/server's certificate|server’s certificate/);
    expect(verifyServer([server, interDer]).trustReason).toBeNull();
    expect(verifyServer([server, interDer]).trusted).toBe(true);
  });

  it('both purposes, and no extendedKeyUsage at all, verify as a client', async () => {
    expect(verifyClient([await leaf({ eku: [EKU.serverAuth, EKU.clientAuth] }), interDer]).trusted).toBe(true);
    expect(verifyClient([await leaf({ eku: null }), interDer]).trusted).toBe(true);
  });

  it('anyExtendedKeyUsage alone is not clientAuth (OpenSSL refuses it too)', async () => {
    const v = verifyClient([await leaf({ eku: [EKU.any] }), interDer]);
    expect(v.problems.map((p) => [p.index, p.rule])).toEqual([[0, 'not-for-client-auth']]);
  });

  it('an intermediate whose extendedKeyUsage lacks clientAuth refuses every client certificate below it', async () => {
    const v = verifyClient([await leaf({ eku: [EKU.clientAuth] }, interPartyServerOnly), interServerOnly]);
    expect(v.problems.map((p) => [p.index, p.role, p.rule, p.detail])).toEqual([
      [1, 'intermediate', 'not-for-client-auth', 'its extendedKeyUsage (serverAuth) does not include clientAuth, so no certificate below it may be used for a TLS client'],
    ]);
    expect(v.opensslError).toEqual({ code: 26, name: 'unsuitable certificate purpose' });
  });

  it('a keyUsage of keyEncipherment alone serves a server but not a client', async () => {
    const der = await leaf({ eku: null, keyUsage: KU.keyEncipherment });
    expect(verifyServer([der, interDer]).trusted).toBe(true);
    const v = verifyClient([der, interDer]);
    expect(v.problems.map((p) => p.detail)).toEqual(['its keyUsage allows neither digitalSignature nor keyAgreement: it may not be used for a TLS client']);
    expect(verifyClient([await leaf({ eku: null, keyUsage: KU.keyAgreement }), interDer]).trusted).toBe(true);
  });

  it('the name is checked and reported, but is not OpenSSL’s error for a client (a receiver checks no name)', async () => {
    const v = verifyClient([await leaf({ eku: [EKU.clientAuth] }), interDer], 'other.sender.test');
    expect([v.trusted, v.nameMatches, v.checkedName, v.opensslError]).toEqual([true, false, 'other.sender.test', null]);
    const s = verifyChain({ chain: [await leaf(), interDer], trustStore: createTrustStore([pem(rootDer)], 'r'), now: NOW, name: 'other.sender.test', domain: null });
    expect(s.opensslError).toEqual({ code: 62, name: 'hostname mismatch' });
  });
});

describe('checkPath and opensslChainFacts with purpose client, on facts', () => {
  const leafFacts = (o: Partial<ElementFacts>): ElementFacts => ({ ...factsOf(rootDer), selfIssued: false, basicConstraints: null, keyUsage: KEY_USAGE.digitalSignature, eku: [EKU.clientAuth], nsCertType: null, ...o });
  const anchor = (): PathElement => ({ facts: factsOf(rootDer), role: 'trust-anchor', label: 'Root' });
  const rules = (f: ElementFacts, purpose?: 'client' | 'server') => checkPath([{ facts: f, role: 'leaf', label: 'leaf' }, anchor()], NOW, purpose).map((v) => [v.rule, v.detail]);

  it('a Netscape type: SSL client (bit 0) for a client, SSL server (bit 1) for a server', () => {
    expect(rules(leafFacts({ eku: null, nsCertType: 1 }), 'client')).toEqual([]);
    expect(rules(leafFacts({ eku: null, nsCertType: 2 }), 'client')).toEqual([['not-for-client-auth', 'its Netscape certificate type does not include SSL client: it may not be used for a TLS client']]);
    expect(rules(leafFacts({ eku: null, nsCertType: 2 }))).toEqual([]);
    expect(rules(leafFacts({ eku: null, nsCertType: 1 }))).toEqual([['not-for-server-auth', 'its Netscape certificate type does not include SSL server: it may not be used for a TLS server']]);
  });

  it('the default purpose is the server', () => {
    expect(rules(leafFacts({ eku: [EKU.clientAuth] }))).toEqual([['not-for-server-auth', 'its extendedKeyUsage (clientAuth) does not include serverAuth: it may not be used for a TLS server']]);
    expect(rules(leafFacts({ eku: [EKU.clientAuth] }), 'client')).toEqual([]);
  });

  it('OpenSSL’s view: 26 for the leaf or a CA without clientAuth, nothing with it', () => {
    const ca = { ...factsOf(interDer) };
    const errors = (leafF: ElementFacts, caF: ElementFacts, purpose?: 'client' | 'server') => opensslChainFacts([leafF, caF, factsOf(rootDer)], purpose).map((c) => c.extensionError);
    expect(errors(leafFacts({}), ca, 'client')).toEqual([null, null, null]);
    expect(errors(leafFacts({}), ca)).toEqual(['INVALID_PURPOSE', null, null]);
    expect(errors(leafFacts({ eku: [EKU.serverAuth] }), ca, 'client')).toEqual(['INVALID_PURPOSE', null, null]);
    expect(errors(leafFacts({}), { ...ca, eku: [EKU.serverAuth] }, 'client')).toEqual([null, 'INVALID_PURPOSE', null]);
    expect(errors(leafFacts({ eku: null, keyUsage: KEY_USAGE.keyEncipherment }), ca, 'client')).toEqual(['INVALID_PURPOSE', null, null]);
    expect(errors(leafFacts({ eku: null, keyUsage: KEY_USAGE.keyEncipherment }), ca, 'server')).toEqual([null, null, null]);
  });
});

describe('the client purpose agrees with `openssl verify -purpose sslclient`', () => {
  it('on each kind of client certificate: OK where we trust it, error 26 where we find the purpose wrong', async (context) => {
    if (spawnSync('openssl', ['version']).error) skipWithout(context, 'openssl', 'the openssl command is the oracle here');
    const work = mkdtempSync(join(tmpdir(), 'mxray-client-purpose-'));
    try {
      let n = 0;
      const file = (ders: Buffer[]) => {
        const f = join(work, `${n++}.pem`);
        writeFileSync(f, ders.map(pem).join(''));
        return f;
      };
      const cases: { name: string; chain: Buffer[] }[] = [
        { name: 'clientAuth', chain: [await leaf({ eku: [EKU.clientAuth] }), interDer] },
        { name: 'serverAuth only', chain: [await leaf({ eku: [EKU.serverAuth] }), interDer] },
        { name: 'both', chain: [await leaf({ eku: [EKU.serverAuth, EKU.clientAuth] }), interDer] },
        { name: 'anyExtendedKeyUsage', chain: [await leaf({ eku: [EKU.any] }), interDer] },
        { name: 'no EKU, keyEncipherment only', chain: [await leaf({ eku: null, keyUsage: KU.keyEncipherment }), interDer] },
        { name: 'no EKU, keyAgreement', chain: [await leaf({ eku: null, keyUsage: KU.keyAgreement }), interDer] },
        { name: 'an intermediate for serverAuth only', chain: [await leaf({ eku: [EKU.clientAuth] }, interPartyServerOnly), interServerOnly] },
      ];
      const results = cases.map(({ name, chain }) => {
        const run = spawnSync('openssl', ['verify', '-no-CApath', '-no-CAstore', '-purpose', 'sslclient', '-attime', String(Math.floor(NOW / 1000)), '-CAfile', file([rootDer]), '-untrusted', file(chain.slice(1)), file(chain.slice(0, 1))], { encoding: 'utf8' });
        const error = /^error (\d+) at/m.exec(`${run.stderr}\n${run.stdout}`);
        const v = verifyClient(chain);
        return { name, openssl: error ? Number(error[1]) : 'OK', ours: v.opensslError?.code ?? 'OK', trusted: v.trusted };
      });
      expect(results).toEqual([
        { name: 'clientAuth', openssl: 'OK', ours: 'OK', trusted: true },
        { name: 'serverAuth only', openssl: 26, ours: 26, trusted: false },
        { name: 'both', openssl: 'OK', ours: 'OK', trusted: true },
        { name: 'anyExtendedKeyUsage', openssl: 26, ours: 26, trusted: false },
        { name: 'no EKU, keyEncipherment only', openssl: 26, ours: 26, trusted: false },
        { name: 'no EKU, keyAgreement', openssl: 'OK', ours: 'OK', trusted: true },
        { name: 'an intermediate for serverAuth only', openssl: 26, ours: 26, trusted: false },
      ]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
