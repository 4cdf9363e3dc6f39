// The error-text rules (kb/error-rules.ts) and their engine (kb/explain-text.ts): each rule's own
// sample texts recognised by it, with the confirming command naming what the text names; no sample
// claimed by two rules that mean different things; every finding a rule points to in the catalogue;
// the prefilter never hides a rule from a line it matches; hostile lines end.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERROR_RULES } from '../../../src/kb/error-rules.js';
import { explainLine, mayMatch } from '../../../src/kb/explain-text.js';
import { allEntries } from '../../../src/kb/index.js';

const ids = (text: string) => explainLine(text).matches.map((m) => m.rule.id);

describe('the error-text rules', () => {
  it('have unique ids, keywords in lower case, and at least one sample, pattern, cause, fix and reference', () => {
    expect(new Set(ERROR_RULES.map((r) => r.id)).size).toBe(ERROR_RULES.length);
    for (const r of ERROR_RULES) {
      expect(r.samples.length, r.id).toBeGreaterThan(0);
      expect(r.patterns.length, r.id).toBeGreaterThan(0);
      expect(r.causes.length, r.id).toBeGreaterThan(0);
      expect(Object.keys(r.fixes).length, r.id).toBeGreaterThan(0);
      expect(r.refs.length, r.id).toBeGreaterThan(0);
      for (const k of r.keywords) expect(k, r.id).toBe(k.toLowerCase());
    }
  });

  it('supersede only rules that exist, never themselves', () => {
    const ids = new Set(ERROR_RULES.map((r) => r.id));
    for (const r of ERROR_RULES) for (const id of r.supersedes ?? []) expect(ids.has(id) && id !== r.id, `${r.id} supersedes ${id}`).toBe(true);
  });

  it('point only to findings the catalogue has', () => {
    const known = new Set(allEntries().map((e) => e.id));
    for (const r of ERROR_RULES) for (const c of r.causes) for (const f of c.findings) expect(known.has(f), `${r.id} → ${f}`).toBe(true);
  });

  it('each recognise their own samples (through the prefilter, as a log is read)', () => {
    for (const r of ERROR_RULES) {
      for (const sample of r.samples) {
        expect(mayMatch(sample), `${r.id}: ${sample}`).toBe(true);
        expect(ids(sample), `${r.id}: ${sample}`).toContain(r.id);
      }
    }
  });

  it('never let two rules claim the same sample with different meanings (a library’s reason beside the message quoting it is one more layer, not a second meaning)', () => {
    for (const r of ERROR_RULES) {
      for (const sample of r.samples) {
        const matches = explainLine(sample).matches;
        for (const layer of [true, false]) {
          const meanings = new Set(matches.filter((m) => (m.rule.reason === true) === layer).map((m) => m.rule.meaning));
          expect(meanings.size, `${r.id}: ${sample} → ${ids(sample).join(', ')}`).toBeLessThanOrEqual(1);
        }
      }
    }
  });

  it('a Postfix line quoting OpenSSL’s reason: the Postfix rule and the reason rule, one of each', () => {
    const e = explainLine('certificate verification failed for mx.example.com[192.0.2.25]:25: num=18:self-signed certificate');
    expect(e.matches.map((m) => [m.rule.id, m.rule.reason === true])).toEqual([
      ['postfix.certificate-verification-failed', false],
      ['openssl.self-signed', true],
    ]);
    expect(e.matches[0]?.captures).toMatchObject({ host: 'mx.example.com', ip: '192.0.2.25', num: '18' });
    // The reason names no host itself: the message's host fills its command too.
    expect(e.matches.map((m) => m.confirm)).toEqual(['mxray cert mx.example.com', 'mxray cert mx.example.com']);
  });
});

describe('explainLine', () => {
  it('Postfix at encrypt against a server without STARTTLS: the rule, and the command names the host from the line', () => {
    const e = explainLine('warning: TLS is required, but was not offered by host mx.partner.example[192.0.2.25]');
    expect(e.matches.map((m) => [m.rule.id, m.captures.host, m.captures.ip, m.confirm])).toEqual([
      ['postfix.tls-required-not-offered', 'mx.partner.example', '192.0.2.25', 'mxray check mx.partner.example'],
    ]);
    expect(e.matches[0]?.rule.fault).toBe('either');
  });

  it('Exchange’s wrapped 451 5.7.3: the status codes decoded, the innermost the root, the rule says either side may be at fault', () => {
    const e = explainLine('451 4.4.0 Primary target IP address responded with: "451 5.7.3 STARTTLS is required to send mail."');
    expect(e.root?.enhanced?.code).toBe('5.7.3');
    expect(e.matches.map((m) => m.rule.id)).toEqual(['exchange.starttls-required']);
    // Nothing captured names a domain: the placeholder stays for the user to fill.
    expect(e.matches[0]?.confirm).toBe('mxray check {domain} --dnsbl');
  });

  it('Exchange’s certificate validation status: the domain from the text, and the status captured', () => {
    const e = explainLine("could not be established because the validation of the Transport Layer Security (TLS) certificate for partner.example failed with status 'RevocationOffline'");
    expect(e.matches.map((m) => [m.rule.id, m.captures.status, m.confirm])).toEqual([
      ['exchange.certificate-validation-failed', 'RevocationOffline', 'mxray cert partner.example --profile exchange-server'],
      ['exchange.status-revocation-offline', undefined, 'mxray cert partner.example --profile exchange-online --profile exchange-server'],
    ]);
  });

  it('Exchange event 12014: the FQDN without a certificate, and the command to look at it', () => {
    const e = explainLine("Microsoft Exchange couldn't find a certificate that contains the domain name mail.contoso.com in the personal store on the local computer.");
    expect(e.matches.map((m) => [m.rule.id, m.captures.host, m.confirm])).toEqual([['exchange.event-12014', 'mail.contoso.com', 'mxray check mail.contoso.com']]);
  });

  it('a text no rule knows: no match, still every code decoded', () => {
    const e = explainLine('554 5.7.1 <x@example.org>: Relay access denied');
    expect(e.matches).toEqual([]);
    expect(e.statuses.map((s) => [s.reply, s.enhanced?.detailSummary])).toEqual([[554, 'Delivery not authorized, message refused']]);
    expect(mayMatch('554 5.7.1 <x@example.org>: Relay access denied')).toBe(false);
  });

  it('a captured name that is not a plain host name is not put into the command', () => {
    const e = explainLine('TLS is required, but was not offered by host mx.example.com[192.0.2.1]');
    expect(e.matches[0]?.confirm).toBe('mxray check mx.example.com');
  });

  it('hostile lines end, and random text never throws', () => {
    const hostile = [
      `TLS error on connection to ${'a'.repeat(20_000)}`,
      `TLS is required, but was not offered by host ${'a.'.repeat(8000)}`,
      `certificate verification failed for ${'x'.repeat(10_000)}[`,
      `250-${'X'.repeat(20_000)}`,
      "validation of the Transport Layer Security (TLS) certificate for " + 'a-'.repeat(9000),
    ];
    for (const h of hostile) expect(Array.isArray(explainLine(h).matches)).toBe(true);
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), fc.constantFrom(...ERROR_RULES.flatMap((r) => r.samples)), (noise, sample) => {
        const e = explainLine(`${noise}${sample}${noise}`);
        return Array.isArray(e.matches) && e.text.length <= 16 * 1024;
      }),
      { numRuns: 200 },
    );
  });
});
