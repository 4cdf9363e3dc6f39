// Which mail software answers, from its greeting, EHLO reply, host name and keywords. The dialogues
// below are written here in the dialects each product speaks (names and addresses are examples).
import { describe, expect, it } from 'vitest';
import { softwareOf } from '../../../src/checks/host.js';
import { identifySoftware, MAX_TEXT, type SoftwareInput, type SoftwareMatch } from '../../../src/checks/software.js';
import { SOFTWARE } from '../../../src/kb/software.js';

const identify = (over: Partial<SoftwareInput>) => identifySoftware({ banner: null, ehloText: null, host: null, extensions: [], ...over });
/** id and confidence only. */
const short = (m: SoftwareMatch | null) => m && `${m.id}/${m.confidence}`;

const EXCHANGE_2019_EHLO = ['SIZE 37748736', 'PIPELINING', 'DSN', 'ENHANCEDSTATUSCODES', 'STARTTLS', 'X-ANONYMOUSTLS', 'AUTH NTLM', 'X-EXPS GSSAPI NTLM', '8BITMIME', 'BINARYMIME', 'CHUNKING', 'XRDST', 'SMTPUTF8'];
const EXO_EHLO = ['SIZE 157286400', 'PIPELINING', 'DSN', 'ENHANCEDSTATUSCODES', 'STARTTLS', '8BITMIME', 'BINARYMIME', 'CHUNKING', 'SMTPUTF8'];
const POSTFIX_EHLO = ['PIPELINING', 'SIZE 52428800', 'VRFY', 'ETRN', 'STARTTLS', 'ENHANCEDSTATUSCODES', '8BITMIME', 'DSN', 'SMTPUTF8', 'CHUNKING'];
const EXIM_EHLO = ['SIZE 52428800', '8BITMIME', 'PIPELINING', 'PIPE_CONNECT', 'CHUNKING', 'STARTTLS', 'PRDR', 'HELP'];
const SENDMAIL_EHLO = ['ENHANCEDSTATUSCODES', 'PIPELINING', 'EXPN', 'VERB', '8BITMIME', 'SIZE', 'DSN', 'ETRN', 'STARTTLS', 'DELIVERBY', 'HELP'];
const OPENSMTPD_EHLO = ['8BITMIME', 'ENHANCEDSTATUSCODES', 'SIZE 36700160', 'DSN', 'STARTTLS', 'HELP'];
const GMAIL_EHLO = ['SIZE 157286400', '8BITMIME', 'STARTTLS', 'ENHANCEDSTATUSCODES', 'PIPELINING', 'CHUNKING', 'SMTPUTF8'];
const IIS_EHLO = ['TURN', 'SIZE 2097152', 'ETRN', 'PIPELINING', 'DSN', 'ENHANCEDSTATUSCODES', '8bitmime', 'BINARYMIME', 'CHUNKING', 'VRFY', 'TLS', 'STARTTLS', 'OK'];

describe('identifySoftware: one product at a time', () => {
  it('Exchange Server: its banner, its keywords, either alone', () => {
    expect(
      identify({
        banner: 'mail.contoso-lab.example Microsoft ESMTP MAIL Service ready at Tue, 4 Jun 2024 09:12:44 +0200',
        ehloText: 'Hello [198.51.100.23]',
        extensions: EXCHANGE_2019_EHLO,
      }),
    ).toEqual({ id: 'exchange', name: 'Microsoft Exchange', remediationKey: 'exchange', confidence: 'high', evidence: 'banner says "Microsoft ESMTP MAIL Service ready at"' });
    // The banner replaced by the admin: Exchange 2010's keywords still say it.
    expect(identify({ banner: '220 mail.contoso-lab.example ESMTP ready', extensions: ['SIZE', 'PIPELINING', 'STARTTLS', 'X-ANONYMOUSTLS', 'X-EXPS', 'XEXCH50', 'XSHADOW'] })).toMatchObject({
      id: 'exchange',
      confidence: 'high',
      evidence: 'EHLO offers X-ANONYMOUSTLS, X-EXPS, XEXCH50, XSHADOW',
    });
    // One Exchange keyword alone is a medium hint.
    expect(short(identify({ banner: 'relay.example.org ESMTP', extensions: ['SIZE', 'STARTTLS', 'XRDST'] }))).toBe('exchange/medium');
  });

  it('Exchange 2003 kept the IIS banner: its keywords make it Exchange, not bare IIS', () => {
    expect(
      identify({
        banner: 'owa.example.org Microsoft ESMTP MAIL Service, Version: 6.0.3790.4675 ready at  Mon, 3 Jun 2024 08:01:02 +0100',
        ehloText: 'Hello [198.51.100.23]',
        extensions: ['TURN', 'ATRN', 'SIZE', 'ETRN', 'PIPELINING', 'DSN', 'ENHANCEDSTATUSCODES', '8bitmime', 'BINARYMIME', 'CHUNKING', 'VRFY', 'X-EXPS GSSAPI NTLM LOGIN', 'X-EXPS=LOGIN', 'AUTH GSSAPI NTLM LOGIN', 'AUTH=LOGIN', 'X-LINK2STATE', 'XEXCH50', 'OK'],
      }),
    ).toMatchObject({ id: 'exchange', confidence: 'high', remediationKey: 'exchange' });
  });

  it('Exchange Online: its host names, in the MX or in the banner, win over the Exchange banner', () => {
    const banner = 'BL02EPF0001A0F1.mail.protection.outlook.com Microsoft ESMTP MAIL Service ready at Wed, 5 Jun 2024 07:40:11 +0000';
    const expected = { id: 'exchange-online', name: 'Exchange Online Protection (Microsoft 365)', remediationKey: 'exchange', confidence: 'high' };
    expect(identify({ banner, ehloText: 'Hello [198.51.100.23]', host: 'contoso-com.mail.protection.outlook.com', extensions: EXO_EHLO })).toEqual({
      ...expected,
      evidence: 'host name "contoso-com.mail.protection.outlook.com"',
    });
    expect(identify({ banner, extensions: EXO_EHLO })).toEqual({ ...expected, evidence: 'host name "bl02epf0001a0f1.mail.protection.outlook.com"' });
    expect(short(identify({ host: 'agency-gov.mail.protection.office365.us.' }))).toBe('exchange-online/high');
    expect(short(identify({ host: 'contoso-com.mail.protection.outlook.com.evil.example' }))).toBeNull();
  });

  it('IIS SMTP: the banner with its version, or TURN … OK', () => {
    for (const version of ['10.0.17763.1697', '7.5.7601.17514', '6.0.3790.3959']) {
      expect(
        identify({ banner: `smtp.example.org Microsoft ESMTP MAIL Service, Version: ${version} ready at  Thu, 6 Jun 2024 10:00:00 +0200`, ehloText: 'Hello [198.51.100.23]', extensions: IIS_EHLO }),
      ).toEqual({ id: 'iis-smtp', name: 'Microsoft IIS SMTP Service', remediationKey: null, confidence: 'high', evidence: `banner says "Microsoft ESMTP MAIL Service, Version: ${version}"` });
    }
    expect(short(identify({ banner: 'smtp.example.org ESMTP', extensions: IIS_EHLO }))).toBe('iis-smtp/medium');
  });

  it('Postfix: the default banner with or without the distribution, postscreen, XFORWARD, the default keywords', () => {
    const cases: [string, string][] = [
      ['mx.example.net ESMTP Postfix', 'ESMTP Postfix'],
      ['mx.example.net ESMTP Postfix (Debian/GNU)', 'ESMTP Postfix (Debian/GNU)'],
      ['mail.example.org ESMTP Postfix (Ubuntu)', 'ESMTP Postfix (Ubuntu)'],
      ['mx.example.net ESMTP Postfix (3.8.4)', 'ESMTP Postfix (3.8.4)'],
      // postscreen's multi-line greeting, lines joined.
      ['220-mx.example.net ESMTP Postfix\n220 mx.example.net ESMTP Postfix', 'ESMTP Postfix'],
    ];
    for (const [banner, said] of cases) {
      expect(identify({ banner, ehloText: '', extensions: POSTFIX_EHLO })).toEqual({ id: 'postfix', name: 'Postfix', remediationKey: 'postfix', confidence: 'high', evidence: `banner says "${said}"` });
    }
    expect(identify({ banner: 'mx.example.net ESMTP', extensions: [...POSTFIX_EHLO, 'XFORWARD NAME ADDR PROTO HELO'] })).toMatchObject({
      id: 'postfix',
      confidence: 'medium',
      evidence: 'EHLO offers XFORWARD',
    });
    expect(identify({ banner: 'mx.example.net ESMTP', extensions: POSTFIX_EHLO })).toMatchObject({ id: 'postfix', confidence: 'low', evidence: 'EHLO offers PIPELINING, VRFY, ETRN' });
    // The same keywords with HELP are not Postfix's list.
    expect(identify({ banner: 'mx.example.net ESMTP', extensions: [...POSTFIX_EHLO, 'HELP'] })).toBeNull();
    // A host name that contains the product's name is no claim.
    expect(identify({ banner: 'postfix.example.net ESMTP', host: 'postfix.example.net' })).toBeNull();
  });

  it('Exim: the banner with its version (Debian, cPanel), early pipelining, PRDR', () => {
    const cases: [string, string][] = [
      ['mail.example.org ESMTP Exim 4.96 Mon, 03 Jun 2024 11:22:33 +0000', 'ESMTP Exim 4.96'],
      ['mx.example.org ESMTP Exim 4.94.2 #2 Mon, 03 Jun 2024 11:22:33 +0200', 'ESMTP Exim 4.94.2'],
      [
        '220-server7.hosting.example ESMTP Exim 4.97.1 #2 Mon, 03 Jun 2024 05:22:33 -0600\n220-We do not authorize the use of this system to transport unsolicited,\n220 and/or bulk e-mail.',
        'ESMTP Exim 4.97.1',
      ],
      ['mx.example.org ESMTP Exim', 'ESMTP Exim'],
    ];
    for (const [banner, said] of cases) {
      expect(identify({ banner, ehloText: 'Hello client.example.net [198.51.100.7]', extensions: EXIM_EHLO })).toEqual({
        id: 'exim',
        name: 'Exim',
        remediationKey: 'exim',
        confidence: 'high',
        evidence: `banner says "${said}"`,
      });
    }
    expect(identify({ banner: 'mx.example.org ESMTP', extensions: EXIM_EHLO })).toMatchObject({ id: 'exim', confidence: 'medium', evidence: 'EHLO offers PIPE_CONNECT' });
    expect(short(identify({ banner: 'mx.example.org ESMTP', extensions: ['SIZE', '8BITMIME', 'X_PIPE_CONNECT', 'HELP'] }))).toBe('exim/medium');
    expect(short(identify({ banner: 'mx.example.org ESMTP', extensions: ['SIZE', '8BITMIME', 'PIPELINING', 'PRDR', 'HELP'] }))).toBe('exim/low');
  });

  it('Sendmail: the banner with its version pair, the pair alone, VERB and DELIVERBY', () => {
    const cases: [string, string][] = [
      ['smtp.example.edu ESMTP Sendmail 8.15.2/8.15.2; Mon, 3 Jun 2024 10:00:00 -0400', 'ESMTP Sendmail 8.15.2/8.15.2'],
      ['mail.example.org ESMTP Sendmail 8.17.1.9/8.17.1.9/Debian-2; Tue, 4 Jun 2024 16:00:00 +0200', 'ESMTP Sendmail 8.17.1.9/8.17.1.9/Debian-2'],
      ['mx.example.com ESMTP Sendmail 8.14.7/8.14.7; Wed, 5 Jun 2024 09:00:00 GMT', 'ESMTP Sendmail 8.14.7/8.14.7'],
    ];
    for (const [banner, said] of cases) {
      expect(identify({ banner, ehloText: 'Hello client.example.net [198.51.100.7], pleased to meet you', extensions: SENDMAIL_EHLO })).toEqual({
        id: 'sendmail',
        name: 'Sendmail',
        remediationKey: null,
        confidence: 'high',
        evidence: `banner says "${said}"`,
      });
    }
    expect(identify({ banner: 'mx.example.com ESMTP MailGate 8.16.1/8.16.1; Wed, 5 Jun 2024 09:00:00 GMT' })).toMatchObject({
      id: 'sendmail',
      confidence: 'medium',
      evidence: 'banner says "8.16.1/8.16.1"',
    });
    expect(identify({ banner: 'mx.example.com ESMTP', extensions: SENDMAIL_EHLO })).toMatchObject({ id: 'sendmail', confidence: 'medium', evidence: 'EHLO offers VERB, DELIVERBY' });
  });

  it('OpenSMTPD: its banner; "pleased to meet you" alone is shared with Sendmail, so no answer', () => {
    const ehloText = 'Hello client.example.net [198.51.100.7], pleased to meet you';
    expect(identify({ banner: 'mail.example.org ESMTP OpenSMTPD', ehloText, extensions: OPENSMTPD_EHLO })).toEqual({
      id: 'opensmtpd',
      name: 'OpenSMTPD',
      remediationKey: null,
      confidence: 'high',
      evidence: 'banner says "ESMTP OpenSMTPD"',
    });
    expect(identify({ banner: 'mail.example.org ESMTP', ehloText, extensions: OPENSMTPD_EHLO })).toBeNull();
  });

  it('Gmail: "- gsmtp", its host names, "at your service"', () => {
    expect(
      identify({
        banner: 'mx.google.com ESMTP 5b1f17b1804b1-4212f3fa8c1si123456785e9.301 - gsmtp',
        ehloText: 'at your service, [198.51.100.7]',
        host: 'aspmx.l.google.com',
        extensions: GMAIL_EHLO,
      }),
    ).toEqual({ id: 'gmail', name: 'Google (Gmail / Google Workspace)', remediationKey: null, confidence: 'high', evidence: 'banner says "- gsmtp"' });
    expect(identify({ host: 'alt2.gmail-smtp-in.l.google.com' })).toMatchObject({ id: 'gmail', confidence: 'high', evidence: 'host name "alt2.gmail-smtp-in.l.google.com"' });
    expect(short(identify({ banner: 'gw.example.net ESMTP', ehloText: 'at your service, [198.51.100.7]', extensions: GMAIL_EHLO }))).toBe('gmail/medium');
  });

  it('Cisco Secure Email: the cloud host names; the appliance\'s bare banner and short keyword list only hint', () => {
    expect(identify({ banner: 'mx1.hc4321-12.iphmx.com ESMTP', host: 'mx1.hc4321-12.iphmx.com', extensions: ['8BITMIME', 'SIZE 10485760', 'STARTTLS'] })).toEqual({
      id: 'cisco-esa',
      name: 'Cisco Secure Email Gateway (IronPort)',
      remediationKey: null,
      confidence: 'high',
      evidence: 'host name "mx1.hc4321-12.iphmx.com"',
    });
    expect(identify({ banner: 'esa1.example.com ESMTP', ehloText: '', extensions: ['8BITMIME', 'SIZE 10485760'] })).toMatchObject({
      id: 'cisco-esa',
      confidence: 'low',
      evidence: 'EHLO offers 8BITMIME, SIZE',
    });
    expect(identify({ banner: 'esa1.example.com ESMTP', extensions: ['8BITMIME', 'SIZE 10485760', 'PIPELINING'] })).toBeNull();
    expect(short(identify({ banner: 'mail.example.com ESMTP IronPort AsyncOS' }))).toBe('cisco-esa/high');
  });

  it('Proofpoint: pphosted and ppe-hosted hosts, its "mfa-m…" banner; its Sendmail-like EHLO is still Proofpoint', () => {
    expect(
      identify({
        banner: 'mx0a-00123401.pphosted.com ESMTP mfa-m0123456',
        ehloText: 'Hello client.example.net [198.51.100.7], pleased to meet you',
        host: 'mx0a-00123401.pphosted.com',
        extensions: ['ENHANCEDSTATUSCODES', 'PIPELINING', '8BITMIME', 'SIZE 31457280', 'STARTTLS', 'DSN'],
      }),
    ).toEqual({ id: 'proofpoint', name: 'Proofpoint', remediationKey: null, confidence: 'high', evidence: 'host name "mx0a-00123401.pphosted.com"' });
    expect(short(identify({ host: 'mx1-us1.ppe-hosted.com' }))).toBe('proofpoint/high');
    expect(identify({ banner: 'filter.example.com ESMTP cm-m0046761', ehloText: 'Hello client.example.net [198.51.100.7], pleased to meet you' })).toMatchObject({
      id: 'proofpoint',
      confidence: 'medium',
      evidence: 'banner says "ESMTP cm-m0046761"',
    });
  });

  it('Mimecast: only its host names tell (its banner says "ESMTP")', () => {
    expect(identify({ banner: 'eu-smtp-inbound-1.mimecast.com ESMTP', extensions: ['PIPELINING', 'SIZE', 'STARTTLS', '8BITMIME'] })).toEqual({
      id: 'mimecast',
      name: 'Mimecast',
      remediationKey: null,
      confidence: 'high',
      evidence: 'host name "eu-smtp-inbound-1.mimecast.com"',
    });
    expect(short(identify({ host: 'za-smtp-inbound-2.mimecast.co.za' }))).toBe('mimecast/high');
    expect(identify({ host: 'mimecast.example.com' })).toBeNull();
  });

  it('Barracuda: the Email Security Service hosts, the gateway\'s hashed banner', () => {
    expect(identify({ host: 'd123456a.ess.barracudanetworks.com', banner: 'd123456a.ess.barracudanetworks.com ESMTP' })).toEqual({
      id: 'barracuda',
      name: 'Barracuda Email Security',
      remediationKey: null,
      confidence: 'high',
      evidence: 'host name "d123456a.ess.barracudanetworks.com"',
    });
    // The gateway's own name contains "barracuda": not a claim; its hash is a medium one.
    expect(identify({ banner: 'barracuda.example.com ESMTP (3f2a9c0d8e7b6a5f4c3d2e1f0a9b8c7d)' })).toMatchObject({
      id: 'barracuda',
      confidence: 'medium',
      evidence: 'banner says "ESMTP (3f2a9c0d8e7b6a5f4c3d2e1f0a9b8c7d)"',
    });
    expect(identify({ banner: 'mx.example.com ESMTP (3f2a9c0d8e7b6a5f4c3d2e1f0a9b8c7)' })).toBeNull();
  });

  it('Sophos: the Sophos Email hosts; a banner that names Sophos is only medium', () => {
    expect(identify({ host: 'mx-01-eu-central-1.prod.hydra.sophos.com' })).toEqual({
      id: 'sophos',
      name: 'Sophos Email',
      remediationKey: null,
      confidence: 'high',
      evidence: 'host name "mx-01-eu-central-1.prod.hydra.sophos.com"',
    });
    expect(short(identify({ banner: 'Sophos ESMTP ready' }))).toBe('sophos/medium');
    expect(identify({ banner: 'sophos.example.com ESMTP' })).toBeNull();
  });
});

describe('identifySoftware: masked, conflicting and hostile input', () => {
  it('a masked banner is no evidence: nothing, or only what the keywords hint', () => {
    expect(identify({ banner: '220 ****************************' })).toBeNull();
    expect(identify({ banner: '****************************', extensions: ['XXXXXXXA', '8BITMIME', 'SIZE'] })).toBeNull();
    // Even a product name that shows through a mostly masked banner is not the server's own word.
    expect(identify({ banner: '220 ********************************** ESMTP Postfix' })).toBeNull();
    expect(short(identify({ banner: '220 ****************************', extensions: ['SIZE', 'PRDR'] }))).toBe('exim/low');
  });

  it('a banner that names two products: no guess, unless more traces point at one', () => {
    const banner = 'mx.example.com ESMTP Postfix (Debian/GNU) - filtered by Barracuda';
    expect(identify({ banner })).toBeNull();
    expect(identify({ banner: 'gw.example.net ESMTP Exim 4.97 relaying for ESMTP Postfix' })).toBeNull();
    expect(identify({ banner, extensions: ['PIPELINING', 'XFORWARD NAME ADDR'] })).toMatchObject({ id: 'postfix', confidence: 'high', evidence: 'banner says "ESMTP Postfix (Debian/GNU)"' });
    // The same with the Barracuda service's host name: more traces, whichever comes first in the data.
    expect(identify({ banner, host: 'd123456a.ess.barracudanetworks.com' })).toMatchObject({ id: 'barracuda', confidence: 'high' });
    // A higher confidence beats more traces of lower confidence.
    expect(short(identify({ banner: 'mx.example.com ESMTP Postfix', extensions: ['PIPE_CONNECT', 'PRDR'] }))).toBe('postfix/high');
  });

  it('a 100 kB banner is cut to its first characters; what follows is not read', () => {
    expect(identify({ banner: `${'A'.repeat(100_000)} ESMTP Postfix` })).toBeNull();
    // The limit cuts right after "Exim" (read whole, "Exim999…" would be no match), or one character before.
    expect(identify({ banner: `${'x'.repeat(MAX_TEXT - ' ESMTP Exim'.length)} ESMTP Exim${'9'.repeat(100_000)}` })).toMatchObject({ id: 'exim', evidence: 'banner says "ESMTP Exim"' });
    expect(identify({ banner: `${'x'.repeat(MAX_TEXT - ' ESMTP Exi'.length)} ESMTP Exim` })).toBeNull();
    // Texts built to make backtracking patterns work hard give the same answer as their first 512 characters.
    for (const text of ['8.1.1/'.repeat(20_000), `ESMTP (${'a'.repeat(100_000)}`, 'ESMTP Postfix ('.repeat(10_000), `${'.'.repeat(100_000)}.google.com`]) {
      const whole = identify({ banner: text, ehloText: text, host: text, extensions: text.split('/') });
      expect(whole).toEqual(identify({ banner: text.slice(0, MAX_TEXT), ehloText: text.slice(0, MAX_TEXT), host: text.slice(0, MAX_TEXT), extensions: text.split('/').slice(0, 100) }));
    }
  });

  it('control characters are read as spaces and never reach the evidence', () => {
    const m = identify({ banner: 'mx.example.net\u0000ESMTP\u0007Postfix\u001b[0m\r\n', ehloText: 'at\u0085your service' });
    expect(m).toEqual({ id: 'postfix', name: 'Postfix', remediationKey: 'postfix', confidence: 'high', evidence: 'banner says "ESMTP Postfix"' });
    expect(identify({ ehloText: '\u0000\u009bat your service, [198.51.100.7]' })).toMatchObject({ id: 'gmail', evidence: 'EHLO reply says "at your service"' });
  });

  it('keywords: only the first 100 are read; parameters and case do not matter', () => {
    const many = Array.from({ length: 150 }, (_, i) => `X-VENDOR${i}`);
    expect(identify({ extensions: [...many, 'XFORWARD'] })).toBeNull();
    expect(short(identify({ extensions: [...many.slice(0, 99), 'xforward name addr'] }))).toBe('postfix/medium');
    expect(short(identify({ extensions: ['X-EXPS=LOGIN', 'x-anonymoustls'] }))).toBe('exchange/high');
    // An empty line is no keyword (it would break the appliance's "only these" list).
    expect(short(identify({ extensions: ['8BITMIME', 'SIZE 10485760', '', '  '] }))).toBe('cisco-esa/low');
  });

  it('input that is not what the types say gives null, never an exception', () => {
    const hostile = { banner: 42, ehloText: {}, host: ['mx.google.com'], extensions: 'XFORWARD' } as unknown as SoftwareInput;
    expect(identifySoftware(hostile)).toBeNull();
    expect(identifySoftware({ banner: null, ehloText: null, host: null, extensions: [null, 7, 'XCLIENT'] as unknown as string[] })).toMatchObject({ id: 'postfix' });
    expect(identifySoftware(null as unknown as SoftwareInput)).toBeNull();
    expect(identify({})).toBeNull();
  });
});

describe('the software data (kb/software.ts)', () => {
  it('unique ids, each with at least one fingerprint, and the per-MTA fix each points at', () => {
    const ids = SOFTWARE.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(['barracuda', 'cisco-esa', 'exchange', 'exchange-online', 'exim', 'gmail', 'iis-smtp', 'mimecast', 'opensmtpd', 'postfix', 'proofpoint', 'sendmail', 'sophos']);
    for (const s of SOFTWARE) expect(s.fingerprints.length, s.id).toBeGreaterThan(0);
    expect(Object.fromEntries(SOFTWARE.filter((s) => s.remediationKey !== null).map((s) => [s.id, s.remediationKey]))).toEqual({
      'exchange-online': 'exchange',
      exchange: 'exchange',
      postfix: 'postfix',
      exim: 'exim',
    });
  });

  it('fingerprints are well formed: stateless, linear patterns; keyword sets in upper case that can be met', () => {
    const ids = new Set<string>(SOFTWARE.map((s) => s.id));
    for (const s of SOFTWARE) {
      for (const r of s.refines ?? []) expect(ids.has(r) && r !== s.id, `${s.id} refines ${r}`).toBe(true);
      for (const fp of s.fingerprints) {
        expect(['high', 'medium', 'low'], s.id).toContain(fp.confidence);
        expect(fp.why.length, s.id).toBeGreaterThan(10);
        if (fp.field === 'extensions') {
          expect(fp.atLeast >= 1 && fp.atLeast <= fp.keywords.length, s.id).toBe(true);
          for (const k of [...fp.keywords, ...(fp.noneOf ?? []), ...(fp.onlyFrom ?? [])]) expect(k, s.id).toBe(k.toUpperCase());
        } else {
          const src = fp.pattern.source;
          expect(fp.pattern.flags.replace('i', ''), `${s.id} ${src}`).toBe('');
          // No quantified group that ends in a quantifier, no unbounded wildcard.
          expect(src, s.id).not.toMatch(/[*+}?]\)[*+{]/);
          expect(src, s.id).not.toMatch(/\.[*+]/);
        }
      }
    }
  });
});

describe('softwareOf: what assessFacts hands identifySoftware', () => {
  const reply = (code: number, ...lines: string[]) => ({ code, enhanced: null, lines });
  const cap = (keyword: string) => ({ keyword, params: [], meaning: null, rfc: null });
  const facts = (over: Partial<Parameters<typeof softwareOf>[0]> = {}): Parameters<typeof softwareOf>[0] => ({
    banner: reply(220, 'mx.example.test ESMTP ready'),
    ehloReply: reply(250, 'mx.example.test Hello [192.0.2.1]'),
    ehloTlsReply: null,
    mx: 'mx.example.test',
    capabilities: [cap('PIPELINING'), cap('STARTTLS')],
    capabilitiesInTls: null,
    ...over,
  });

  it('nothing known: null', () => {
    expect(softwareOf(facts())).toBeNull();
  });

  it('reads the banner with its lines joined by spaces', () => {
    expect(softwareOf(facts({ banner: reply(220, 'mx.example.test ESMTP', 'Postfix (Debian/GNU)') }))?.id).toBe('postfix');
  });

  it('reads the EHLO text after the announced name, inside TLS when there was TLS', () => {
    const google = reply(250, 'mx.google.com at your service, [192.0.2.1]');
    expect(softwareOf(facts({ ehloReply: google }))?.id).toBe('gmail');
    // Inside TLS the server said something else: that one counts.
    expect(softwareOf(facts({ ehloReply: google, ehloTlsReply: reply(250, 'mx.example.test Hello') }))).toBeNull();
    expect(softwareOf(facts({ ehloReply: reply(250, 'mx.example.test Hello'), ehloTlsReply: google }))?.id).toBe('gmail');
  });

  it('reads the extension keywords, the ones inside TLS when there was TLS', () => {
    const exchange = [cap('X-ANONYMOUSTLS'), cap('XEXCH50'), cap('XRDST')];
    expect(softwareOf(facts({ capabilities: exchange }))).toMatchObject({ id: 'exchange', name: expect.stringContaining('Exchange'), remediationKey: 'exchange' });
    expect(softwareOf(facts({ capabilitiesInTls: exchange }))?.id).toBe('exchange');
    expect(softwareOf(facts({ capabilities: exchange, capabilitiesInTls: [cap('PIPELINING')] }))).toBeNull();
    // The match as stored: every field of it, and nothing else.
    expect(Object.keys(softwareOf(facts({ capabilities: exchange }))!).sort()).toEqual(['confidence', 'evidence', 'id', 'name', 'remediationKey']);
  });
});

describe('identifySoftware: the finer points of reading its input', () => {
  const none: SoftwareInput = { banner: null, ehloText: null, host: null, extensions: [] };

  it('a banner is masked only when mostly asterisks: a few stars beside real text hide nothing', () => {
    expect(identifySoftware({ ...none, banner: '220 ***** ESMTP Postfix' })?.id).toBe('postfix');
    expect(identifySoftware({ ...none, banner: '220 ************************ ESMTP Postfix' })).toBeNull();
  });

  it('reads the announced name after the reply code, in a single or multi-line greeting', () => {
    for (const banner of ['220 mx1.customer.iphmx.com', '220-mx1.customer.iphmx.com ready']) {
      expect([banner, identifySoftware({ ...none, banner })?.id]).toEqual([banner, 'cisco-esa']);
    }
    // Without a reply code the first word is the name.
    expect(identifySoftware({ ...none, banner: 'mx1.customer.iphmx.com ESMTP' })?.id).toBe('cisco-esa');
  });

  it('reads keywords case-insensitively, without their parameters or surrounding spaces', () => {
    // Exactly two of Exchange's keywords (its fingerprint needs two): each must be read right.
    expect(identifySoftware({ ...none, extensions: ['  x-anonymoustls  ', 'XEXCH50 x'] })).toMatchObject({ id: 'exchange', confidence: 'high', evidence: 'EHLO offers X-ANONYMOUSTLS, XEXCH50' });
    expect(identifySoftware({ ...none, extensions: ['xrdst=1', ' XEXCH50'] })).toMatchObject({ id: 'exchange', confidence: 'high', evidence: 'EHLO offers XEXCH50, XRDST' });
    // Anything but text is no keyword: Cisco's short fixed list still stands.
    expect(identifySoftware({ ...none, extensions: [123, null, '8BITMIME', 'SIZE'] as unknown as string[] })?.id).toBe('cisco-esa');
  });

  it('quotes at most 80 characters of what it matched, trimmed', () => {
    const banner = `220 mx.example.test ESMTP Postfix (${'x'.repeat(30)})`;
    const evidence = identifySoftware({ ...none, banner })!.evidence;
    expect(evidence).toMatch(/^banner says "ESMTP Postfix/);
    expect(evidence.length).toBeLessThanOrEqual('banner says ""'.length + 80);
  });
});
