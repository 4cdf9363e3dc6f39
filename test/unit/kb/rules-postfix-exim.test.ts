// The Postfix and Exim rules (src/kb/error-rules/postfix.ts, exim.ts) on the lines those MTAs
// print — as the interop lab made them, with their syslog prefixes, and in the variants logs
// hold (IPv6 peers, no port, the bare delivery-status text of a bounce): which rule, whose fault,
// the first cause's findings, and the confirming command naming the host or address of the line.
// Lines that look alike but mean something else are claimed by no rule, or by the other one.
// Every pattern ends quickly on hostile lines of the engine's maximum length.
import { describe, expect, it } from 'vitest';
import { EXIM_RULES } from '../../../src/kb/error-rules/exim.js';
import { POSTFIX_RULES } from '../../../src/kb/error-rules/postfix.js';
import { explainLine } from '../../../src/kb/explain-text.js';

/** The products' rules that recognise a line (the library reasons layered under them left out). */
const product = (line: string) => explainLine(line).matches.filter((m) => m.rule.reason !== true);

interface Case {
  line: string;
  id: string;
  fault: 'receiver' | 'sender' | 'either' | 'path';
  findings: string[];
  confirm: string;
  captures?: Record<string, string>;
}

const PF = 'Nov 29 19:22:25 client postfix/smtp[17049]: ';
const PFD = 'Nov 29 19:22:26 mx postfix/smtpd[17017]: ';
const EX = '2026-11-29 19:22:26 1xXkTi-0004Rr-0J ';
const EXD = '2026-11-29 19:22:27 ';

const CASES: Case[] = [
  // Postfix, the client
  {
    line: `${PF}E9A3320C5D9: to=<postmaster@plain.explain.test>, relay=mx.plain.explain.test[127.0.21.21]:25, delay=0.14, delays=0.08/0.03/0.03/0, dsn=4.7.4, status=deferred (TLS is required, but was not offered by host mx.plain.explain.test[127.0.21.21])`,
    id: 'postfix.tls-required-not-offered',
    fault: 'either',
    findings: ['starttls.not-offered'],
    confirm: 'mxray check mx.plain.explain.test',
    captures: { host: 'mx.plain.explain.test', ip: '127.0.21.21' },
  },
  {
    // A bounce's Diagnostic-Code after a delivery-status filter made it permanent (postconf(5) example), with an IPv6 peer.
    line: 'Diagnostic-Code: X-Postfix; TLS is required, but was not offered by host mx1.partner.example[2001:db8::25]',
    id: 'postfix.tls-required-not-offered',
    fault: 'either',
    findings: ['starttls.not-offered'],
    confirm: 'mxray check mx1.partner.example',
    captures: { host: 'mx1.partner.example', ip: '2001:db8::25' },
  },
  {
    line: `${PF}1DF9F20C716: to=<postmaster@key-mismatch.explain.test>, relay=mx.key-mismatch.explain.test[127.0.21.9]:25, delay=0, delays=0/0/0/0, dsn=4.7.0, status=deferred (TLS is required, but host mx.key-mismatch.explain.test[127.0.21.9] refused to start TLS: 454 4.7.0 TLS not available due to local problem)`,
    id: 'postfix.tls-required-refused',
    fault: 'receiver',
    findings: ['starttls.rejected', 'cert.key-mismatch'],
    confirm: 'mxray check mx.key-mismatch.explain.test',
    captures: { host: 'mx.key-mismatch.explain.test', ip: '127.0.21.9' },
  },
  {
    line: `${PF}413C320C71F: to=<postmaster@noengine.explain.test>, relay=mx.good.explain.test[127.0.21.4]:25, delay=0.02, delays=0.01/0.01/0/0, dsn=4.7.5, status=deferred (TLS is required, but our TLS engine is unavailable)`,
    id: 'postfix.tls-engine-unavailable',
    fault: 'sender',
    findings: ['cert.key-mismatch'],
    confirm: 'mxray cert <smtp_tls_chain_files> --key <smtp_tls_chain_files>',
    captures: { host: 'mx.good.explain.test', status: 'deferred' },
  },
  {
    line: `${PF}15AF620C70E: to=<postmaster@old-strict.explain.test>, relay=mx.old-tls.explain.test[127.0.21.8]:25, delay=0.04, delays=0.03/0/0/0, dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)`,
    id: 'postfix.handshake-failure',
    fault: 'either',
    findings: ['tls.old-protocol', 'tls.no-shared-cipher'],
    confirm: 'mxray check mx.old-tls.explain.test',
    captures: { host: 'mx.old-tls.explain.test', ip: '127.0.21.8' },
  },
  {
    line: `${PF}SSL_connect error to mx.close.explain.test[127.0.21.23]:25: lost connection`,
    id: 'postfix.ssl-connect-error',
    fault: 'either',
    findings: ['tls.old-protocol', 'tls.no-shared-cipher'],
    confirm: 'mxray check mx.close.explain.test',
    captures: { why: 'lost connection' },
  },
  {
    line: `${PF}F207920C6FE: to=<postmaster@ss-verify.explain.test>, relay=mx.self-signed.explain.test[127.0.21.2]:26, delay=0.13, delays=0.05/0.07/0.01/0, dsn=4.7.5, status=deferred (Server certificate not verified)`,
    id: 'postfix.server-certificate-not-trusted',
    fault: 'either',
    findings: ['cert.self-signed', 'cert.chain-incomplete', 'cert.untrusted-root', 'cert.expired'],
    confirm: 'mxray cert mx.self-signed.explain.test --profile postfix-verify --profile postfix-secure',
    captures: { what: 'verified', status: 'deferred' },
  },
  {
    line: `${PF}certificate verification failed for mx.self-signed.explain.test[127.0.21.2]:26: self-signed certificate`,
    id: 'postfix.certificate-verification-failed',
    fault: 'receiver',
    findings: ['cert.self-signed', 'cert.untrusted-root'],
    confirm: 'mxray cert mx.self-signed.explain.test',
    captures: { why: 'self-signed certificate' },
  },
  {
    // Older Postfix logs OpenSSL's number too.
    line: 'postfix/smtp[4242]: certificate verification failed for mx.other.example[198.51.100.3]:25: num=20:unable to get local issuer certificate',
    id: 'postfix.certificate-verification-failed',
    fault: 'receiver',
    findings: ['cert.self-signed', 'cert.untrusted-root'],
    confirm: 'mxray cert mx.other.example',
    captures: { num: '20', why: 'unable to get local issuer certificate' },
  },
  {
    line: `${PF}server certificate verification failed for mx.wrong-name.explain.test[127.0.21.3]:27: num=62:hostname mismatch`,
    id: 'postfix.certificate-name-mismatch',
    fault: 'receiver',
    findings: ['cert.name-mismatch'],
    confirm: 'mxray cert mx.wrong-name.explain.test --profile postfix-verify --profile postfix-secure',
  },
  {
    line: `${PF}Untrusted TLS connection established to mx.self-signed.explain.test[127.0.21.2]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256`,
    id: 'postfix.untrusted-tls',
    fault: 'receiver',
    findings: ['cert.self-signed'],
    confirm: 'mxray cert mx.self-signed.explain.test',
    captures: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' },
  },
  {
    line: `${PF}Anonymous TLS connection established to mx.no-cert.explain.test[127.0.21.12]:25: TLSv1.2 with cipher ADH-AES256-GCM-SHA384 (256/256 bits)`,
    id: 'postfix.anonymous-tls-to',
    fault: 'receiver',
    findings: [],
    confirm: 'mxray check mx.no-cert.explain.test',
    captures: { cipher: 'ADH-AES256-GCM-SHA384' },
  },
  {
    line: `${PF}server certificate verification failed for mx.mismatch.test[127.0.1.2]:25: num=65:no matching DANE TLSA records`,
    id: 'postfix.dane-no-match',
    fault: 'receiver',
    findings: ['dane.no-match', 'cert.tlsa-mismatch', 'dane.no-rollover'],
    confirm: 'mxray cert mx.mismatch.test --profile dane',
  },
  {
    line: `${PF}F0F1E20C9D2: to=<postmaster@bogus.test>, relay=none, delay=0.07, delays=0/0.05/0.01/0, dsn=4.7.5, status=deferred (TLSA lookup error for mx.bogus.test:25)`,
    id: 'postfix.dane-tlsa-lookup-error',
    fault: 'receiver',
    findings: ['dane.bogus', 'dane.tlsa-lookup-failed'],
    confirm: 'mxray check mx.bogus.test',
    captures: { port: '25' },
  },
  {
    line: `${PF}warning: DANE TLSA lookup problem: Host or domain name not found. Name service error for name=_25._tcp.mx.servfail.test type=TLSA: Host not found, try again`,
    id: 'postfix.dane-tlsa-lookup-error',
    fault: 'receiver',
    findings: ['dane.bogus', 'dane.tlsa-lookup-failed'],
    confirm: 'mxray check mx.servfail.test',
  },
  {
    line: `${PF}warning: _25._tcp.mx.unusable.test unsupported TLSA certificate usage: 0 0 1 4F600F31949C515414A929A923E8661CB2AC34974FB9373616FEDE5503241D3C`,
    id: 'postfix.dane-unusable-tlsa',
    fault: 'receiver',
    findings: ['dane.unusable-only', 'dane.unusable-records'],
    confirm: 'mxray check mx.unusable.test',
    captures: { usage: '0', selector: '0', matching: '1' },
  },
  {
    line: `${PF}warning: [mx.good.explain.test]:25: dane configured with dnssec lookups disabled`,
    id: 'postfix.dane-misconfigured',
    fault: 'sender',
    findings: [],
    confirm: 'mxray check mx.good.explain.test',
    captures: { level: 'dane' },
  },
  // Postfix 3.11's TLS features: a delivery below its level; the recipient's domain is what to test.
  {
    line: 'Nov 29 10:00:02 mx postfix/smtp[4711]: 4F1A2: to=<ann@partner.example>, relay=mx.partner.example[192.0.2.25]:25, delay=1.2, delays=0.1/0/0.6/0.5, tls=may:none, dsn=2.0.0, status=sent (250 2.0.0 Ok)',
    id: 'postfix.tls-feature-downgrade',
    fault: 'receiver',
    findings: ['dane.no-match', 'cert.name-mismatch', 'cert.untrusted-root'],
    confirm: 'mxray check partner.example',
    captures: { level: 'may', downgrade: 'none' },
  },
  {
    line: 'Nov 29 10:00:02 mx postfix/smtp[4711]: 4F1A2: to=<ann@partner.example>, relay=mx.partner.example[192.0.2.25]:25, delay=1.2, delays=0.1/0/0.6/0.5, tls=dane/!requiretls:nocertmatch, dsn=2.0.0, status=sent (250 2.0.0 Ok)',
    id: 'postfix.tls-feature-downgrade',
    fault: 'receiver',
    findings: ['dane.no-match', 'cert.name-mismatch', 'cert.untrusted-root'],
    confirm: 'mxray check partner.example',
    captures: { level: 'dane', downgrade: 'nocertmatch' },
  },
  // Exim, the server: a client whose last command was STARTTLS (log_selector +smtp_no_mail), this server's interface logged.
  {
    line: '2026-11-29 10:00:03 no MAIL in SMTP connection from mx.client.example [198.51.100.7]:40312 I=[192.0.2.25]:25 D=2s C=EHLO,STARTTLS',
    id: 'exim.no-mail-after-starttls',
    fault: 'either',
    findings: ['cert.self-signed', 'cert.chain-incomplete', 'cert.name-mismatch', 'dane.no-match'],
    confirm: 'mxray check 192.0.2.25',
    captures: { ip: '192.0.2.25' },
  },
  // Postfix, the server
  {
    line: `${PFD}Anonymous TLS connection established from unknown[127.0.0.1]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)`,
    id: 'postfix.anonymous-tls-from',
    fault: 'either',
    findings: ['tls.ok'],
    confirm: 'mxray check <your MX host>',
    captures: { client: 'unknown', clientip: '127.0.0.1' },
  },
  {
    line: `${PFD}SSL_accept error from client.example.net[2001:db8::7]: -1`,
    id: 'postfix.ssl-accept-error',
    fault: 'either',
    findings: ['tls.old-protocol', 'tls.no-shared-cipher'],
    confirm: 'mxray check <your MX host>',
    captures: { client: 'client.example.net', clientip: '2001:db8::7', why: '-1' },
  },
  {
    line: `${PFD}lost connection after STARTTLS from unknown[127.0.0.1]`,
    id: 'postfix.lost-connection-after-starttls',
    fault: 'either',
    findings: ['cert.chain-incomplete', 'cert.self-signed', 'cert.name-mismatch', 'dane.no-match'],
    confirm: 'mxray check <your MX host>',
    captures: { clientip: '127.0.0.1' },
  },
  {
    line: `${PFD}warning: TLS library problem: error:0A000412:SSL routines::sslv3 alert bad certificate:../ssl/record/rec_layer_s3.c:1601:SSL alert number 42:`,
    id: 'postfix.tls-library-problem',
    fault: 'either',
    findings: ['tls.handshake-failed', 'tls.old-protocol'],
    confirm: 'mxray check {domain}',
  },
  {
    line: `${PFD}warning: key at index 1 in /etc/postfix/chain.pem does not match next certificate`,
    id: 'postfix.key-or-certificate-not-loaded',
    fault: 'either',
    findings: ['cert.key-mismatch'],
    confirm: 'mxray cert <certificate file> --key <key file>',
    captures: { file: '/etc/postfix/chain.pem' },
  },
  {
    line: `${PFD}warning: cannot get RSA private key from file "/etc/ssl/private/mail.key": disabling TLS support`,
    id: 'postfix.key-or-certificate-not-loaded',
    fault: 'either',
    findings: ['cert.key-mismatch'],
    confirm: 'mxray cert <certificate file> --key <key file>',
    captures: { file: '/etc/ssl/private/mail.key' },
  },
  {
    line: `${PFD}cannot load Certification Authority data, CAfile="/etc/postfix/ca.pem": disabling TLS support`,
    id: 'postfix.ca-file-not-loaded',
    fault: 'either',
    findings: [],
    confirm: 'mxray cert <CAfile>',
    captures: { file: '/etc/postfix/ca.pem' },
  },
  // Exim, the client
  {
    line: `${EX}== postmaster@plain.explain.test R=r0 T=t_require defer (-38) H=mx.plain.explain.test [127.0.21.21]:25 I=[127.0.0.1]:45658: a TLS session is required, but the server did not offer TLS support`,
    id: 'exim.tls-required-not-offered',
    fault: 'either',
    findings: ['starttls.not-offered'],
    confirm: 'mxray check mx.plain.explain.test',
    captures: { host: 'mx.plain.explain.test', ip: '127.0.21.21' },
  },
  {
    // Without +outgoing_port and +incoming_interface (Debian's default log_selector), to an IPv6 MX.
    line: '2026-11-29 10:00:00 1xXkTi-0004Rr-0J == user@partner.example R=dnslookup T=remote_smtp defer (-38) H=mx.partner.example [2001:db8::25]: a TLS session is required, but the server did not offer TLS support',
    id: 'exim.tls-required-not-offered',
    fault: 'either',
    findings: ['starttls.not-offered'],
    confirm: 'mxray check mx.partner.example',
    captures: { ip: '2001:db8::25' },
  },
  {
    line: `${EX}H=mx.key-mismatch.explain.test [127.0.21.9]:25: a TLS session is required, but an attempt to start TLS failed`,
    id: 'exim.tls-required-start-failed',
    fault: 'receiver',
    findings: ['starttls.rejected', 'cert.key-mismatch'],
    confirm: 'mxray check mx.key-mismatch.explain.test',
  },
  {
    line: `${EX}== postmaster@ss-verify.explain.test R=r1 T=t_verify defer (-37) H=mx.self-signed.explain.test [127.0.21.2]:25 I=[127.0.0.1]:56352: TLS session: (certificate verification failed): certificate invalid`,
    id: 'exim.certificate-verification-failed',
    fault: 'receiver',
    findings: ['cert.self-signed', 'cert.chain-incomplete', 'cert.expired', 'cert.untrusted-root'],
    confirm: 'mxray cert mx.self-signed.explain.test --profile exim-verify',
    captures: { why: 'certificate invalid' },
  },
  {
    line: `${EX}== postmaster@close.explain.test R=r4 T=t_require defer (-37) H=mx.close.explain.test [127.0.21.23]:25 I=[127.0.0.1]:51008: TLS session: (gnutls_handshake): The TLS connection was non-properly terminated.`,
    id: 'exim.tls-session-failed',
    fault: 'either',
    findings: ['tls.old-protocol', 'tls.no-shared-cipher'],
    confirm: 'mxray check mx.close.explain.test',
    captures: { where: 'gnutls_handshake', why: 'The TLS connection was non-properly terminated.' },
  },
  {
    line: `${EX}H=mx.tls-drop.explain.test [127.0.21.25] TLS error on connection (recv): The TLS connection was non-properly terminated.`,
    id: 'exim.tls-connection-dropped',
    fault: 'either',
    findings: ['tls.server-aborted'],
    confirm: 'mxray check mx.tls-drop.explain.test',
    captures: { where: 'recv' },
  },
  {
    line: `${EX}=> postmaster@unverified.explain.test R=r7 T=t_plain H=mx.expired.explain.test [127.0.21.5]:25 I=[127.0.0.1]:38590 X=TLS1.3:ECDHE_SECP256R1__RSA_PSS_RSAE_SHA256__AES_256_GCM:256 CV=no DN="CN=mx.expired.explain.test,O=mxray test server" K C="250 2.0.0 Ok: 391 bytes queued as 905AF20C8E4"`,
    id: 'exim.delivered-certificate-unverified',
    fault: 'receiver',
    findings: ['send.certificate-unverified', 'cert.self-signed', 'cert.chain-incomplete', 'cert.expired', 'cert.name-mismatch'],
    confirm: 'mxray cert mx.expired.explain.test --profile exim-verify',
    captures: { cipher: 'TLS1.3:ECDHE_SECP256R1__RSA_PSS_RSAE_SHA256__AES_256_GCM:256' },
  },
  {
    line: '2019-07-23 11:55:22 1hpltZ-00ECG0-Rv => user@partner.example R=lookuphost T=remote_smtp S=110936 H=mx.partner.example [192.0.2.175] X=TLSv1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=no C="250 2.0.0 Ok"',
    id: 'exim.delivered-certificate-unverified',
    fault: 'receiver',
    findings: ['send.certificate-unverified', 'cert.self-signed', 'cert.chain-incomplete', 'cert.expired', 'cert.name-mismatch'],
    confirm: 'mxray cert mx.partner.example --profile exim-verify',
    captures: { ip: '192.0.2.175' },
  },
  {
    line: '2016-01-26 02:55:02 1aNsqT-0011vJ-OR [192.0.2.241] SSL verify error: certificate name mismatch: "/CN=mail.other.example"',
    id: 'exim.ssl-verify-error',
    fault: 'receiver',
    findings: ['cert.name-mismatch'],
    confirm: 'mxray cert 192.0.2.241 --profile exim-verify',
    captures: { dn: '/CN=mail.other.example' },
  },
  // Exim, the server
  {
    line: `${EXD}TLS error on connection from (abandon.explain.test) [127.0.0.1] I=[127.0.21.50]:25 (gnutls_handshake): The TLS connection was non-properly terminated.`,
    id: 'exim.tls-error-from-client',
    fault: 'either',
    findings: ['cert.self-signed', 'cert.chain-incomplete', 'cert.name-mismatch', 'cert.sender-refuses'],
    confirm: 'mxray check 127.0.21.50',
    captures: { helo: 'abandon.explain.test', clientip: '127.0.0.1', ip: '127.0.21.50' },
  },
  {
    // Debian's default log_selector: no I=, a client with reverse DNS and a port.
    line: '2026-11-29 10:00:00 TLS error on connection from mail.client.example (ehlo.client.example) [198.51.100.7]:40000 (gnutls_handshake): No supported cipher suites have been found.',
    id: 'exim.tls-error-from-client',
    fault: 'either',
    findings: ['cert.self-signed', 'cert.chain-incomplete', 'cert.name-mismatch', 'cert.sender-refuses'],
    confirm: 'mxray check {ip}',
    captures: { client: 'mail.client.example', helo: 'ehlo.client.example', clientip: '198.51.100.7' },
  },
  {
    line: `${EXD}TLS error on connection from (mail.example.com) [127.0.0.1] I=[127.0.21.52]:25 (gnutls_handshake): Certificate is required.`,
    id: 'exim.client-certificate-rejected',
    fault: 'sender',
    findings: ['tls.client-cert-required', 'policy.client-cert-required', 'send.client-cert-required', 'send.client-cert-refused'],
    confirm: 'mxray check 127.0.21.52',
  },
  {
    line: `${EXD}TLS error on connection from (client.pf.explain.test) [127.0.0.1] I=[127.0.21.51]:25 (cert/key setup: cert=/etc/exim4/exim.crt key=/etc/exim4/exim.key): The certificate and the given key do not match.`,
    id: 'exim.cert-key-setup',
    fault: 'receiver',
    findings: ['cert.key-mismatch', 'starttls.rejected'],
    confirm: 'mxray cert <tls_certificate> --key <tls_privatekey>',
    captures: { certfile: '/etc/exim4/exim.crt', keyfile: '/etc/exim4/exim.key', ip: '127.0.21.51' },
  },
];

describe('the Postfix and Exim rules on real lines', () => {
  it.each(CASES)('$id: $line', (c) => {
    const matches = product(c.line);
    expect(matches.map((m) => m.rule.id)).toEqual([c.id]);
    const m = matches[0]!;
    expect(m.rule.fault).toBe(c.fault);
    expect(m.rule.causes[0]?.findings).toEqual(c.findings);
    expect(m.confirm).toBe(c.confirm);
    expect(m.captures).toMatchObject(c.captures ?? {});
  });

  it('a library reason quoted in a Postfix line is layered under the Postfix rule, and its command names the same host', () => {
    const e = explainLine(`${PF}certificate verification failed for mx.expired.explain.test[127.0.21.5]:26: certificate has expired`);
    expect(e.matches.map((m) => [m.rule.id, m.confirm])).toEqual([
      ['postfix.certificate-verification-failed', 'mxray cert mx.expired.explain.test'],
      ['openssl.certificate-expired', 'mxray cert mx.expired.explain.test'],
    ]);
  });

  it('the name mismatch and the DANE mismatch are not also taken for a chain failure', () => {
    for (const line of [
      'server certificate verification failed for mx.a.example[192.0.2.1]:25: num=62:hostname mismatch',
      'CA certificate verification failed for mx.a.example[192.0.2.1]:25: num=65:no matching DANE TLSA records',
    ]) {
      expect(product(line).map((m) => m.rule.id)).not.toContain('postfix.certificate-verification-failed');
    }
  });

  it('lines that report success, or a client certificate on reception, are claimed by no rule', () => {
    for (const line of [
      `${PF}Verified TLS connection established to mx.good.explain.test[127.0.21.4]:27: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)`,
      `${PF}Trusted TLS connection established to mx.good.explain.test[127.0.21.4]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)`,
      // Exim receiving: CV=no says the client sent no certificate that verified — normal.
      '2019-07-23 11:55:21 1hpltZ-00ECG0-Rv <= user@client.example H=(desktop) [198.51.100.9]:63715 P=esmtpsa X=TLSv1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=no A=dovecot_login:user S=13483',
      `${EX}=> postmaster@good.explain.test R=r9 T=t_verify H=mx.good.explain.test [127.0.21.4]:25 X=TLS1.3:ECDHE_SECP256R1__RSA_PSS_RSAE_SHA256__AES_256_GCM:256 CV=yes C="250 2.0.0 Ok"`,
    ]) {
      expect(product(line), line).toEqual([]);
    }
  });

  it('an Exim client failure is not taken for a server one, nor the other way round', () => {
    const client = product(`${EX}== x@y.example R=r T=t defer (-37) H=mx.y.example [192.0.2.9]:25: TLS session: (gnutls_handshake): A TLS fatal alert has been received.`);
    expect(client.map((m) => m.rule.id)).toEqual(['exim.tls-session-failed']);
    const server = product(`${EXD}TLS error on connection from (x.example) [192.0.2.9] (gnutls_handshake): A TLS fatal alert has been received.`);
    expect(server.map((m) => m.rule.id)).toEqual(['exim.tls-error-from-client']);
    // A server's certificate failure as a client sees it, and a client's as a server sees it.
    expect(product(`${EX}H=mx.y.example [192.0.2.9]:25: TLS session: (certificate verification failed): certificate invalid`).map((m) => m.rule.id)).toEqual(['exim.certificate-verification-failed']);
    expect(product(`${EXD}TLS error on connection from (x.example) [192.0.2.9] (certificate verification failed): certificate invalid`).map((m) => m.rule.id)).toEqual(['exim.client-certificate-rejected']);
  });

  it('every pattern ends quickly on hostile lines of the engine’s maximum length', () => {
    const fragments = [
      'relay=a',
      'relay=a[1.1.1.1]:25, status=',
      'H=a [1.1.1.1]:25 ',
      'T=t H=a [1.1.1.1] ',
      'certificate verification failed for a[1.1.1.1]:25: ',
      'TLS error on connection from (a) [1.1.1.1] ',
      '(cert/key setup: cert=a key=',
      '_25._tcp.a unsupported TLSA certificate usage: ',
      '[a]:25: ',
      'name=_25._tcp.',
      'a'.repeat(300),
      '[1.1.1.1] SSL verify error: depth=1 error=',
      ': ',
    ];
    const hostile = fragments.map((f) => f.repeat(Math.ceil((16 * 1024) / f.length)).slice(0, 16 * 1024));
    for (const rule of [...POSTFIX_RULES, ...EXIM_RULES]) {
      for (const pattern of rule.patterns) {
        for (const line of hostile) {
          // Ends (a catastrophic pattern would hold the test past its time-out); the bound itself is the lint step's (scripts/check-patterns.js) and bench/explain.js measures the worst line.
          expect(() => pattern.exec(line), `${rule.id} ${pattern.source.slice(0, 60)} on ${line.slice(0, 40)}…`).not.toThrow();
        }
      }
    }
  });
});
