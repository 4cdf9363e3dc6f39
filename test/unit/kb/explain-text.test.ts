// The engine of kb/explain-text.ts beyond single rules: the keyword scanner finds every rule whose
// keyword a line holds (overlapping and nested keywords included) and no other; a reply whose class
// its enhanced code contradicts is flagged; the recipient's domain a line names, or the domain its
// surroundings name, fills a command's {domain}; a sender's address never does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { explainLine, keywordScanner, mayMatch } from '../../../src/kb/explain-text.js';
import { findStatuses, rootStatus } from '../../../src/kb/find-statuses.js';

describe('keywordScanner', () => {
  it('finds rules by keywords that overlap, nest, or share a start, and only those', () => {
    const s = keywordScanner([['abc'], ['bcd'], ['ab'], ['cd'], ['zz'], ['abcde', 'q']], { warmAfter: 0 });
    expect(s.candidates('xxabcdyy')).toEqual([0, 1, 2, 3]);
    expect(s.candidates('abcde')).toEqual([0, 1, 2, 3, 5]);
    expect(s.candidates('q')).toEqual([5]);
    expect(s.candidates('nothing here')).toEqual([]);
    expect(s.test('xx zz')).toBe(true);
    expect(s.test('z z')).toBe(false);
  });

  it('escapes keywords (a dot or bracket is a literal) and answers nothing for no keywords', () => {
    const s = keywordScanner([['a.c'], ['[x]']], { warmAfter: 0 });
    expect(s.candidates('abc')).toEqual([]);
    expect(s.candidates('a.c [x]')).toEqual([0, 1]);
    expect(keywordScanner([]).test('anything')).toBe(false);
  });

  it('agrees with a plain "includes" on random texts, looked up keyword by keyword (the first lines) and by the alternation (a log)', () => {
    const alphabet = fc.constantFrom('a', 'b', 'c', ' ');
    fc.assert(
      fc.property(fc.array(fc.array(fc.string({ unit: alphabet, minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 8 }), fc.string({ unit: alphabet, maxLength: 40 }), (lists, text) => {
        const expected = lists.flatMap((l, i) => (l.some((k) => text.includes(k)) ? [i] : []));
        for (const warmAfter of [0, Infinity]) {
          const s = keywordScanner(lists, { warmAfter });
          expect(s.candidates(text)).toEqual(expected);
          expect(s.test(text)).toBe(expected.length > 0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('moves from the keyword-by-keyword lookup to the alternation after the first lines, with the same answers', () => {
    const s = keywordScanner([['abc'], ['bcd'], ['ab']], { warmAfter: 2 });
    const answers = Array.from({ length: 6 }, () => s.candidates('xabcdx'));
    expect(answers).toEqual(Array.from({ length: 6 }, () => [0, 1, 2]));
  });
});

describe('reply and enhanced classes', () => {
  it('451 5.7.3 disagrees, 550 5.7.1 and 454 4.7.0 agree, an enhanced code alone never disagrees', () => {
    expect(findStatuses('451 5.7.3 STARTTLS is required to send mail').map((s) => s.mismatch)).toEqual([true]);
    expect(findStatuses('550 5.7.1 denied').map((s) => s.mismatch)).toEqual([false]);
    expect(findStatuses('454 4.7.0 TLS not available').map((s) => s.mismatch)).toEqual([false]);
    expect(findStatuses('Status: 5.7.3').map((s) => s.mismatch)).toEqual([false]);
    expect(findStatuses('250 4.0.0 odd').map((s) => s.mismatch)).toEqual([true]);
  });
});

describe('what fills {host}', () => {
  it('a peer named "unknown" (no reverse DNS, as Postfix writes it) is named by its address', () => {
    const e = explainLine('TLS is required, but was not offered by host unknown[198.51.100.7]');
    expect(e.matches[0]?.captures).toEqual({ ip: '198.51.100.7' });
    expect(e.matches[0]?.confirm).toBe('mxray check 198.51.100.7');
  });
});

describe('what fills {domain}', () => {
  const line = 'warning: TLS is required, but was not offered by host mx.partner.example[192.0.2.25]';
  it('a rule’s own capture comes first', () => {
    expect(explainLine(`${line} to=<ann@other.example>`).matches[0]?.confirm).toBe('mxray check mx.partner.example');
  });

  it('the recipient of a Postfix line (to=<…>), never the sender (from=<…>)', () => {
    const text = '451 5.7.3 STARTTLS is required to send mail from=<me@sender.example> to=<ann@partner.example>';
    expect(explainLine(text).matches.map((m) => m.confirm)).toContain('mxray check partner.example --dnsbl');
    const onlySender = '451 5.7.3 STARTTLS is required to send mail from=<me@sender.example>';
    expect(explainLine(onlySender).matches.map((m) => m.confirm)).toContain('mxray check {domain} --dnsbl');
  });

  it('the one domain of the addresses a line names; two different domains fill nothing', () => {
    expect(explainLine('ann@partner.example: 451 5.7.3 STARTTLS is required to send mail').matches.map((m) => m.confirm)).toContain('mxray check partner.example --dnsbl');
    expect(explainLine('ann@a.example bob@b.example 451 5.7.3 STARTTLS is required to send mail').matches.map((m) => m.confirm)).toContain('mxray check {domain} --dnsbl');
  });

  it('what the surroundings name (a bounce’s recipient) when the line names nothing', () => {
    const e = explainLine('451 5.7.3 STARTTLS is required to send mail', { domain: 'partner.example' });
    expect(e.matches.map((m) => m.confirm)).toContain('mxray check partner.example --dnsbl');
    // …but never over what the line itself names.
    expect(explainLine(line, { domain: 'elsewhere.example', host: 'other.example' }).matches[0]?.confirm).toBe('mxray check mx.partner.example');
  });

  it('hostile addresses end and are never put into a command', () => {
    const text = `451 5.7.3 STARTTLS is required ${'a'.repeat(5000)}@${'b.'.repeat(4000)} ${'x@'.repeat(3000)}`;
    for (const m of explainLine(text).matches) expect(m.confirm).toMatch(/^mxray check (\{domain\}|[a-z.]{1,253}) --dnsbl$/);
  });
});

describe('the words after a code', () => {
  it('end at a quote, a closing bracket, or the " [" of Exchange’s bracketed details', () => {
    expect(findStatuses('550 5.7.3 STARTTLS is required to send mail [LastAttemptedServerName=mx.partner.example]')[0]?.words).toBe('STARTTLS is required to send mail');
    expect(findStatuses('responded with: "451 5.7.3 STARTTLS is required." Attempted')[0]?.words).toBe('STARTTLS is required.');
    expect(findStatuses('550 5.1.1 <a@b.example>: Recipient address rejected')[0]?.words).toBe('<a@b.example>: Recipient address rejected');
  });
});

describe('what is a code and what is only a number', () => {
  const codes = (t: string) => findStatuses(t).map((s) => [s.reply, s.enhanced?.code ?? null]);
  it('numbers after "=" or ":" and version numbers are not codes', () => {
    expect(codes('2026-11-29 10:00:00 1vX <= a@b.example H=x [192.0.2.1] P=esmtps X=TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=no S=345')).toEqual([]);
    expect(codes('Exim 4.97.1 daemon started')).toEqual([]);
    expect(codes('Dovecot 2.3.21 starting up')).toEqual([]);
  });
  it('replies after ";" (a DSN), "," (a CSV protocol log) and Exchange’s "Message="; statuses after dsn= and Status:', () => {
    expect(codes('Diagnostic-Code: smtp;550 5.7.1 denied')).toEqual([[550, '5.7.1']]);
    expect(codes('2026-11-29T10:00:00.000Z,SMTPSEND,08D,1,<,550 5.7.1 denied')).toEqual([[550, '5.7.1']]);
    expect(codes('[Message=451 5.7.3 STARTTLS is required to send mail]')).toEqual([[451, '5.7.3']]);
    expect(codes('to=<a@b.example>, dsn=4.7.5, status=deferred')).toEqual([[null, '4.7.5']]);
    expect(codes('dsn=2.0.0, status=sent')).toEqual([[null, '2.0.0']]);
    expect(codes('Status: 2.0.0')).toEqual([[null, '2.0.0']]);
    expect(findStatuses('to=<a@b.example>, dsn=4.7.5, status=deferred (TLS is required)')[0]?.words).toBe('status=deferred (TLS is required)');
  });
});

describe('ordinary lines that only look like TLS errors', () => {
  it('are not claimed', () => {
    for (const t of ['dovecot: auth: pam(bob,192.0.2.1): Password mismatch; reason: expired password', 'sshd[1]: session closed, reason: revoked key']) expect(explainLine(t).matches.map((m) => m.rule.id), t).toEqual([]);
  });
  it('a client’s certificate refused by a Postfix server is the client’s, and the command never names the client host as the server', () => {
    const e = explainLine('Nov 29 10:00:01 mx postfix/smtpd[1234]: client certificate verification failed for mail.client.example[198.51.100.7]: num=18:self-signed certificate');
    expect(e.matches.map((m) => m.rule.id)).toEqual(['postfix.client-certificate-verification-failed', 'openssl.self-signed']);
    expect(e.matches[0]?.rule.fault).toBe('sender');
    for (const m of e.matches) expect(m.confirm).not.toContain('mail.client.example');
  });
  it('an Exchange event id in an Event Viewer CSV export is recognised', () => {
    expect(explainLine('Error,29.11.2026 10:00:00,MSExchangeFrontEndTransport,12014,TransportService,"Microsoft Exchange could not find a certificate"').matches.map((m) => m.rule.id)).toContain('exchange.event-12014');
  });
});

describe('the engine’s edges (what the mutation run found untested)', () => {
  it('a text is looked at up to 16 KiB: a keyword past it is not seen, and the text kept is capped', () => {
    const far = `${'y'.repeat(16 * 1024)} TLS is required, but was not offered by host mx.p.example[192.0.2.1]`;
    expect(mayMatch(far)).toBe(false);
    const e = explainLine(far);
    expect(e.text).toHaveLength(16 * 1024);
    expect(e.matches).toEqual([]);
  });

  it('a capture is kept to 253 characters', () => {
    const e = explainLine(`warning: TLS library problem: ${'e'.repeat(290)}`);
    expect(e.matches[0]?.rule.id).toBe('postfix.tls-library-problem');
    expect(e.matches[0]?.captures.why).toHaveLength(253);
  });

  it('what surrounds a line is put into a command only when it is a plain name', () => {
    const text = '451 5.7.3 STARTTLS is required to send mail';
    expect(explainLine(text, { domain: 'partner.example;rm -rf /' }).matches[0]?.confirm).toBe('mxray check {domain} --dnsbl');
    expect(explainLine(text, { domain: 'x partner.example' }).matches[0]?.confirm).toBe('mxray check {domain} --dnsbl');
    expect(explainLine(text, { domain: 'partner.example.' }).matches[0]?.confirm).toBe('mxray check partner.example --dnsbl');
  });

  it('the recipient marked as such wins over other addresses of the line', () => {
    const e = explainLine('451 5.7.3 STARTTLS is required to send mail to=<ann@partner.example>, orig_to=<bob@other.example>');
    expect(e.matches[0]?.confirm).toBe('mxray check partner.example --dnsbl');
  });

  it('one rule needing {domain} is enough to look for the recipient’s domain, whatever the other rules need', () => {
    const e = explainLine('to=<ann@partner.example> 451 5.7.3 STARTTLS is required to send mail; Cert NOT VALIDATED: self-signed certificate');
    expect(e.matches.map((m) => [m.rule.id, m.confirm])).toEqual([
      ['exchange.starttls-required', 'mxray check partner.example --dnsbl'],
      ['openssl.self-signed', 'mxray cert partner.example'],
    ]);
  });

  it('a host another rule of the line captured fills a rule that captured none', () => {
    const e = explainLine('530 5.7.0 Must issue a STARTTLS command first; TLS is required, but was not offered by host mx.p.example[192.0.2.1]');
    const general = e.matches.find((m) => m.rule.id === 'smtp.starttls-required');
    expect(general?.confirm).toContain('mx.p.example');
  });

  it('the server that answered (a bounce’s remote MTA) fills a receiver rule’s {host}; {ip} is only ever an address', () => {
    expect(explainLine('Cert NOT VALIDATED: self-signed certificate', { host: 'mx.partner.example' }).matches[0]?.confirm).toBe('mxray cert mx.partner.example');
    const e = explainLine('no MAIL in SMTP connection from c.example [198.51.100.7]:40312 I=[192.0.2.25]:25 D=2s C=EHLO,STARTTLS', { host: 'mx.partner.example' });
    expect(e.matches[0]?.confirm).toBe('mxray check 192.0.2.25');
  });
});

describe('statuses: bounds and the root', () => {
  it('the words after a code are kept to 300 characters', () => {
    expect(findStatuses(`550 5.7.1 ${'w'.repeat(400)}`)[0]?.words).toHaveLength(300);
  });
  it('at most 32 codes are kept from one text', () => {
    expect(findStatuses(Array.from({ length: 40 }, () => '550 5.7.1 no').join(' '))).toHaveLength(32);
  });
  it('the root is the last code with an enhanced status, else the last reply, else none', () => {
    expect(rootStatus(findStatuses('451 4.4.0 x "550 5.7.1 y" 421 z'))?.enhanced?.code).toBe('5.7.1');
    expect(rootStatus(findStatuses('421 first 454 second'))?.reply).toBe(454);
    expect(rootStatus(findStatuses('no code here'))).toBeNull();
  });
});

describe('the words after a code, in a receiver’s own brackets', () => {
  it('run on over a bracketed word of the text; only "[Name=" details end them', () => {
    expect(findStatuses('550 5.7.509 Access denied, sending domain [EXAMPLE.JP] does not pass DMARC verification')[0]?.words).toBe('Access denied, sending domain [EXAMPLE.JP] does not pass DMARC verification');
  });
});

describe('the engine’s edges, second round (the mutation run’s survivors)', () => {
  it('no keywords: nothing is a candidate, by either lookup', () => {
    for (const warmAfter of [0, Infinity]) {
      expect(keywordScanner([], { warmAfter }).test('x')).toBe(false);
      expect(keywordScanner([], { warmAfter }).candidates('x')).toEqual([]);
    }
  });

  it('a host, a domain or an address alone, captured by one rule, fills another rule of the line', () => {
    const host = explainLine('451 5.7.3 STARTTLS is required to send mail; Microsoft Exchange could not find a certificate that contains the domain name mail.contoso.example in the personal store');
    expect(host.matches.find((m) => m.rule.id === 'exchange.starttls-required')?.confirm).toBe('mxray check mail.contoso.example --dnsbl');
    const domain = explainLine("Cert NOT VALIDATED: self-signed certificate; the validation of the Transport Layer Security (TLS) certificate for partner.example failed with status 'UntrustedRoot'");
    expect(domain.matches.find((m) => m.rule.id === 'openssl.self-signed')?.confirm).toBe('mxray cert partner.example');
    const ip = explainLine('Cert NOT VALIDATED: self-signed certificate; no MAIL in SMTP connection from c.example [198.51.100.7]:40312 I=[192.0.2.25]:25 D=2s C=EHLO,STARTTLS');
    expect(ip.matches.find((m) => m.rule.id === 'openssl.self-signed')?.confirm).toBe('mxray cert 192.0.2.25');
  });

  it('the recipient’s domain a line names fills a {host} no rule of the line captured', () => {
    expect(explainLine('to=<ann@partner.example>, Cert NOT VALIDATED: self-signed certificate').matches[0]?.confirm).toBe('mxray cert partner.example');
  });

  it('brackets inside a code’s words: nested ones stay, one opened without a space stays, a stray closing one ends them; a quote or a line end ends them; the code’s own punctuation goes', () => {
    const words = (t: string) => findStatuses(t)[0]?.words;
    expect(words('550 5.7.1 denied [a [b] c] more')).toBe('denied [a [b] c] more');
    expect(words('550 5.7.1 denied[Name=x] more')).toBe('denied[Name=x] more');
    expect(words('550 5.7.1 denied] after')).toBe('denied');
    expect(words('550 5.7.1 denied" after')).toBe('denied');
    expect(words('550 5.7.1 denied\rafter')).toBe('denied');
    expect(words('Status: 5.7.1;; denied')).toBe('denied');
  });

  it('an enhanced code of class 4 or 5 needs no field before it; one of class 2 does', () => {
    expect(findStatuses('(5.7.1) denied').map((s) => s.enhanced?.code)).toEqual(['5.7.1']);
    expect(findStatuses('(2.0.0) fine').map((s) => s.enhanced?.code)).toEqual([]);
  });
});
