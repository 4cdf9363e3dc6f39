import { describe, expect, it } from 'vitest';
import type { Actor, Severity } from '../../../src/core/schema.js';
import { CATALOGUE } from '../../../src/kb/catalogue.js';
import { allEntries, fillTemplate, kbEntry, makeFinding, sortFindings, type FindingId } from '../../../src/kb/index.js';
import type { KbEntry } from '../../../src/kb/types.js';
import { TLS_RPT_REPORT_FINDINGS } from '../../../src/kb/findings/tls-rpt-reports.js';

/** The contract: every id checks may emit, with its severity, actor and fact names. */
const SPEC: Record<string, [Severity, Actor, string[]]> = {
  'dns.nxdomain': ['critical', 'either', ['domain']],
  'dns.servfail': ['error', 'them', ['domain', 'resolver']],
  'dns.timeout': ['error', 'either', ['domain', 'resolver']],
  'dns.error': ['error', 'either', ['domain', 'resolver', 'error']],
  'net.no-route': ['error', 'us', ['host', 'error']],
  'tls.sni-required': ['error', 'them', ['host', 'error']],
  'mxray.internal-error': ['error', 'us', ['host', 'detail']],
  'dns.no-mx': ['warning', 'them', ['domain', 'addresses']],
  'dns.null-mx': ['info', 'them', ['domain']],
  'dns.mx-unresolved': ['error', 'them', ['mx', 'error']],
  'dns.mx-ip-literal': ['error', 'them', ['mx']],
  'dns.mx-cname': ['warning', 'them', ['mx', 'cname']],
  'net.all-unreachable': ['critical', 'us', ['domain', 'count', 'port', 'sourceAddress']],
  'net.connect-refused': ['error', 'them', ['host']],
  'net.connect-timeout': ['error', 'either', ['host', 'timeoutMs']],
  'smtp.no-banner': ['error', 'them', ['host', 'detail']],
  'smtp.greeting-timeout': ['warning', 'either', ['host', 'timeoutMs']],
  'smtp.banner-rejected': ['error', 'either', ['host', 'reply']],
  'smtp.banner-masked': ['warning', 'them', ['host', 'banner']],
  'smtp.rate-limited': ['warning', 'either', ['host', 'reply']],
  'smtp.esmtp-unsupported': ['critical', 'them', ['host', 'reply']],
  'smtp.ehlo-rejected': ['error', 'either', ['host', 'reply']],
  'smtp.protocol-error': ['error', 'them', ['host', 'detail']],
  'smtp.io-timeout': ['error', 'them', ['host', 'command', 'timeoutMs']],
  'smtp.banner-delayed': ['info', 'them', ['host', 'ms']],
  'smtp.auth-before-tls': ['warning', 'them', ['host', 'mechanisms']],
  'smtp.envelope-rejected': ['warning', 'either', ['host', 'command', 'reply']],
  'smtp.greylisted': ['info', 'them', ['host', 'command', 'reply']],
  'starttls.not-offered': ['critical', 'them', ['host']],
  'starttls.masked': ['critical', 'either', ['host', 'keyword']],
  'starttls.rejected': ['critical', 'them', ['host', 'reply']],
  'starttls.readvertised': ['warning', 'them', ['host']],
  'starttls.injection': ['error', 'them', ['host', 'bytes']],
  'tls.handshake-failed': ['critical', 'them', ['host', 'error']],
  'tls.old-protocol': ['critical', 'them', ['host', 'protocol']],
  'tls.null-cipher': ['critical', 'them', ['host', 'cipher']],
  'tls.no-shared-cipher': ['critical', 'them', ['host', 'error']],
  'tls.server-aborted': ['critical', 'them', ['host', 'error']],
  'tls.ok': ['ok', 'them', ['host', 'protocol', 'cipher']],
  'cert.expired': ['error', 'them', ['host', 'subject', 'notAfter', 'daysAgo']],
  'cert.not-yet-valid': ['error', 'them', ['host', 'subject', 'notBefore']],
  'cert.expiring-soon': ['warning', 'them', ['host', 'subject', 'notAfter', 'daysLeft']],
  'cert.self-signed': ['error', 'them', ['host', 'subject']],
  'mxray.reply-limit': ['warning', 'us', ['host', 'detail']],
  'cert.intermediate-expired': ['error', 'them', ['host', 'element', 'subject', 'notAfter', 'daysAgo']],
  'cert.intermediate-not-yet-valid': ['error', 'them', ['host', 'element', 'subject', 'notBefore']],
  'cert.intermediate-expiring-soon': ['warning', 'them', ['host', 'element', 'subject', 'notAfter', 'daysLeft']],
  'cert.root-expired': ['error', 'either', ['host', 'subject', 'notAfter']],
  'cert.root-not-yet-valid': ['error', 'either', ['host', 'subject', 'notBefore']],
  'cert.not-a-ca': ['error', 'them', ['host', 'element', 'subject', 'detail']],
  'cert.issuer-cannot-sign': ['error', 'them', ['host', 'element', 'subject', 'detail']],
  'cert.path-length-exceeded': ['error', 'them', ['host', 'element', 'subject', 'detail']],
  'cert.name-constraints-violated': ['error', 'them', ['host', 'element', 'subject', 'detail']],
  'cert.not-for-server-auth': ['error', 'them', ['host', 'element', 'subject', 'detail']],
  'cert.unknown-critical-extension': ['error', 'them', ['host', 'element', 'subject', 'detail']],
  'cert.invalid-extension': ['error', 'them', ['host', 'element', 'subject', 'detail']],
  'cert.empty-name': ['error', 'them', ['host', 'element', 'subject', 'detail']],
  'cert.chain-too-long': ['error', 'them', ['host', 'sent', 'limit', 'subject']],
  'cert.untrusted-root': ['error', 'them', ['host', 'root']],
  'cert.chain-incomplete': ['error', 'them', ['host', 'issuer', 'outcome', 'repair']],
  'cert.bad-signature': ['error', 'them', ['host', 'subject']],
  'cert.name-mismatch': ['error', 'them', ['host', 'name', 'certNames']],
  'cert.domain-mismatch': ['info', 'them', ['host', 'domain', 'certNames']],
  'cert.ehlo-name-mismatch': ['warning', 'them', ['host', 'announced', 'certNames']],
  'cert.sni-dependent': ['warning', 'them', ['host', 'withSni', 'withoutSni', 'confirmation']],
  'cert.differs-between-connections': ['warning', 'them', ['host', 'count', 'certificates']],
  'cert.weak-signature': ['error', 'them', ['host', 'algorithm', 'subject']],
  'cert.weak-key': ['error', 'them', ['host', 'keyType', 'bits', 'minBits', 'subject']],
  'cert.revoked': ['critical', 'them', ['host', 'element', 'subject', 'revokedAt', 'reason', 'method', 'url']],
  'cert.crl-unreachable': ['warning', 'either', ['host', 'subject', 'url', 'detail']],
  'cert.ocsp-unreachable': ['warning', 'either', ['host', 'subject', 'url', 'detail']],
  'cert.crl-stale': ['warning', 'them', ['host', 'subject', 'url', 'nextUpdate']],
  'cert.no-revocation-info': ['info', 'them', ['host', 'element', 'subject']],
  'cert.must-staple-missing': ['info', 'them', ['host', 'subject']],
  'cert.cn-only': ['warning', 'them', ['host', 'commonName']],
  'cert.validity-too-long': ['info', 'them', ['host', 'subject', 'notBefore', 'notAfter', 'days', 'maxDays']],
  'cert.client-auth-ending': ['info', 'them', ['host', 'subject', 'notAfter']],
  'cert.no-scts': ['info', 'them', ['host', 'subject']],
  'cert.thumbprint-mismatch': ['error', 'them', ['host', 'expected', 'actual']],
  'cert.ok': ['ok', 'them', ['host', 'subject', 'issuer', 'notAfter']],
  'policy.requires-tls': ['info', 'them', ['host', 'stage', 'reply']],
  'policy.cleartext-accepted': ['info', 'them', ['host', 'stage']],
};

const PLACEHOLDER = /\{([a-zA-Z0-9_]+)\}/g;

/** The texts fillTemplate is applied to. */
function filledTexts(e: KbEntry): string[] {
  return [e.title, e.detail, e.opportunistic, e.verifying, e.remediation.summary, ...e.remediation.steps];
}

/** The per-MTA texts, shown as written. */
function mtaTexts(e: KbEntry): string[] {
  return [...(e.remediation.exchange ?? []), ...(e.remediation.postfix ?? []), ...(e.remediation.exim ?? [])];
}

function placeholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}

/** A plausible value for every fact, so filled texts can be checked. */
function sampleFacts(e: KbEntry): Record<string, string | number> {
  return Object.fromEntries(e.facts.map((name, i) => [name, `<${name}-${i}>`]));
}

describe('the finding catalogue', () => {
  it('is what allEntries returns', () => {
    expect(allEntries()).toBe(CATALOGUE);
  });

  it('has unique, well-formed ids', () => {
    const ids = CATALOGUE.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/);
  });

  it('holds every id of the contract, with its severity, actor and facts', () => {
    for (const [id, [severity, actor, facts]] of Object.entries(SPEC)) {
      const e = kbEntry(id);
      expect({ id, severity: e.severity, actor: e.actor }).toEqual({ id, severity, actor });
      expect([...e.facts].sort(), id).toEqual([...facts].sort());
    }
  });

  it('gives host-level findings the host fact and domain-level ones none', () => {
    for (const e of CATALOGUE) {
      // Block list findings are about addresses and lists, TLS-RPT reports about what senders reported, MTA-STS and
      // TLS-RPT records about the domain's policies, a message's header about its hops, the sender test about the one sending client, logs and captures about many sessions: none is about one probed SMTP host (the MX names they concern are in their own facts).
      // DANE: the records and their DNSSEC status belong to an MX host name (all its addresses alike); the
      // matching of certificates, to one probed address.
      const daneOfAddress = ['dane.no-match', 'dane.no-tls', 'dane.ta-not-in-chain', 'dane.ta-name-mismatch', 'dane.not-tested'];
      const domainLevel =
        (e.id.startsWith('dane.') && !daneOfAddress.includes(e.id)) ||
        e.id.startsWith('dns.') || e.id.startsWith('headers.') || e.id.startsWith('sender.') || e.id.startsWith('logs.') || e.id.startsWith('pcap.') || e.id.startsWith('dnsbl.') || e.id.startsWith('mta-sts.') || e.id.startsWith('tls-rpt.') || e.id === 'net.all-unreachable' || e.id === 'delivery.untested-hosts' || TLS_RPT_REPORT_FINDINGS.some((r) => r.id === e.id);
      expect(e.facts.includes('host'), e.id).toBe(!domainLevel);
    }
  });

  it('uses only listed facts as placeholders, and none in the per-MTA texts', () => {
    for (const e of CATALOGUE) {
      expect(new Set(e.facts).size, e.id).toBe(e.facts.length);
      for (const text of filledTexts(e)) {
        for (const name of placeholders(text)) expect(e.facts, `${e.id}: {${name}}`).toContain(name);
      }
      for (const text of mtaTexts(e)) expect(placeholders(text), `${e.id}: ${text}`).toEqual([]);
    }
  });

  it('mentions every listed fact somewhere', () => {
    for (const e of CATALOGUE) {
      const used = new Set(filledTexts(e).flatMap(placeholders));
      for (const name of e.facts) expect(used.has(name), `${e.id} never uses {${name}}`).toBe(true);
    }
  });

  it('has one-line titles and no empty texts', () => {
    for (const e of CATALOGUE) {
      expect(e.title, e.id).not.toMatch(/[\r\n]/);
      for (const text of [...filledTexts(e), ...mtaTexts(e), ...e.refs]) {
        expect(text.trim().length, e.id).toBeGreaterThan(0);
        expect(text, e.id).toBe(text.trim());
      }
    }
  });

  it('tells what to do and what senders do for every problem', () => {
    for (const e of CATALOGUE.filter((x) => x.severity !== 'ok')) {
      expect(e.remediation.summary.length, e.id).toBeGreaterThan(0);
      expect(e.remediation.steps.length, e.id).toBeGreaterThan(0);
      expect(e.opportunistic.length, e.id).toBeGreaterThan(0);
      expect(e.verifying.length, e.id).toBeGreaterThan(0);
      expect(e.refs.length, e.id).toBeGreaterThan(0);
    }
  });

  it('keeps ok entries ok', () => {
    expect(CATALOGUE.filter((e) => e.severity === 'ok').map((e) => e.id).sort()).toEqual([
      'cert.key-matches',
      'cert.ok',
      'cert.tlsa-match',
      'dane.ok',
      'dnsbl.not-listed',
      'headers.all-protected',
      'headers.no-internet-hop',
      'logs.all-tls',
      'mta-sts.ok',
      'pcap.all-tls',
      'policy.cleartext-auth-refused',
      'policy.tls-enforced',
      'send.delivered',
      'sender.client-cert-ok',
      'sender.requiretls-used',
      'sender.spf-pass',
      'sender.tls-ok',
      'tls-rpt.all-successful',
      'tls-rpt.ok',
      'tls.ok',
    ]);
  });

  it('writes RFC references as "RFC <number>" with an optional section', () => {
    for (const e of CATALOGUE) {
      for (const ref of e.refs.filter((r) => r.startsWith('RFC'))) expect(ref, e.id).toMatch(/^RFC \d{3,4}( §\d+(\.\d+)*)?$/);
    }
  });
});

describe('makeFinding over the catalogue', () => {
  it('fills every placeholder of every entry from the facts', () => {
    for (const e of CATALOGUE) {
      const facts = sampleFacts(e);
      const f = makeFinding(e.id, facts, [1, 2], ['mx1.example.com[192.0.2.1]:25']);
      const texts = [f.title, f.detail, f.opportunistic, f.verifying, f.remediation.summary, ...f.remediation.steps];
      for (const text of texts) expect(placeholders(text), `${e.id}: ${text}`).toEqual([]);
      for (const [name, value] of Object.entries(facts)) {
        if (filledTexts(e).some((t) => t.includes(`{${name}}`))) expect(texts.join('\n'), e.id).toContain(String(value));
      }
      expect(f.severity).toBe(e.severity);
      expect(f.actor).toBe(e.actor);
      expect(f.facts).toEqual(facts);
    }
  });

  it('builds a readable certificate finding', () => {
    const f = makeFinding(
      'cert.expired',
      { host: 'mx1.example.com[192.0.2.1]:25', subject: 'mx1.example.com', notAfter: '2026-01-01T00:00:00Z', daysAgo: 3 },
      [7],
      ['mx1.example.com[192.0.2.1]:25'],
    );
    expect(f.title).toBe('The certificate of mx1.example.com[192.0.2.1]:25 expired 3 days ago');
    expect(f.detail).toContain('valid until 2026-01-01T00:00:00Z');
    expect(f.evidence).toEqual([7]);
    expect(f.hosts).toEqual(['mx1.example.com[192.0.2.1]:25']);
    expect(f.remediation.exchange?.some((s) => s.includes('Enable-ExchangeCertificate'))).toBe(true);
  });

  it('says "unknown" for a missing fact rather than leaving a placeholder', () => {
    const f = makeFinding('dns.servfail', { domain: 'example.com' });
    expect(f.detail).toContain('(unknown)');
    expect(fillTemplate('{nothing}', {})).toBe('unknown');
  });

  it('refuses an id that is not in the catalogue', () => {
    // The type allows catalogue ids only; a caller without types (JavaScript, a saved report) is still refused.
    expect(() => makeFinding('no.such-finding' as FindingId)).toThrow(/not in the catalogue/);
  });
});

describe('sortFindings', () => {
  it('puts the worst first and orders equals by id, in code-unit order, without changing its input', () => {
    const input = [
      makeFinding('dns.mx-cname', { mx: 'a', cname: 'b' }), // warning
      makeFinding('tls.sni-required', { host: 'h', error: 'e' }), // error
      makeFinding('dns.null-mx', { domain: 'd' }), // info
      makeFinding('net.all-unreachable', { domain: 'd', count: 1, port: 25, sourceAddress: 's' }), // critical
      makeFinding('dns.servfail', { domain: 'd', resolver: 'r' }), // error
      makeFinding('net.connect-refused', { host: 'h' }), // error
    ];
    const before = input.map((f) => f.id);
    expect(sortFindings(input).map((f) => f.id)).toEqual([
      'net.all-unreachable',
      'dns.servfail',
      'net.connect-refused',
      'tls.sni-required',
      'dns.mx-cname',
      'dns.null-mx',
    ]);
    expect(input.map((f) => f.id)).toEqual(before);
    // Equal ids keep a stable, total order (the comparator answers 0, not -1, for equals).
    const same = [makeFinding('net.connect-refused', { host: 'b' }), makeFinding('net.connect-refused', { host: 'a' })];
    expect(sortFindings(same).map((f) => f.facts['host'])).toEqual(['b', 'a']);
  });
});
