// The sender judge's edges that the mutation run found untested (scripts/mutation.js on
// src/checks/sender): how alerts and error codes are read, each failure pattern, the bounds on
// hostile text, the weak-cipher patterns, the EHLO name's shape, the DNS rules and the message.
// Each test names the behaviour it pins; together with judge.test.ts they kill every mutant that
// can change what a finding says.
import { describe, expect, it } from 'vitest';
import { judgeSender } from '../../../../src/checks/sender/judge.js';
import { cipherWeakness, ehloProblem, handshakeWhy, listenerText, sameAddress } from '../../../../src/checks/sender/index.js';
import type { SenderBody } from '../../../../src/core/schema.js';
import { DEFAULT_PROFILE } from '../../../../src/kb/profiles.js';
import { createTrustStore } from '../../../../src/pki/trust-store.js';
import { body, CLEAR, CLIENT_IP, dns, EHLO, headerMessage, hop, session, withTls } from './sender-facts.js';

const NOW = Date.parse('2026-11-29T10:00:05.000Z');
const trustStore = createTrustStore([], 'no roots');
const judge = (b: SenderBody) => judgeSender(b, { trustStore, now: NOW });
const ids = (b: SenderBody) => judge(b).map((f) => f.id);
const find = (b: SenderBody, id: string) => judge(b).find((f) => f.id === id);
const HELLO = body().session.tls.clientHello!;

/** handshakeWhy of a failure with this code, text and client alert (and the default ClientHello). */
const why = (code: string | null, text: string, clientAlert: string | null, hello: typeof HELLO | null = HELLO) => handshakeWhy({ failure: { code, text, clientAlert }, clientHello: hello });
const REFUSED = (alert: string) => `your server refused our certificate (alert ${alert}): it verifies the certificate of this destination`;

describe('handshakeWhy: alerts as the client named them', () => {
  it('OpenSSL’s "sslv3/tlsv1/tlsv1.x/tlsv13 alert …" prefix is dropped, spaces and dashes become underscores', () => {
    expect(why(null, 'x', 'sslv3 alert bad certificate')).toBe(REFUSED('bad_certificate'));
    expect(why(null, 'x', 'tlsv1 alert unknown ca')).toBe(REFUSED('unknown_ca'));
    expect(why(null, 'x', 'TLSv1.2 alert certificate expired')).toBe(REFUSED('certificate_expired'));
    expect(why(null, 'x', 'tlsv13 alert certificate-revoked')).toBe(REFUSED('certificate_revoked'));
    expect(why(null, 'x', 'unsupported  -  certificate')).toBe(REFUSED('unsupported_certificate'));
    expect(why(null, 'x', 'DECRYPT_ERROR')).toBe(REFUSED('decrypt_error'));
  });

  it('the prefix only at the start, and only the known ones', () => {
    // Not a prefix in the middle: the words stay part of the alert name.
    expect(why(null, 'x', 'odd tlsv1 alert unknown ca')).toBe('the handshake failed: x alert odd_tlsv1_alert_unknown_ca');
    expect(why(null, 'x', 'tlsv12 alert unknown ca')).toBe('the handshake failed: x alert tlsv12_alert_unknown_ca');
  });

  it('a client alert longer than 60 characters is cut to 60 before it is read', () => {
    const long = `${'z'.repeat(70)}`;
    expect(why(null, 'x', long)).toBe(`the handshake failed: x alert ${'z'.repeat(60)}`);
    // A certificate alert past the 60th character is not seen.
    expect(why(null, 'x', `${' '.repeat(60)}bad_certificate`)).not.toContain('refused our certificate');
  });

  it('without a client alert, the alert named by a Node error code, in any case', () => {
    expect(why('err_ssl_tlsv1_alert_unknown_ca', 'x', null)).toBe(REFUSED('unknown_ca'));
    expect(why('ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN', 'x', null)).toBe(REFUSED('certificate_unknown'));
    // The alert must end the code.
    expect(why('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA.', 'x', null)).toBe('the handshake failed: x (ERR_SSL_TLSV1_ALERT_UNKNOWN_CA.)');
    // A client alert wins over the code.
    expect(why('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'x', 'close_notify')).toBe('the handshake failed: x (ERR_SSL_TLSV1_ALERT_UNKNOWN_CA) alert close_notify');
  });

  it('alerts that are not about our certificate are not read as one', () => {
    expect(why(null, 'x', 'internal_error')).toBe('the handshake failed: x alert internal_error');
    expect(why('ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR', 'x', null)).toBe('the handshake failed: x (ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR) alert internal_error');
  });
});

describe('handshakeWhy: each failure pattern, in the code or the text, any case', () => {
  const VERSION = 'no TLS version in common: your server offered TLSv1.3, TLSv1.2';
  const CIPHER = 'no cipher suite or key exchange in common: your server offered 4 suites (TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_GCM_SHA256 and 1 more)';

  it('no version in common', () => {
    for (const code of ['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_VERSION_TOO_LOW', 'ERR_SSL_NO_PROTOCOLS_AVAILABLE', 'ERR_SSL_UNKNOWN_PROTOCOL', 'ERR_SSL_UNSUPPORTED_PROTOCOL']) {
      expect(why(code, 'x', null)).toBe(VERSION);
    }
    expect(why(null, 'wrong version number', null)).toBe('the handshake failed: wrong version number');
    expect(why(null, 'error:0A000102:SSL routines::unsupported_protocol', null)).toBe(VERSION);
    expect(why(null, 'x', 'protocol_version')).toBe(VERSION);
    expect(why(null, 'x', 'protocol version')).toBe(VERSION);
  });

  it('a ClientHello with no versions listed: not read', () => {
    expect(why('ERR_SSL_UNSUPPORTED_PROTOCOL', 'x', null, { ...HELLO, versions: [] })).toBe('no TLS version in common: your server offered versions we could not read');
  });

  it('no cipher or key exchange in common', () => {
    for (const code of ['ERR_SSL_NO_SHARED_CIPHER', 'ERR_SSL_NO_CIPHERS_AVAILABLE', 'ERR_SSL_INSUFFICIENT_SECURITY', 'ERR_SSL_NO_SUITABLE_KEY_SHARE', 'ERR_SSL_NO_SHARED_GROUP']) {
      expect(why(code, 'x', null)).toBe(CIPHER);
    }
    expect(why(null, 'error:0A0000C1:SSL routines::no_shared_cipher', null)).toBe(CIPHER);
    expect(why(null, 'x', 'insufficient_security')).toBe(CIPHER);
    expect(why(null, 'x', 'handshake failure')).toBe(CIPHER);
  });

  it('the suites counted include those the ClientHello had no room to list', () => {
    expect(why('ERR_SSL_NO_SHARED_CIPHER', 'x', null, { ...HELLO, ciphers: ['A', 'B'], ciphersNotListed: 40 })).toBe('no cipher suite or key exchange in common: your server offered 42 suites (A, B)');
  });

  it('closed: reset, broken pipe, hang up, closed, unexpected EOF', () => {
    for (const [code, text] of [
      ['EPIPE', 'write'],
      [null, 'socket hang up'],
      [null, 'Client network socket disconnected before secure TLS connection was established: connection closed'],
      [null, 'error:0A000126:SSL routines::unexpected eof while reading'],
      ['ECONNRESET', 'read'],
    ] as const) {
      expect(why(code, text, null)).toBe('your server closed the connection during the handshake');
    }
  });

  it('timed out: "timeout" or "timed out"', () => {
    expect(why('ETIMEOUT', 'x', null)).toBe('the handshake did not finish in time');
    expect(why(null, 'TLS handshake Timeout', null)).toBe('the handshake did not finish in time');
    expect(why(null, 'handshake timed out', null)).toBe('the handshake did not finish in time');
  });

  it('else OpenSSL’s words: the text cut at 200, the code at 100, and nothing empty said', () => {
    expect(why(null, 'y'.repeat(250), null)).toBe(`the handshake failed: ${'y'.repeat(200)}`);
    const code = `ERR_${'Q'.repeat(150)}`;
    expect(why(code, 'odd', null)).toBe(`the handshake failed: odd (${code.slice(0, 100)})`);
    expect(why('', 'odd', null)).toBe('the handshake failed: odd');
  });
});

describe('cipherWeakness: the patterns’ edges', () => {
  const w = (cipher: string | null, cipherStandard: string | null = null, protocol: string | null = 'TLSv1.2') => cipherWeakness({ cipher, cipherStandard, protocol });

  it('NULL only as a word of the name', () => {
    expect(w('NULL-SHA')).toBe('no encryption at all (NULL)');
    expect(w('ECDHE-RSA-AES128-SHA', 'TLS_ECDHE_RSA_WITH_NULL')).toBe('no encryption at all (NULL)');
    expect(w('ECDHE-RSA-AES128-NULLX-SHA')).toBeNull();
    expect(w('ECDHE-RSA-XNULL-SHA')).toBeNull();
  });

  it('export grade: EXP, EXPORT and EXP1024, at the start or after a separator, not inside a word', () => {
    expect(w('EXP1024-DES-CBC-SHA')).toBe('export grade, breakable in hours');
    expect(w(null, 'TLS_RSA_EXPORT1024_WITH_RC4_56_SHA')).toBe('export grade, breakable in hours');
    expect(w('ECDHE-RSA-EXPX-SHA')).toBeNull();
    expect(w('ECDHE-RSA-XEXP-SHA')).toBeNull();
  });

  it('anonymous: ADH- and AECDH- at the start of a name, "anon" anywhere', () => {
    expect(w('AECDH-AES128-SHA')).toBe('anonymous: the server is not authenticated');
    expect(w(null, 'ADH-AES256-SHA')).toBe('anonymous: the server is not authenticated');
    expect(w('ECDHE-XADH-AES128-SHA')).toBeNull();
  });

  it('DES as a word, DES-CBC3 and DES_EDE; not inside another word', () => {
    expect(w('EDH-RSA-DES-CBC3-SHA')).toBe('3DES or DES, 64-bit blocks (Sweet32)');
    expect(w(null, 'TLS_ECDHE_RSA_WITH_DES_CBC_SHA')).toBe('3DES or DES, 64-bit blocks (Sweet32)');
    expect(w(null, 'TLS_DHE_DSS_WITH_DES_EDE_CBC_SHA')).toBe('3DES or DES, 64-bit blocks (Sweet32)');
    expect(w('ECDHE-RSA-DESX-SHA')).toBeNull();
  });

  it('forward secrecy: DHE, EDH, ECDHE, the TLS 1.3 names, any TLS 1.3 suite', () => {
    expect(w('EDH-RSA-AES128-SHA')).toBeNull();
    expect(w(null, 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256')).toBeNull();
    expect(w('TLS_CHACHA20_POLY1305_SHA256', null, null)).toBeNull();
    expect(w('TLS_AES_128_GCM_SHA256', null, null)).toBeNull();
    expect(w('AES128-GCM-SHA256', null, 'TLSv1.3')).toBeNull();
    expect(w('AES128-GCM-SHA256', null, null)).toBe('no forward secrecy (RSA key exchange)');
    expect(w('', '')).toBeNull();
  });
});

describe('TLS findings: facts and choices', () => {
  it('listenerText: address, port and policy', () => {
    expect(listenerText({ listener: { address: '192.0.2.1', port: 587, policy: 'require-tls' } })).toBe('192.0.2.1:587 (require-tls)');
  });

  it('sender.tls-ok says what is known, and a stand-in for what is not', () => {
    const f = find(body({ session: withTls({ protocol: null, cipher: null, cipherStandard: null, group: null }) }), 'sender.tls-ok')!;
    expect(f.facts).toEqual({ protocol: 'TLS', cipher: 'cipher not known', group: '' });
    expect(f.title).toBe('Your server sent with TLS (cipher not known)');
    // The IANA name wins over OpenSSL's.
    expect(find(body({ session: withTls({ cipher: 'ECDHE-RSA-AES128-GCM-SHA256', cipherStandard: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', protocol: 'TLSv1.2' }) }), 'sender.tls-ok')?.facts.cipher).toBe('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
  });

  it('sender.weak-cipher names the IANA suite, else OpenSSL’s name', () => {
    const weak = (cipher: string | null, cipherStandard: string | null) => find(body({ session: withTls({ protocol: 'TLSv1.2', cipher, cipherStandard }) }), 'sender.weak-cipher')?.facts;
    expect(weak('DES-CBC3-SHA', null)).toEqual({ cipher: 'DES-CBC3-SHA', weakness: '3DES or DES, 64-bit blocks (Sweet32)' });
    expect(weak(null, 'TLS_RSA_WITH_3DES_EDE_CBC_SHA')).toEqual({ cipher: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', weakness: '3DES or DES, 64-bit blocks (Sweet32)' });
  });

  it('sender.old-protocol: an empty version list in the ClientHello falls back to the protocol', () => {
    const f = find(body({ session: withTls({ protocol: 'TLSv1', cipher: 'ECDHE-RSA-AES128-SHA', cipherStandard: null, clientHello: { ...HELLO, versions: [] } }) }), 'sender.old-protocol');
    expect(f?.facts).toEqual({ protocol: 'TLSv1', offered: 'TLSv1' });
    // The profile decides what is old.
    const b = body({ session: withTls({ protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256', cipherStandard: null }) });
    const strict = judgeSender(b, { trustStore, now: NOW, profile: { ...DEFAULT_PROFILE, oldProtocols: ['TLSv1.2'] } }).map((x) => x.id);
    expect(strict).toContain('sender.old-protocol');
    expect(strict).not.toContain('sender.tls-ok');
  });

  it('sender.earlier-handshake-failed: why and when, of the last failed one', () => {
    const failed = session({ id: 'c0', startedAt: '2026-11-29T10:00:02.000Z', clientPort: 40999, tls: { ...session().tls, established: false, failure: { code: 'ECONNRESET', text: 'read', clientAlert: null } } });
    const f = find(body({ earlier: [failed, session({ id: 'c1' })] }), 'sender.earlier-handshake-failed');
    expect(f?.facts).toEqual({ why: 'your server closed the connection during the handshake', earlier: 'at 10:00:02 UTC from port 40999' });
    // A session that did not even try TLS is no failed handshake.
    const clear = withTls({ ...CLEAR, failure: { code: 'ECONNRESET', text: 'read', clientAlert: null } }, { id: 'c0' });
    expect(ids(body({ earlier: [clear] }))).not.toContain('sender.earlier-handshake-failed');
  });

  it('sender.starttls-failed names the listener', () => {
    const b = body({ session: withTls({ established: false, failure: { code: 'ECONNRESET', text: 'read', clientAlert: null } }, { listener: { address: '192.0.2.1', port: 2525, policy: 'opportunistic' } }) });
    expect(find(b, 'sender.starttls-failed')?.facts).toEqual({ why: 'your server closed the connection during the handshake', listener: '192.0.2.1:2525 (opportunistic)' });
    expect(ids(b)).not.toContain('sender.tls-ok');
  });

  it('STARTTLS used though not offered (after HELO) is judged as TLS', () => {
    const b = body({ session: withTls({ offered: false }, { greeting: { command: 'HELO', name: EHLO } }) });
    expect(ids(b)).toContain('sender.tls-ok');
    expect(ids(b)).not.toContain('sender.helo-only');
  });

  it('sender.helo-only and sender.tls-required-refused bound what the peer wrote', () => {
    const name = `h${'e'.repeat(400)}.test`;
    expect(find(body({ session: withTls({ ...CLEAR, offered: false }, { greeting: { command: 'HELO', name } }) }), 'sender.helo-only')?.facts.name).toBe(name.slice(0, 300));
    const text = 'r'.repeat(300);
    const refused = body({ session: withTls(CLEAR, { listener: { address: '0.0.0.0', port: 25, policy: 'require-tls' }, outcome: 'refused', finalReply: { code: 530, text } }) });
    expect(find(refused, 'sender.tls-required-refused')?.facts.reply).toBe(`530 ${'r'.repeat(200)}`);
  });

  it('sender.requiretls-used only when REQUIRETLS was given', () => {
    expect(ids(body())).not.toContain('sender.requiretls-used');
  });
});


describe('names: the EHLO name’s shape', () => {
  it('address literals: brackets, IPv6: in any case, compared as addresses', () => {
    expect(ehloProblem('[ipv6:2001:DB8::1]', '2001:db8::1')).toBe('an address literal instead of a host name');
    expect(ehloProblem(' [192.0.2.25] ', CLIENT_IP)).toBe('an address literal instead of a host name');
    expect(ehloProblem('[2001:db8::2]', '2001:db8::1')).toBe('an address literal of another address than 2001:db8::1');
    // Not a literal: no closing bracket, or something after it.
    expect(ehloProblem('[192.0.2.25', CLIENT_IP)).toBe('not a valid host name');
    expect(ehloProblem('[192.0.2.25]x', CLIENT_IP)).toBe('not a valid host name');
  });

  it('localhost, with a trailing dot or a domain after it; not a name that merely starts so', () => {
    expect(ehloProblem('LOCALHOST.', CLIENT_IP)).toBe('localhost');
    expect(ehloProblem('localhost.example.com', CLIENT_IP)).toBe('localhost');
    expect(ehloProblem('localhostx.example.com', CLIENT_IP)).toBeNull();
  });

  it('a bare address: four numbers, or anything with a colon', () => {
    expect(ehloProblem('2001:db8::1', CLIENT_IP)).toBe('a bare address without the brackets of an address literal');
    // Three numbers or five are a (numeric) host name, not an address.
    expect(ehloProblem('1.2.3', CLIENT_IP)).toBeNull();
    expect(ehloProblem('1.2.3.4.5', CLIENT_IP)).toBeNull();
    expect(ehloProblem('x1.2.3.4', CLIENT_IP)).toBeNull();
  });

  it('labels of up to 63 characters, names of up to 253, letters, digits, dash and underscore', () => {
    const label = (n: number) => 'a'.repeat(n);
    expect(ehloProblem(`${label(63)}.example.com`, CLIENT_IP)).toBeNull();
    expect(ehloProblem(`${label(64)}.example.com`, CLIENT_IP)).toBe('not a valid host name');
    expect(ehloProblem(`mail.${label(64)}.com`, CLIENT_IP)).toBe('not a valid host name');
    const long = Array.from({ length: 4 }, () => label(63)).join('.');
    expect(long).toHaveLength(255);
    expect(ehloProblem(long, CLIENT_IP)).toBe('not a valid host name');
    expect(ehloProblem(long.slice(0, 253), CLIENT_IP)).toBeNull();
    expect(ehloProblem('_smtp.mail-1.example.com', CLIENT_IP)).toBeNull();
    expect(ehloProblem('mail._x.example.com', CLIENT_IP)).toBeNull();
    expect(ehloProblem('mail..example.com', CLIENT_IP)).toBe('not a valid host name');
    expect(ehloProblem('mail.-x.example.com', CLIENT_IP)).toBe('not a valid host name');
    expect(ehloProblem('mail.example.com!', CLIENT_IP)).toBe('not a valid host name');
    expect(ehloProblem('!mail.example.com', CLIENT_IP)).toBe('not a valid host name');
  });

  it('every internal suffix, only as the last label', () => {
    for (const s of ['local', 'localdomain', 'lan', 'internal', 'intranet', 'corp', 'home', 'private', 'localhost']) {
      expect(ehloProblem(`mx.${s}`, CLIENT_IP)).toBe('an internal name that does not exist on the internet');
    }
    expect(ehloProblem('MX.Example.LAN.', CLIENT_IP)).toBe('an internal name that does not exist on the internet');
    expect(ehloProblem('local.example.com', CLIENT_IP)).toBeNull();
    expect(ehloProblem('mx.mylan', CLIENT_IP)).toBeNull();
  });

  it('sameAddress trims and ignores case; what is not an address is compared as text', () => {
    expect(sameAddress(' 192.0.2.1 ', '192.0.2.1')).toBe(true);
    expect(sameAddress('::FFFF:192.0.2.1', '192.0.2.1')).toBe(true);
    expect(sameAddress('Not-An-Address', 'not-an-address')).toBe(true);
    expect(sameAddress('::ffff:192.0.2.1', '192.0.2.2')).toBe(false);
  });
});

describe('names: a client on a private network', () => {
  it('link-local, unique-local and site-local are private; a multicast or reserved address is not', () => {
    const why = (ip: string) => find(body({ session: session({ clientIp: ip }) }), 'sender.private-address')?.facts.why;
    expect(why('169.254.1.1')).toBe('a link-local address');
    expect(why('fd00::5')).toBe('a unique-local address');
    expect(why('fec0::5')).toBe('a site-local address');
    expect(why('172.16.0.9')).toBe('a private address');
    expect(why('::1')).toBe('a loopback address');
    expect(why('100.64.1.1')).toBe('a shared (CGNAT) address');
    expect(why('240.0.0.1')).toBeUndefined();
  });

  it('only the private-address finding and the EHLO name’s shape, cut at 300', () => {
    const name = `${'n'.repeat(320)}`;
    const b = body({ session: session({ clientIp: '10.0.0.9', greeting: { command: 'EHLO', name } }), dns: dns({ unfinished: ['TXT sender.test'] }) });
    expect(ids(b)).toEqual(['sender.ehlo-invalid', 'sender.no-client-cert', 'sender.private-address', 'sender.tls-ok']);
    expect(find(b, 'sender.ehlo-invalid')?.facts).toEqual({ name: name.slice(0, 300), why: 'not a valid host name' });
    expect(find(b, 'sender.private-address')?.facts.ip).toBe('10.0.0.9');
    // No greeting: nothing about the name.
    const none = body({ session: session({ clientIp: '10.0.0.9', greeting: null, outcome: 'no-message', message: null }) });
    expect(ids(none)).toEqual(['sender.message-not-accepted', 'sender.no-client-cert', 'sender.private-address']);
  });
});

describe('names: reverse DNS, the EHLO name against DNS, SPF', () => {
  it('every temporary error of the PTR lookup is unfinished, not "no reverse name"', () => {
    for (const error of ['timeout', 'query timed out', 'REFUSED', 'ECONNREFUSED', 'ETIMEOUT', 'EAI_AGAIN', 'network unreachable', 'SERVFAIL']) {
      const b = body({ dns: dns({ reverse: { names: [], error }, fcrdns: null }) });
      expect(ids(b)).not.toContain('sender.no-rdns');
      expect(find(b, 'sender.dns-unfinished')?.facts.lookups).toBe(`PTR ${CLIENT_IP} (${error})`);
    }
    expect(find(body({ dns: dns({ reverse: { names: [], error: 'NOTFOUND' }, fcrdns: null }) }), 'sender.no-rdns')?.facts).toEqual({ ip: CLIENT_IP, why: 'NOTFOUND' });
  });

  it('a PTR lookup the resolver listed as unfinished (any case) is said once', () => {
    const b = body({ dns: dns({ reverse: { names: [], error: 'SERVFAIL' }, fcrdns: null, unfinished: [`ptr ${CLIENT_IP}`] }) });
    expect(find(b, 'sender.dns-unfinished')?.facts.lookups).toBe(`ptr ${CLIENT_IP}`);
    expect(ids(b)).not.toContain('sender.no-rdns');
    // Only a PTR entry counts, at the start of the entry, as a word.
    const other = body({ dns: dns({ reverse: { names: [], error: null }, fcrdns: null, unfinished: ['A PTR.example', 'PTRX 1'] }) });
    expect(ids(other)).toContain('sender.no-rdns');
  });

  it('FCrDNS: a mismatch names a few of the reverse names; unknown (null) says nothing', () => {
    const names = ['a.isp.test', 'b.isp.test', 'c.isp.test', 'd.isp.test'];
    const b = body({ dns: dns({ reverse: { names, error: null }, fcrdns: false }) });
    expect(find(b, 'sender.fcrdns-mismatch')?.facts).toEqual({ ip: CLIENT_IP, names: 'a.isp.test, b.isp.test, c.isp.test and 1 more' });
    expect(ids(body({ dns: dns({ fcrdns: null }) }))).not.toContain('sender.fcrdns-mismatch');
  });

  it('the EHLO name against its addresses and the reverse name: trailing dots and case do not matter', () => {
    const b = body({ session: session({ greeting: { command: 'EHLO', name: 'Mail.Sender.Test' } }), dns: dns({ reverse: { names: ['MAIL.SENDER.TEST.'], error: null }, ehlo: { name: 'Mail.Sender.Test', literal: null, addresses: ['198.51.100.1', CLIENT_IP], error: null } }) });
    expect(ids(b)).not.toContain('sender.ehlo-mismatch');
    const many = body({ dns: dns({ ehlo: { name: EHLO, literal: null, addresses: ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4'], error: null } }) });
    expect(find(many, 'sender.ehlo-mismatch')?.facts).toEqual({ name: EHLO, ip: CLIENT_IP, what: `it resolves to 198.51.100.1, 198.51.100.2, 198.51.100.3 and 1 more, not to ${CLIENT_IP}` });
    // No reverse names: only the addresses are compared.
    const noPtr = body({ dns: dns({ reverse: { names: [], error: 'SERVFAIL' }, fcrdns: null }) });
    expect(ids(noPtr)).not.toContain('sender.ehlo-mismatch');
    // No EHLO lookup at all: nothing judged.
    expect(ids(body({ dns: dns({ ehlo: null }) }))).not.toContain('sender.ehlo-mismatch');
  });

  it('an unfinished lookup of the EHLO name is found in any case and with a trailing dot; a temporary error is cut at 200', () => {
    const listed = body({ session: session({ greeting: { command: 'EHLO', name: 'mail.sender.test.' } }), dns: dns({ ehlo: { name: EHLO, literal: null, addresses: ['198.51.100.9'], error: null }, unfinished: ['AAAA MAIL.SENDER.TEST'] }) });
    expect(ids(listed)).not.toContain('sender.ehlo-mismatch');
    expect(find(listed, 'sender.dns-unfinished')?.facts.lookups).toBe('AAAA MAIL.SENDER.TEST');
    const name = `m${'x'.repeat(60)}.${'y'.repeat(60)}.${'z'.repeat(60)}.${'w'.repeat(60)}.test`;
    const cut = body({ session: session({ greeting: { command: 'EHLO', name } }), dns: dns({ ehlo: { name, literal: null, addresses: [], error: 'ETIMEOUT' } }) });
    expect(find(cut, 'sender.dns-unfinished')?.facts.lookups).toBe(`A/AAAA ${name.slice(0, 200)} (ETIMEOUT)`);
    expect(ids(cut)).not.toContain('sender.ehlo-mismatch');
    // A non-temporary error is judged.
    expect(find(body({ dns: dns({ ehlo: { name: EHLO, literal: null, addresses: [], error: 'NOTFOUND' } }) }), 'sender.ehlo-mismatch')?.facts.what).toBe('it does not resolve (NOTFOUND)');
  });

  it('the EHLO name in a mismatch is cut at 300', () => {
    const name = Array.from({ length: 5 }, (_, i) => `${'abcdefghij'.repeat(6)}${i}`).join('.');
    const b = body({ session: session({ greeting: { command: 'EHLO', name: `${name}.test` } }) });
    expect(ehloProblem(`${name}.test`, CLIENT_IP)).toBe('not a valid host name');
    expect(find(b, 'sender.ehlo-invalid')?.facts.name).toBe(`${name}.test`.slice(0, 300));
  });

  it('SPF facts: the domain, the address, the mechanism or a stand-in, the record', () => {
    const spf = (o: Partial<NonNullable<SenderBody['dns']['spf']>>) => judge(body({ dns: dns({ spf: { record: 'v=spf1 -all', result: 'pass', mechanism: null, lookups: 0, reason: null, names: [], ...o } }) })).find((f) => f.id.startsWith('sender.spf-'));
    expect(spf({ result: 'pass' })?.facts).toEqual({ domain: 'sender.test', ip: CLIENT_IP, mechanism: 'no mechanism matched' });
    expect(spf({ result: 'fail', record: null, mechanism: '-all' })?.facts).toEqual({ domain: 'sender.test', ip: CLIENT_IP, mechanism: '-all', record: '(none)' });
    expect(spf({ result: 'fail', mechanism: '-all' })?.facts.record).toBe('v=spf1 -all');
    expect(spf({ result: 'softfail' })?.facts).toEqual({ domain: 'sender.test', ip: CLIENT_IP, mechanism: 'no mechanism matched' });
    expect(spf({ result: 'neutral', mechanism: '?all' })?.facts).toEqual({ domain: 'sender.test', ip: CLIENT_IP, mechanism: '?all' });
    expect(spf({ result: 'none' })?.facts).toEqual({ domain: 'sender.test' });
    expect(spf({ result: 'permerror' })?.facts).toEqual({ domain: 'sender.test', reason: 'the record cannot be evaluated' });
    expect(spf({ result: 'temperror', reason: 'x timed out' })?.facts).toEqual({ domain: 'sender.test', reason: 'x timed out' });
  });
});

describe('the message: facts and bounds', () => {
  const params = (o: Partial<SenderBody['session']['mailParams']>, m: Partial<NonNullable<SenderBody['session']['message']>> = {}) => {
    const s = session({ message: { size: 1200, truncated: false, eightBit: true, ...m } });
    return body({ session: { ...s, mailParams: { ...s.mailParams, ...o } } });
  };

  it('8-bit data: BINARYMIME in any case counts as declared; the BODY= value is cut at 20', () => {
    expect(ids(params({ body: 'binarymime' }))).not.toContain('sender.8bit-undeclared');
    expect(find(params({ body: `X${'Y'.repeat(30)}` }), 'sender.8bit-undeclared')?.facts.body).toBe(`BODY=X${'Y'.repeat(19)}`);
    // 7-bit data needs no declaration.
    expect(ids(params({ body: null }, { eightBit: false }))).not.toContain('sender.8bit-undeclared');
  });

  it('a session refused for its client certificate says so once: no message-not-accepted on top', () => {
    const required = (chain: string[]) => {
      const s = session({ listener: { address: '0.0.0.0', port: 25, policy: 'require-client-cert' }, outcome: 'refused', message: null, finalReply: { code: 530, text: '5.7.0 client certificate required' } });
      return body({ session: { ...s, tls: { ...s.tls, clientCertificate: { requested: true, chain, opensslError: null } } } });
    };
    expect(ids(required([]))).toEqual(['sender.client-cert-required', 'sender.spf-pass', 'sender.tls-ok']);
    // A certificate nobody trusts (the test's trust store is empty), where one is required.
    const junk = Buffer.from('not a certificate').toString('base64');
    expect(ids(required([junk]))).toEqual(['sender.client-cert-rejected', 'sender.spf-pass', 'sender.tls-ok']);
  });

  it('how it ended: still open; refused with the reply cut at 200; an accepted message says nothing', () => {
    const how = (o: Partial<SenderBody['session']>) => find(body({ session: session(o) }), 'sender.message-not-accepted')?.facts.how;
    expect(how({ outcome: 'aborted', ended: null })).toBe('the session ended before the end of the data: the session was still open');
    expect(how({ outcome: 'no-message', ended: 'server-stopped' })).toBe('no message was sent: the listener was stopped');
    expect(how({ outcome: 'no-message', ended: 'refused' })).toBe('no message was sent: we refused the connection');
    expect(how({ outcome: 'refused', finalReply: { code: 554, text: 't'.repeat(250) } })).toBe(`we refused it (554 ${'t'.repeat(200)})`);
    expect(how({ outcome: 'accepted' })).toBeUndefined();
  });

  it('a cleartext hop is named by its reverse name, else its HELO name, else its address; hosts cut at 200', () => {
    const one = (h: Partial<Parameters<typeof hop>[0]>) => find(body({ headers: headerMessage([hop({ index: 4, tls: 'clear', by: 'edge.sender.test', ...h })]) }), 'sender.header-cleartext-hop')?.facts;
    expect(one({ fromHelo: 'app01', fromIp: '10.0.0.5' })).toEqual({ hop: '4', from: 'app01', by: 'edge.sender.test' });
    expect(one({ fromReverse: 'app01.sender.test', fromHelo: 'app01', fromIp: '10.0.0.5' })?.from).toBe('app01.sender.test');
    expect(one({ fromReverse: 'rev.sender.test' })?.from).toBe('rev.sender.test');
    expect(one({ fromHelo: 'f'.repeat(250), by: 'b'.repeat(250) })).toEqual({ hop: '4', from: 'f'.repeat(200), by: 'b'.repeat(200) });
    // The last cleartext hop is named, after a TLS hop too.
    const m = headerMessage([hop({ index: 1, fromHelo: 'a', by: 'b', tls: 'clear' }), hop({ index: 2, fromHelo: 'c', by: 'd', tls: 'clear' }), hop({ index: 3, fromHelo: 'e', by: 'f', tls: 'tls' })]);
    expect(find(body({ headers: m }), 'sender.header-cleartext-hop')?.facts).toEqual({ hop: '1, 2', from: 'c', by: 'd' });
  });
});

describe('names: more edges (mutation run)', () => {
  it('a client on a private network with a usable EHLO name: no ehlo-invalid', () => {
    expect(ids(body({ session: session({ clientIp: '10.0.0.9' }) }))).toEqual(['sender.no-client-cert', 'sender.private-address', 'sender.tls-ok']);
  });

  it('an IPv4-mapped address is its IPv4, whatever the number of digits; only a whole mapped address is unwrapped', () => {
    expect(sameAddress('::ffff:198.51.100.25', '198.51.100.25')).toBe(true);
    expect(find(body({ session: session({ clientIp: '::ffff:172.16.10.25' }) }), 'sender.private-address')?.facts.why).toBe('a private address');
    expect(find(body({ session: session({ clientIp: '::ffff:10.100.100.100' }) }), 'sender.private-address')?.facts.why).toBe('a private address');
    // "1::ffff:0.0.0.1" is an IPv6 address of its own (reserved), not 10.0.0.1.
    expect(ids(body({ session: session({ clientIp: '1::ffff:0.0.0.1' }) }))).not.toContain('sender.private-address');
    expect(sameAddress('::ffff:192.0.2.1x', '192.0.2.1x')).toBe(false);
  });

  it('an address literal is the whole name', () => {
    expect(ehloProblem(`mail[${CLIENT_IP}]`, CLIENT_IP)).toBe('not a valid host name');
  });

  it('a temporary PTR error is listed unless the resolver listed a PTR lookup itself (at the start of its entry)', () => {
    const b = body({ dns: dns({ reverse: { names: [], error: 'SERVFAIL' }, fcrdns: null, unfinished: ['A PTR.example'] }) });
    expect(find(b, 'sender.dns-unfinished')?.facts.lookups).toBe(`A PTR.example, PTR ${CLIENT_IP} (SERVFAIL)`);
  });

  it('the EHLO name fits when it is one of several reverse names', () => {
    const b = body({ dns: dns({ reverse: { names: ['other.sender.test', EHLO], error: null } }) });
    expect(ids(b)).not.toContain('sender.ehlo-mismatch');
  });
});

describe('TLS: more edges (mutation run)', () => {
  it('EXP and DES as the last or first word of a name', () => {
    const w = (cipher: string | null, cipherStandard: string | null) => cipherWeakness({ cipher, cipherStandard, protocol: 'TLSv1.2' });
    expect(w(null, 'TLS_ECDHE_RSA_EXPORT')).toBe('export grade, breakable in hours');
    expect(w('DES_ECDHE', null)).toBe('3DES or DES, 64-bit blocks (Sweet32)');
    expect(w(null, 'TLS_ECDHE_RSA_DES')).toBe('3DES or DES, 64-bit blocks (Sweet32)');
  });

  it('sender.tls-not-offered names the listener', () => {
    expect(find(body({ session: withTls({ ...CLEAR, offered: false }) }), 'sender.tls-not-offered')?.facts).toEqual({ listener: '0.0.0.0:25 (opportunistic)' });
  });
});
