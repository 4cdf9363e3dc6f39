// The error-text rules of kb/error-rules/smtp.ts (RFC wording, TLS-RPT result types, firewall masking)
// and kb/error-rules/other-mtas.ts (Sendmail, OpenSMTPD, Gmail, swaks, openssl s_client): for real
// texts — the RFCs' and vendors' words, and lines Debian's sendmail 8.17.1.9, opensmtpd 6.8.0p2,
// swaks and OpenSSL 3.0 s_client printed against loopback servers — which rule answers, whose fault
// it says, the first cause's findings, and the confirming command with what the text names.
import { describe, expect, it } from 'vitest';
import { OTHER_MTA_RULES } from '../../../src/kb/error-rules/other-mtas.js';
import { SMTP_RULES, STARTTLS_MISSING_CAUSES } from '../../../src/kb/error-rules/smtp.js';
import { explainLine, type RuleMatch } from '../../../src/kb/explain-text.js';

/** The product-level rules (not a library's quoted reason) that answer a text. */
const messages = (text: string): RuleMatch[] => explainLine(text).matches.filter((m) => m.rule.reason !== true);

/** The one product-level rule answering a text, checked to be the expected one. */
function only(text: string, id: string): RuleMatch {
  const found = messages(text);
  expect(
    found.map((m) => m.rule.id),
    text,
  ).toEqual([id]);
  return found[0] as RuleMatch;
}

const firstFindings = (m: RuleMatch): readonly string[] => m.rule.causes[0]?.findings ?? [];

describe('smtp.ts: STARTTLS replies in the RFC’s words', () => {
  it('530 Must issue a STARTTLS command first: the sender’s to fix, the recipient domain from the line fills the command', () => {
    const m = only(
      'to=<bob@partner.example>, relay=mx.partner.example[192.0.2.25]:25, delay=0.2, dsn=5.7.0, status=bounced (host mx.partner.example[192.0.2.25] said: 530 5.7.0 Must issue a STARTTLS command first (in reply to MAIL FROM command))',
      'smtp.starttls-required',
    );
    expect(m.rule.fault).toBe('sender');
    expect(firstFindings(m)).toEqual(['policy.requires-tls']);
    expect(m.rule.causes[1]?.findings).toEqual(['dnsbl.listed', 'starttls.not-offered']);
    expect(m.confirm).toBe('mxray check partner.example --dnsbl');
  });

  it('OpenSMTPD (tls-require) refusing a clear-text MAIL FROM is the same RFC 3207 refusal', () => {
    const text = '4485ffaa63d93a88 smtp failed-command command="MAIL FROM:<s@client.lab.test>" result="530 5.5.1 Invalid command: Must issue a STARTTLS command first"';
    expect(only(text, 'smtp.starttls-required').rule.fault).toBe('sender');
    expect(explainLine(text).root?.enhanced?.code).toBe('5.5.1');
  });

  it('Exchange’s 451 5.7.3 wording is not taken for the generic 530 refusal', () => {
    expect(messages('451 5.7.3 Must issue a STARTTLS command first').map((m) => m.rule.id)).not.toContain('smtp.starttls-required');
  });

  it('454 TLS not available due to temporary reason: the receiver, its TLS set-up not loading', () => {
    const m = only('454 4.7.0 TLS not available due to temporary reason', 'smtp.tls-not-available');
    expect(m.rule.fault).toBe('receiver');
    expect(firstFindings(m)).toEqual(['starttls.rejected']);
    expect(m.confirm).toBe('mxray check {host}');
  });

  it('501 Syntax error (no parameters allowed) — Sendmail’s reply to "STARTTLS foo" — is the client’s doing', () => {
    const m = only('501 5.5.2 Syntax error (no parameters allowed)', 'smtp.starttls-parameters');
    expect(m.rule.fault).toBe('sender');
    expect(firstFindings(m)).toEqual([]);
  });

  it('554 Command refused due to lack of security: either side, a client certificate first', () => {
    const m = only('554 Command refused due to lack of security', 'smtp.lack-of-security');
    expect(m.rule.fault).toBe('either');
    expect(firstFindings(m)).toEqual(['policy.client-cert-required', 'send.client-cert-required']);
  });

  it('X.7.10 and X.7.11: a password before TLS; the command sends with TLS required on the submission port', () => {
    const needed = only('523 5.7.10 Encryption Needed', 'smtp.encryption-needed');
    const auth = only('538 5.7.11 Encryption required for requested authentication mechanism', 'smtp.encryption-required-for-auth');
    for (const m of [needed, auth]) {
      expect(m.rule.fault).toBe('sender');
      expect(firstFindings(m)).toEqual(['policy.cleartext-auth-refused', 'send.cleartext-auth-refused']);
      expect(m.confirm).toBe('mxray send {host} --port 587 --tls required');
    }
    expect(needed.rule.meaning).not.toBe(auth.rule.meaning);
  });

  it('5.7.30 REQUIRETLS support required: the recipient domain named in the bounce fills the command', () => {
    const m = only('<carol@strict.example>: 550 5.7.30 REQUIRETLS support required', 'smtp.requiretls-unsupported');
    expect(m.rule.fault).toBe('receiver');
    expect(m.confirm).toBe('mxray check strict.example');
  });

  it('a firewall masking STARTTLS: 250-XXXXXXXA, and Sendmail’s refusal of the masked command', () => {
    for (const text of ['250-XXXXXXXA', '500 5.5.1 Command unrecognized: "XXXXXXXX"']) {
      const m = only(text, 'firewall.masked-starttls');
      expect(m.rule.fault).toBe('path');
      expect(firstFindings(m)).toEqual(['starttls.masked', 'smtp.banner-masked']);
    }
    // An ordinary unknown command is no firewall.
    expect(messages('500 5.5.1 Command unrecognized: "FOO"')).toEqual([]);
  });
});

describe('smtp.ts: TLS-RPT result types (RFC 8460 §4.3)', () => {
  it('starttls-not-supported: the receiver; its first cause points to the report’s finding', () => {
    const m = only('{"result-type": "starttls-not-supported", "sending-mta-ip": "192.0.2.1"}', 'tlsrpt.starttls-not-supported');
    expect(m.rule.fault).toBe('receiver');
    expect(firstFindings(m)).toEqual(['tls-rpt.starttls-not-supported', 'starttls.not-offered']);
    expect(m.rule.causes.slice(1)).toEqual(STARTTLS_MISSING_CAUSES.slice(1));
  });

  it('certificate, MTA-STS and DANE result types each go to their rule, the type captured', () => {
    const cert = only('"result-type": "certificate-host-mismatch"', 'tlsrpt.certificate');
    expect(cert.captures.type).toBe('certificate-host-mismatch');
    expect(firstFindings(cert)).toContain('tls-rpt.certificate-not-trusted');
    const sts = only('"result-type": "sts-webpki-invalid"', 'tlsrpt.mta-sts-policy');
    expect(sts.confirm).toBe('mxray posture {domain}');
    expect(firstFindings(sts)).toEqual(['tls-rpt.sts-policy-fetch-error', 'mta-sts.policy-unreachable']);
    const dane = only('"result-type": "dnssec-invalid"', 'tlsrpt.dane');
    expect(dane.captures.type).toBe('dnssec-invalid');
    expect(firstFindings(dane)).toEqual(['tls-rpt.tlsa-invalid', 'dane.no-match']);
  });
});

describe('the ranked causes of a missing STARTTLS offer', () => {
  it('not set up first, then the block listing (EOP), the certificate that will not load, a firewall, SMTP only, a downgrade', () => {
    expect(STARTTLS_MISSING_CAUSES.map((c) => c.findings)).toEqual([
      ['starttls.not-offered'],
      ['dnsbl.listed', 'starttls.not-offered'],
      ['starttls.not-offered'],
      ['starttls.masked', 'smtp.banner-masked'],
      ['smtp.esmtp-unsupported'],
      ['starttls.not-offered'],
    ]);
  });

  it('every "not offered" verdict shares them, and its command asks about block lists too', () => {
    const texts: [string, string][] = [
      ['*** Host did not advertise STARTTLS', 'swaks.starttls-not-advertised'],
      ["Didn't find STARTTLS in server response, trying anyway...", 'openssl-s-client.starttls-not-found'],
      ['cc5f6cd45c2a3ff1 mta error reason=TLS required but not supported by remote host', 'opensmtpd.tls-required-not-supported'],
      ['ruleset=tls_server, arg1=NONE, relay=mx.partner.example., reject=454 4.7.0 other side does not support STARTTLS', 'sendmail.starttls-not-supported'],
    ];
    for (const [text, id] of texts) {
      const m = only(text, id);
      expect(m.rule.causes, id).toBe(STARTTLS_MISSING_CAUSES);
      expect(m.rule.fault, id).toBe('either');
      expect(m.confirm, id).toMatch(/^mxray check \S+ --dnsbl$/);
    }
    expect(only(texts[3]?.[0] as string, 'sendmail.starttls-not-supported').confirm).toBe('mxray check mx.partner.example --dnsbl');
  });
});

describe('other-mtas.ts: Sendmail (lines its syslog got on loopback)', () => {
  it('the session summary with verify=FAIL: the relay named in it is the one to look at', () => {
    const m = only('Nov 29 19:15:58 sendmail[7688]: STARTTLS=client, relay=[127.0.0.1], version=TLSv1.3, verify=FAIL, cipher=TLS_AES_256_GCM_SHA384, bits=256/256', 'sendmail.verify-fail');
    expect(m.rule.fault).toBe('receiver');
    expect(m.captures).toMatchObject({ ip: '127.0.0.1', verify: 'FAIL' });
    expect(firstFindings(m)).toEqual(['cert.untrusted-root', 'cert.chain-incomplete', 'cert.self-signed', 'cert.expired']);
    expect(m.confirm).toBe('mxray cert 127.0.0.1');
    expect(only('STARTTLS=client, relay=mx.partner.example., version=TLSv1.3, verify=FAIL, cipher=TLS_AES_256_GCM_SHA384, bits=256/256', 'sendmail.verify-fail').confirm).toBe(
      'mxray cert mx.partner.example',
    );
  });

  it('Sendmail: a client that left without a mail command; the command tests this server (its implicit-TLS port), never the client', () => {
    const m = only('Mar 29 22:33:47 mail sm-mta[23221]: x2TMXH7Y023221: client.example [198.51.100.7] (may be forged) did not issue MAIL/EXPN/VRFY/ETRN during connection to TLSMTA', 'sendmail.no-mail-command');
    expect(m.captures).toMatchObject({ ip: '198.51.100.7', daemon: 'TLSMTA' });
    expect(m.confirm).toBe('mxray check <your MX host> --port 465');
    expect(m.rule.fault).toBe('either');
  });

  it('a verified session, or a client without a certificate on the server side, is no error', () => {
    expect(messages('STARTTLS=client, relay=[127.0.0.1], version=TLSv1.3, verify=OK, cipher=TLS_AES_256_GCM_SHA384, bits=256/256')).toEqual([]);
    expect(messages('STARTTLS=server, relay=localhost [127.0.0.1], version=TLSv1.3, verify=NO, cipher=TLS_AES_256_GCM_SHA384, bits=256/256')).toEqual([]);
    expect(messages('STARTTLS=client, cert-subject=/CN=mx1.lab.test, cert-issuer=/CN=Lab+20Intermediate+20CA, verifymsg=ok')).toEqual([]);
  });

  it('the verification reason, beside OpenSSL’s own rule for the words it quotes', () => {
    const text = 'STARTTLS: TLS cert verify: depth=0 /CN=mx1.lab.test, state=0, reason=certificate has expired';
    const m = only(text, 'sendmail.verify-reason');
    expect(explainLine(text).matches.filter((r) => r.rule.reason === true).map((r) => r.rule.id)).toContain('openssl.certificate-expired');
    expect(m.captures).toMatchObject({ depth: '0', why: 'certificate has expired' });
    expect(firstFindings(m)).toEqual(['cert.chain-incomplete', 'cert.untrusted-root']);
  });

  it('tls_server with VERIFY: "authentication failed", from the ruleset line and from the deferral', () => {
    const rule = only('ruleset=tls_server, arg1=FAIL, relay=[127.0.0.1], reject=503 5.7.0 authentication failed', 'sendmail.tls-verify-required');
    expect(rule.captures).toMatchObject({ ruleset: 'server', reply: '503', why: 'authentication failed', ip: '127.0.0.1' });
    expect(rule.rule.fault).toBe('either');
    expect(firstFindings(rule)).toEqual(['cert.self-signed', 'cert.chain-incomplete', 'cert.untrusted-root']);
    const deferred = only(
      '6ATJFwsa007688: to=user@self.test, delay=00:00:00, xdelay=00:00:00, mailer=relay, pri=30024, relay=mx.partner.example. [192.0.2.25], dsn=4.7.0, stat=Deferred: 454 4.7.0 authentication failed',
      'sendmail.tls-verify-required',
    );
    expect(deferred.confirm).toBe('mxray cert mx.partner.example');
    // SMTP AUTH failures are another matter.
    expect(messages('535 5.7.8 Authentication failed')).toEqual([]);
    expect(messages('454 4.7.0 Temporary authentication failure')).toEqual([]);
  });

  it('encryption too weak 0 less than 128: no TLS at all; the bits captured, the relay in the command', () => {
    const m = only('Nov 29 19:16:03 sendmail[7795]: ruleset=tls_server, arg1=NONE, relay=[127.0.0.1], reject=454 4.7.0 encryption too weak 0 less than 128', 'sendmail.encryption-too-weak');
    expect(m.captures).toMatchObject({ bits: '0', need: '128', ruleset: 'server' });
    expect(m.rule.fault).toBe('either');
    expect(firstFindings(m)).toEqual(['starttls.not-offered', 'dnsbl.listed', 'starttls.masked']);
    expect(m.confirm).toBe('mxray check 127.0.0.1 --dnsbl');
    // The receiving side refusing a clear-text client's MAIL (check_mail) is the same rule.
    expect(only('6ATJGuKF009251: ruleset=check_mail, arg1=<s@client.lab.test>, relay=localhost [127.0.0.1], reject=454 4.7.0 encryption too weak 0 less than 128', 'sendmail.encryption-too-weak').captures.bits).toBe('0');
  });

  it('TLS handshake failed. (verify=SOFTWARE) and the connect failure before it, with OpenSSL’s reason beside', () => {
    const rejected = only('ruleset=tls_server, arg1=SOFTWARE, relay=[127.0.0.1], reject=454 4.7.0 TLS handshake failed.', 'sendmail.tls-handshake-failed');
    expect(firstFindings(rejected)).toEqual(['tls.handshake-failed', 'tls.server-aborted']);
    expect(rejected.confirm).toBe('mxray check 127.0.0.1');
    const text = 'Nov 29 19:16:06 sendmail[7979]: STARTTLS=client, error: connect failed=-1, reason=wrong version number, SSL_error=1, errno=0, retry=-1';
    const connect = only(text, 'sendmail.starttls-connect-failed');
    expect(explainLine(text).matches.filter((r) => r.rule.reason === true).map((r) => r.rule.id)).toContain('openssl.wrong-version-number');
    expect(connect.rule.fault).toBe('receiver');
    expect(connect.captures).toMatchObject({ code: '-1', why: 'wrong version number' });
  });

  it('CN does not match: the certificate’s CN and the one required, both captured', () => {
    const m = only('ruleset=tls_server, arg1=OK, relay=[127.0.0.1], reject=454 4.7.0 CN mx1.lab.test does not match mx2.lab.test', 'sendmail.cn-mismatch');
    expect(m.captures).toMatchObject({ cn: 'mx1.lab.test', want: 'mx2.lab.test' });
    expect(firstFindings(m)).toEqual(['cert.name-mismatch', 'cert.cn-only']);
    expect(m.confirm).toBe('mxray cert 127.0.0.1');
  });

  it('the server side: a client refusing our certificate, and a certificate file Sendmail would not load', () => {
    const accept = only('STARTTLS=server, error: accept failed=-1, reason=tlsv1 alert unknown ca, SSL_error=1, errno=0, retry=-1, relay=localhost [127.0.0.1]', 'sendmail.starttls-accept-failed');
    expect(accept.captures).toMatchObject({ why: 'tlsv1 alert unknown ca', host: 'localhost', ip: '127.0.0.1' });
    expect(firstFindings(accept)).toEqual(['cert.self-signed', 'cert.chain-incomplete', 'cert.untrusted-root']);
    expect(accept.confirm).toBe('mxray check <this server> --details');
    const file = only('STARTTLS=server: file /etc/mail/tls/sendmail.crt unsafe: No such file or directory', 'sendmail.tls-file-unsafe');
    expect(file.rule.fault).toBe('receiver');
    expect(file.captures).toMatchObject({ side: 'server', file: '/etc/mail/tls/sendmail.crt', why: 'No such file or directory' });
    expect(firstFindings(file)).toEqual(['starttls.not-offered']);
  });
});

describe('other-mtas.ts: OpenSMTPD (smtpd -d -v on loopback)', () => {
  it('STARTTLS rejected: the quoted 454 is explained by OpenSMTPD’s rule alone', () => {
    const m = only('1ca48da1a246f45d mta error reason=STARTTLS rejected: 454 4.7.0 TLS not available due to temporary reason', 'opensmtpd.starttls-rejected');
    expect(m.captures.reply).toBe('454');
    expect(m.rule.fault).toBe('receiver');
    expect(firstFindings(m)).toEqual(['starttls.rejected']);
  });

  it('certificate failures: required verification stops delivery, opportunistic only logs', () => {
    const failed = only('ca92832126e06f1a mta error reason=SSL certificate check failed', 'opensmtpd.certificate-check-failed');
    const unverified = only('81ddc095327f8e5c mta server-cert-check result="failure"', 'opensmtpd.server-cert-unverified');
    for (const m of [failed, unverified]) {
      expect(m.rule.fault).toBe('receiver');
      expect(firstFindings(m)).toEqual(['cert.self-signed', 'cert.untrusted-root', 'cert.chain-incomplete']);
      expect(m.confirm).toBe('mxray cert {host}');
    }
    expect(messages('81ddc095327f8e5c mta server-cert-check result="success"')).toEqual([]);
  });

  it('bytes after the 220 to STARTTLS: the injection finding first', () => {
    const m = only('6ddae7fd9320c6a8 mta error reason=Remote host sent too much data', 'opensmtpd.too-much-data');
    expect(firstFindings(m)).toEqual(['starttls.injection']);
    expect(m.confirm).toBe('mxray check {host} --verbose');
  });

  it('a client’s failed handshake with our smtpd, OpenSSL’s words captured; a plain disconnect is nothing', () => {
    const m = only('4485ffabc0cc48bf smtp disconnected reason="io-error: error:0A000076:SSL routines::no suitable signature algorithm"', 'opensmtpd.tls-io-error');
    expect(m.captures.why).toBe('error:0A000076:SSL routines::no suitable signature algorithm');
    expect(firstFindings(m)).toEqual(['tls.old-protocol', 'tls.no-shared-cipher']);
    expect(messages('4485ffaa63d93a88 smtp disconnected reason=quit')).toEqual([]);
  });

  it('a pki file that will not load keeps smtpd from starting: the port is closed', () => {
    const m = only('smtpd: load_pki_keys: failed to load key file', 'opensmtpd.pki-load-failed');
    expect(m.captures.what).toBe('keys');
    expect(firstFindings(m)).toEqual(['net.connect-refused']);
  });
});

describe('other-mtas.ts: Gmail, swaks, openssl s_client', () => {
  it('Gmail’s TLS required for RCPT domain: the sender must use TLS; the command sends with TLS required', () => {
    const m = only('421-4.7.0 TLS required for RCPT domain, closing connection. - gsmtp', 'gmail.tls-required-for-rcpt-domain');
    expect(m.rule.fault).toBe('sender');
    expect(firstFindings(m)).toEqual(['policy.requires-tls', 'send.cleartext']);
    expect(m.confirm).toBe('mxray send {domain} --tls required');
  });

  it('swaks: a failed STARTTLS, and the TLS startup failure with OpenSSL’s reason captured', () => {
    const failed = only('*** STARTTLS attempted but failed', 'swaks.starttls-failed');
    expect(firstFindings(failed)).toEqual(['starttls.rejected']);
    const startup = only('*** TLS startup failed (connect(): error:0A000126:SSL routines::unexpected eof while reading)', 'swaks.tls-startup-failed');
    expect(startup.captures.why).toBe('error:0A000126:SSL routines::unexpected eof while reading');
    expect(startup.rule.fault).toBe('either');
    expect(firstFindings(startup)).toEqual(['cert.self-signed', 'cert.chain-incomplete', 'cert.untrusted-root', 'cert.expired']);
  });

  it('s_client’s verdict: the code and words captured, the chain findings first; 0 (ok) is no error', () => {
    const text = 'Verify return code: 20 (unable to get local issuer certificate)';
    const m = only(text, 'openssl-s-client.verify-result');
    expect(explainLine(text).matches.filter((r) => r.rule.reason === true).map((r) => r.rule.id)).toContain('openssl.local-issuer');
    expect(m.captures).toMatchObject({ num: '20', why: 'unable to get local issuer certificate' });
    expect(m.rule.fault).toBe('receiver');
    expect(firstFindings(m)).toEqual(['cert.chain-incomplete', 'cert.untrusted-root']);
    expect(messages('Verify return code: 0 (ok)')).toEqual([]);
    expect(messages('Verification: OK')).toEqual([]);
  });
});

describe('the rules of these two files', () => {
  it('are 13 in smtp.ts and 24 in other-mtas.ts, each with a reference and a real sample', () => {
    expect(SMTP_RULES).toHaveLength(13);
    expect(OTHER_MTA_RULES).toHaveLength(24);
    for (const r of [...SMTP_RULES, ...OTHER_MTA_RULES]) {
      expect(r.refs.length, r.id).toBeGreaterThan(0);
      expect(r.samples.length, r.id).toBeGreaterThan(0);
    }
  });

  it('keep their keywords specific: none shorter than 7 characters, none a bare protocol word', () => {
    for (const r of [...SMTP_RULES, ...OTHER_MTA_RULES]) {
      for (const k of r.keywords) {
        expect(k.length, `${r.id}: ${k}`).toBeGreaterThanOrEqual(7);
        expect(['starttls', 'tls', 'ssl', 'certificate', 'error'], `${r.id}: ${k}`).not.toContain(k.trim());
      }
    }
  });
});
