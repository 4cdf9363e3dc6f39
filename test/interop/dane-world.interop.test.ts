// Interop: the DANE test world itself (test/helpers/dane-world/), proved against tools written by
// others before any mxray code is tested in it. Postfix's posttls-finger at `-l dane` (RFC 7672
// as Postfix implements it, on OpenSSL's DANE code) must reach, for each case, the verdict the
// case was built for; kdig through the world's Unbound must show the DNSSEC status each zone was
// built for (bogus: SERVFAIL with EDE 6 and NOERROR with CD; servfail: SERVFAIL either way);
// openssl s_client's own DANE check must see the RSA and the ECDSA certificate of the dual
// servers, each chosen by the signature algorithms offered.
//
// Needs root (namespaces, port 25) and Debian's knot, knot-dnsutils, unbound and postfix (test/interop/setup.sh);
// without them every test is skipped with the reason, and with MXRAY_INTEROP_REQUIRE=1 (CI)
// that is a failure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daneWorldMissing, startDaneWorld, type DaneWorld, type WorldMx } from '../helpers/dane-world/client.js';
import { interopPrerequisites } from './harness.js';

const REQUIRED = process.env.MXRAY_INTEROP_REQUIRE === '1';
const skipAll = (await interopPrerequisites()) ?? daneWorldMissing();

/** posttls-finger's lines without its "posttls-finger: " prefix. */
function fingerLines(out: string): string[] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('posttls-finger: '))
    .map((l) => l.slice('posttls-finger: '.length));
}

/** kdig's answer in the parts the tests look at (its text form: +json leaves out the EDE). */
interface Dig {
  status: string;
  flags: string[];
  ede: string | null;
  answer: Array<{ name: string; type: string; data: string }>;
}

function parseDig(out: string): Dig {
  const status = /status: (\w+)/.exec(out)?.[1] ?? 'no answer';
  const flags = (/;; Flags: ([^;]*);/.exec(out)?.[1] ?? '').trim().split(/\s+/);
  const ede = /^;; EDE: (.*)$/m.exec(out)?.[1] ?? null;
  const section = /;; ANSWER SECTION:\n([\s\S]*?)(?:\n\n|$)/.exec(out)?.[1] ?? '';
  const answer = section
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [name = '', , , type = '', ...data] = l.split(/\s+/);
      return { name, type, data: data.join(' ') };
    });
  return { status, flags, ede, answer };
}

if (skipAll !== null) {
  describe('interop: the DANE world', () => {
    if (REQUIRED) it('prerequisites (MXRAY_INTEROP_REQUIRE=1)', () => expect.fail(`interop cannot run: ${skipAll}`));
    else it.skip(`SKIPPED: ${skipAll}`, () => undefined);
  });
} else {
  describe('interop: the DANE world', () => {
    let world: DaneWorld;
    const started = performance.now();
    let startMs = 0;

    beforeAll(async () => {
      world = await startDaneWorld();
      startMs = Math.round(performance.now() - started);
      console.log(`DANE world ready in ${startMs} ms (inside: ${JSON.stringify(world.timingsMs)})`);
    }, 120_000);

    afterAll(async () => {
      // Stops it even when a test failed; a world that never started has nothing to stop.
      await world?.stop();
    });

    const mx = (name: string): WorldMx => {
      const c = world.cases[name];
      if (c === undefined || c.mx[0] === undefined) throw new Error(`the world has no case ${name}`);
      return c.mx[0];
    };
    /** The record as posttls-finger prints it: "3 1 1 ABCD…" (hex in capitals). */
    const printed = (record: string) => record.replace(/ ([0-9a-f]+)$/, (_, hex: string) => ` ${hex.toUpperCase()}`);
    const at = (m: WorldMx) => `${m.host}[${m.address}]:25`;

    async function finger(domain: string, extra: string[] = []): Promise<string[]> {
      const r = await world.run(['posttls-finger', '-c', '-l', 'dane', '-L', 'routine,certmatch', '-t', '15', '-T', '15', ...extra, domain], 40_000);
      expect(r.error, `posttls-finger ${domain}: ${r.stderr}`).toBeUndefined();
      // posttls-finger exits 0 whatever it concluded: its lines are the verdict.
      expect(r.code).toBe(0);
      const lines = fingerLines(`${r.stdout}${r.stderr}`);
      console.log(`posttls-finger ${[...extra, domain].join(' ')}:\n  ${lines.join('\n  ')}`);
      return lines;
    }

    async function dig(name: string, type: string, extra: string[] = []): Promise<Dig> {
      const r = await world.run(['kdig', '@127.0.0.1', name, type, '+dnssec', '+timeout=5', '+retry=0', ...extra]);
      expect(r.code, `kdig ${name} ${type}: ${r.stdout}${r.stderr}`).toBe(0);
      return parseDig(r.stdout);
    }

    /** The summary line, cipher details left out (they depend on OpenSSL's preferences). */
    const verdict = (lines: string[]) => lines.filter((l) => / TLS connection established to /.test(l)).map((l) => l.replace(/: TLSv1\.\d with cipher .*$/, ''));

    it('is isolated: only lo in the namespace, and /etc/resolv.conf names the world\'s Unbound with trust-ad', async () => {
      const dev = await world.run(['cat', '/proc/net/dev']);
      const interfaces = dev.stdout.split('\n').slice(2).map((l) => l.split(':')[0]?.trim()).filter((n) => n !== '' && n !== undefined);
      expect(interfaces).toEqual(['lo']);
      const resolv = await world.run(['cat', '/etc/resolv.conf']);
      expect(resolv.stdout).toBe('nameserver 127.0.0.1\noptions trust-ad timeout:2 attempts:1\n');
    });

    it('good.test: the 3 1 1 records are the SHA-256 of the SPKI as the openssl command line computes it (the server\'s key, then the next key)', async () => {
      const m = mx('good');
      const pipeline = (cert: string) => ['sh', '-c', `openssl x509 -in '${cert}' -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1`];
      const current = (await world.run(pipeline(m.certs[0]!.certFile))).stdout.trim();
      const next = (await world.run(pipeline(m.spare!.certFile))).stdout.trim();
      expect(m.tlsa).toEqual([`3 1 1 ${current}`, `3 1 1 ${next}`]);
      expect(current).not.toBe(next);
    });

    it('good.test: DANE-EE 3 1 1 matches the server key: Verified', async () => {
      const m = mx('good');
      const lines = await finger('good.test');
      expect(lines).toContain(`${at(m)}: Matched DANE EE certificate at depth 0: ${printed(m.tlsa[0]!)}`);
      expect(verdict(lines)).toEqual([`Verified TLS connection established to ${at(m)}`]);
    });

    it('mismatch.test: 3 1 1 of a key the server does not have: no matching DANE TLSA records, Untrusted', async () => {
      const m = mx('mismatch');
      const lines = await finger('mismatch.test');
      expect(lines).toContain(`server certificate verification failed for ${at(m)}: num=65:no matching DANE TLSA records`);
      expect(verdict(lines)).toEqual([`Untrusted TLS connection established to ${at(m)}`]);
    });

    it('expired.test: an expired self-signed certificate whose 3 1 1 matches: Verified (DANE-EE ignores dates)', async () => {
      const m = mx('expired');
      const lines = await finger('expired.test');
      expect(lines).toContain(`${at(m)}: Matched DANE EE certificate at depth 0: ${printed(m.tlsa[0]!)}`);
      expect(verdict(lines)).toEqual([`Verified TLS connection established to ${at(m)}`]);
      const dates = await world.run(['openssl', 'x509', '-in', m.certs[0]!.certFile, '-noout', '-checkend', '0']);
      expect(dates.stdout.trim()).toBe('Certificate will expire');
      expect(dates.code).toBe(1);
    });

    it('ta.test: 2 0 1 of the intermediate sent after the leaf, the leaf naming the MX host: Verified', async () => {
      const m = mx('ta');
      const lines = await finger('ta.test');
      expect(lines).toContain(`${at(m)}: matched peername: mx.ta.test`);
      expect(lines).toContain(`${at(m)}: Matched DANE TA certificate at depth 1: ${printed(m.tlsa[0]!)}`);
      expect(verdict(lines)).toEqual([`Verified TLS connection established to ${at(m)}`]);
    });

    it('ta-missing.test: 2 0 1 of a root the server does not send: no matching DANE TLSA records, Untrusted', async () => {
      const m = mx('ta-missing');
      const lines = await finger('ta-missing.test');
      expect(lines).toContain(`CA certificate verification failed for ${at(m)}: num=65:no matching DANE TLSA records`);
      expect(verdict(lines)).toEqual([`Untrusted TLS connection established to ${at(m)}`]);
    });

    it('unusable.test: only 1 1 1 and 0 0 1: both unsupported, posttls-finger falls back to "secure" (no CA: Untrusted)', async () => {
      const m = mx('unusable');
      const lines = await finger('unusable.test');
      const [pkixEe, pkixTa] = m.tlsa;
      expect(lines.filter((l) => l.includes('unsupported TLSA')).sort()).toEqual(
        [`warning: _25._tcp.mx.unusable.test unsupported TLSA certificate usage: ${printed(pkixTa!)}`, `warning: _25._tcp.mx.unusable.test unsupported TLSA certificate usage: ${printed(pkixEe!)}`].sort(),
      );
      expect(lines).toContain(`certificate verification failed for ${at(m)}: self-signed certificate`);
      expect(verdict(lines)).toEqual([`Untrusted TLS connection established to ${at(m)}`]);
    });

    it('bogus.test: the TLSA signature is broken: TLSA lookup error, no connection', async () => {
      const lines = await finger('bogus.test');
      expect(lines).toContain(
        'warning: DANE TLSA lookup problem: Host or domain name not found. Name service error for name=_25._tcp.mx.bogus.test type=TLSA: Host not found, try again',
      );
      expect(lines).toContain('Failed to establish session to bogus.test via mx.bogus.test: TLSA lookup error for mx.bogus.test:25');
      expect(verdict(lines)).toEqual([]);
    });

    it('bogus.test through Unbound: TLSA SERVFAIL with EDE 6 (DNSSEC Bogus); with CD the record itself (not AD); the MX secure', async () => {
      const bogus = await dig('_25._tcp.mx.bogus.test', 'TLSA');
      expect(bogus.status).toBe('SERVFAIL');
      // Unbound 1.17 adds its reason to the first answer only; one from its cache (posttls-finger
      // asked before) carries the bare code.
      expect(bogus.ede).toMatch(/^6 \(DNSSEC Bogus\)(: 'validation failure <_25\._tcp\.mx\.bogus\.test\. TLSA IN>: signature crypto failed from 127\.0\.0\.3')?$/);
      const cd = await dig('_25._tcp.mx.bogus.test', 'TLSA', ['+cdflag']);
      expect(cd.status).toBe('NOERROR');
      expect(cd.flags).not.toContain('ad');
      expect(cd.answer.filter((rr) => rr.type === 'TLSA').map((rr) => rr.data.toLowerCase())).toEqual(mx('bogus').tlsa);
      const mxRecord = await dig('bogus.test', 'MX');
      expect([mxRecord.status, mxRecord.flags.includes('ad')]).toEqual(['NOERROR', true]);
    });

    it('servfail.test: MX and A secure, the TLSA lookup fails: TLSA lookup error, no connection', async () => {
      const lines = await finger('servfail.test');
      expect(lines).toContain(
        'warning: DANE TLSA lookup problem: Host or domain name not found. Name service error for name=_25._tcp.mx.servfail.test type=TLSA: Host not found, try again',
      );
      expect(lines).toContain('Failed to establish session to servfail.test via mx.servfail.test: TLSA lookup error for mx.servfail.test:25');
      expect(verdict(lines)).toEqual([]);
    });

    it('servfail.test through Unbound: TLSA SERVFAIL with and without CD (not bogus); MX and A secure', async () => {
      expect((await dig('_25._tcp.mx.servfail.test', 'TLSA')).status).toBe('SERVFAIL');
      expect((await dig('_25._tcp.mx.servfail.test', 'TLSA', ['+cdflag'])).status).toBe('SERVFAIL');
      for (const [name, type] of [['servfail.test', 'MX'], ['mx.servfail.test', 'A']] as const) {
        const r = await dig(name, type);
        expect([name, r.status, r.flags.includes('ad')]).toEqual([name, 'NOERROR', true]);
      }
    });

    it('cname.test: the MX host is a CNAME into target.test, the TLSA at the target matches: Verified', async () => {
      const m = mx('cname');
      expect(m.tlsaName).toBe('_25._tcp.host.target.test');
      const lines = await finger('cname.test');
      expect(lines).toContain(`${at(m)}: Matched DANE EE certificate at depth 0: ${printed(m.tlsa[0]!)}`);
      expect(verdict(lines)).toEqual([`Verified TLS connection established to ${at(m)}`]);
      // Nothing at the alias's own name: the match came from the target's record.
      expect((await dig('_25._tcp.mx.cname.test', 'TLSA')).answer.filter((rr) => rr.type === 'TLSA')).toEqual([]);
    });

    it('insecure.test: a matching TLSA in an unsigned zone is not used: no DANE, "secure" without a CA (Untrusted)', async () => {
      const m = mx('insecure');
      const lines = await finger('insecure.test');
      expect(lines.filter((l) => /DANE|TLSA|DNSSEC/.test(l))).toEqual([]);
      expect(lines).toContain(`certificate verification failed for ${at(m)}: self-signed certificate`);
      expect(verdict(lines)).toEqual([`Untrusted TLS connection established to ${at(m)}`]);
      const tlsa = await dig('_25._tcp.mx.insecure.test', 'TLSA');
      expect([tlsa.status, tlsa.flags.includes('ad'), tlsa.answer.map((rr) => rr.data.toLowerCase())]).toEqual(['NOERROR', false, m.tlsa]);
    });

    it('good.test through Unbound: both TLSA records, secure (AD)', async () => {
      const r = await dig('_25._tcp.mx.good.test', 'TLSA');
      expect([r.status, r.flags.includes('ad')]).toEqual(['NOERROR', true]);
      expect(r.answer.filter((rr) => rr.type === 'TLSA').map((rr) => rr.data.toLowerCase()).sort()).toEqual([...mx('good').tlsa].sort());
    });

    it('dual.test: a 3 1 1 for each key: Verified with ECDSA (TLS 1.3) and with RSA (TLS 1.2, aRSA ciphers)', async () => {
      const m = mx('dual');
      const ecdsa = await finger('dual.test');
      expect(ecdsa).toContain(`${at(m)}: Matched DANE EE certificate at depth 0: ${printed(`3 1 1 ${m.certs[1]!.spkiSha256}`)}`);
      expect(verdict(ecdsa)).toEqual([`Verified TLS connection established to ${at(m)}`]);
      const rsa = await finger('dual.test', ['-p', '>=TLSv1.2,<=TLSv1.2', '-o', 'tls_medium_cipherlist=aRSA']);
      expect(rsa).toContain(`${at(m)}: Matched DANE EE certificate at depth 0: ${printed(`3 1 1 ${m.certs[0]!.spkiSha256}`)}`);
      expect(rsa.filter((l) => / TLS connection established to /.test(l))).toEqual([expect.stringMatching(/^Verified TLS connection established to .*: TLSv1\.2 with cipher ECDHE-RSA-/)]);
    });

    it('dual-half.test: a 3 1 1 for the ECDSA key only: Verified with ECDSA, no matching DANE TLSA records with RSA', async () => {
      const m = mx('dual-half');
      expect(m.tlsa).toEqual([`3 1 1 ${m.certs[1]!.spkiSha256}`]);
      const ecdsa = await finger('dual-half.test');
      expect(verdict(ecdsa)).toEqual([`Verified TLS connection established to ${at(m)}`]);
      const rsa = await finger('dual-half.test', ['-p', '>=TLSv1.2,<=TLSv1.2', '-o', 'tls_medium_cipherlist=aRSA']);
      expect(rsa).toContain(`server certificate verification failed for ${at(m)}: num=65:no matching DANE TLSA records`);
      expect(rsa.filter((l) => / TLS connection established to /.test(l))).toEqual([expect.stringMatching(/^Untrusted TLS connection established to .*: TLSv1\.2 with cipher ECDHE-RSA-/)]);
    });

    it('dual servers at TLS 1.3: openssl s_client gets the RSA certificate for RSA-PSS and the ECDSA one for ECDSA, and its own DANE check agrees', async () => {
      const sClient = async (name: string, sigalgs: string) => {
        const m = mx(name);
        const tlsa = m.tlsa.flatMap((record) => ['-dane_tlsa_rrdata', record]);
        const r = await world.run([
          'sh',
          '-c',
          'echo QUIT | openssl "$@" 2>&1',
          'sh',
          's_client',
          '-connect',
          `${m.address}:25`,
          '-starttls',
          'smtp',
          '-tls1_3',
          '-sigalgs',
          sigalgs,
          '-dane_tlsa_domain',
          m.host,
          ...tlsa,
          '-brief',
        ]);
        const out = r.stdout;
        return {
          key: /^Peer certificate: CN = (.*)$/m.test(out) ? (/Signature type: (\S+)/.exec(out)?.[1] ?? null) : null,
          verification: /^Verification: (.*)$/m.exec(out)?.[1] ?? /^Verification error: (.*)$/m.exec(out)?.[1] ?? null,
        };
      };
      expect(await sClient('dual', 'rsa_pss_rsae_sha256')).toEqual({ key: 'RSA-PSS', verification: 'OK' });
      expect(await sClient('dual', 'ecdsa_secp256r1_sha256')).toEqual({ key: 'ECDSA', verification: 'OK' });
      expect(await sClient('dual-half', 'rsa_pss_rsae_sha256')).toEqual({ key: 'RSA-PSS', verification: 'no matching DANE TLSA records' });
      expect(await sClient('dual-half', 'ecdsa_secp256r1_sha256')).toEqual({ key: 'ECDSA', verification: 'OK' });
    });

    it('every signed zone validates (AD) and the unsigned one does not: the trust anchors are the zones\' own keys', async () => {
      for (const zone of world.zones) {
        const r = await dig(zone.name, 'SOA');
        expect([zone.name, r.status, r.flags.includes('ad')]).toEqual([zone.name, 'NOERROR', zone.dnssec !== 'unsigned']);
      }
      expect(world.trustAnchors).toHaveLength(world.zones.filter((z) => z.dnssec !== 'unsigned').length);
    });
  });
}
