// The sender's TLS as our listener saw it: whether it used the STARTTLS we offered, how the
// handshake ended, the protocol and cipher it agreed on, the SNI, and what the sessions from the
// same address just before say (a failed handshake, then a retry in clear text).
import type { SenderBody, SenderSession, SenderTls } from '../../core/schema.js';
import type { Profile } from '../../kb/profiles.js';
import { fewOf } from '../words.js';
import type { Add } from './add.js';

/** "192.0.2.1:25 (opportunistic)": the listener a session came in on, for the texts. */
export function listenerText(s: Pick<SenderSession, 'listener'>): string {
  return `${s.listener.address}:${s.listener.port} (${s.listener.policy})`;
}

/** Alerts with which a client refuses the certificate it was shown. */
const CERTIFICATE_ALERTS: ReadonlySet<string> = new Set(['bad_certificate', 'unknown_ca', 'certificate_unknown', 'certificate_expired', 'certificate_revoked', 'unsupported_certificate', 'decrypt_error']);

/** An alert name as RFC 8446 writes it ("bad_certificate"), from "bad certificate", "BAD_CERTIFICATE" or OpenSSL's "tlsv1 alert unknown ca". */
function alertName(text: string): string {
  return text
    .toLowerCase()
    .replace(/^(sslv3|tlsv1(\.\d)?|tlsv13) alert /, '')
    .replace(/[\s-]+/g, '_');
}

/** The alert a Node error code names ("ERR_SSL_TLSV1_ALERT_UNKNOWN_CA" → "unknown_ca"), or null. */
function alertOfCode(code: string): string | null {
  const m = /_ALERT_([A-Z_]+)$/.exec(code.toUpperCase());
  return m ? m[1]!.toLowerCase() : null;
}

/**
 * Why a handshake failed, in words a sender's administrator acts on: it refused our certificate (it
 * verifies this destination), no protocol or cipher in common (with what it offered), it closed the
 * connection; else OpenSSL's own words.
 */
export function handshakeWhy(tls: Pick<SenderTls, 'failure' | 'clientHello'>): string {
  const f = tls.failure;
  if (f === null) return 'the handshake did not complete';
  const code = (f.code ?? '').slice(0, 100);
  const alert = f.clientAlert !== null ? alertName(f.clientAlert.slice(0, 60)) : alertOfCode(code);
  const hello = tls.clientHello;
  const text = `${code} ${f.text}`.toUpperCase();
  if (alert !== null && CERTIFICATE_ALERTS.has(alert)) {
    return `your server refused our certificate (alert ${alert}): it verifies the certificate of this destination`;
  }
  if (alert === 'protocol_version' || /UNSUPPORTED_PROTOCOL|WRONG_VERSION|VERSION_TOO_LOW|NO_PROTOCOLS_AVAILABLE|UNKNOWN_PROTOCOL/.test(text)) {
    const offered = hello && hello.versions.length ? hello.versions.join(', ') : 'versions we could not read';
    return `no TLS version in common: your server offered ${offered}`;
  }
  if (alert === 'handshake_failure' || alert === 'insufficient_security' || /NO_SHARED_CIPHER|NO_CIPHERS_AVAILABLE|INSUFFICIENT_SECURITY|NO_SUITABLE_KEY_SHARE|NO_SHARED_GROUP/.test(text)) {
    const offered = hello ? `${hello.ciphers.length + hello.ciphersNotListed} suites (${fewOf(hello.ciphers, 3)})` : 'suites we could not read';
    return `no cipher suite or key exchange in common: your server offered ${offered}`;
  }
  if (/ECONNRESET|EPIPE|SOCKET HANG UP|CLOSED|UNEXPECTED EOF/.test(text)) return 'your server closed the connection during the handshake';
  if (/TIMEOUT|TIMED OUT/.test(text)) return 'the handshake did not finish in time';
  const said = [f.text.slice(0, 200), code ? `(${code})` : '', alert ? `alert ${alert}` : ''].filter(Boolean).join(' ');
  return `the handshake failed: ${said}`;
}

/** Why a cipher suite is weak, or null: no encryption, export grade, anonymous, RC4, (3)DES, no forward secrecy. */
export function cipherWeakness(tls: Pick<SenderTls, 'cipher' | 'cipherStandard' | 'protocol'>): string | null {
  const n = `${tls.cipher ?? ''} ${tls.cipherStandard ?? ''}`.toUpperCase();
  if (n.trim() === '') return null;
  if (/(^|[-_ ])NULL([-_ ]|$)/.test(n)) return 'no encryption at all (NULL)';
  if (/(^|[-_ ])EXP(ORT)?(\d*)([-_ ]|$)/.test(n)) return 'export grade, breakable in hours';
  if (/ANON|(^|[ ])A(EC)?DH-/.test(n)) return 'anonymous: the server is not authenticated';
  if (/RC4/.test(n)) return 'RC4, prohibited by RFC 7465';
  if (/3DES|DES-CBC3|DES_EDE|(^|[-_ ])DES([-_ ]|$)|DES-CBC-/.test(n)) return '3DES or DES, 64-bit blocks (Sweet32)';
  // TLS 1.3 suites always use an ephemeral key exchange.
  if (tls.protocol !== 'TLSv1.3' && !/ECDHE|DHE|EDH|TLS_AES_|TLS_CHACHA20_/.test(n)) return 'no forward secrecy (RSA key exchange)';
  return null;
}

/** "at 12:00:01 UTC from port 40123": an earlier session, for the texts. */
function earlierText(s: SenderSession): string {
  return `at ${s.startedAt.slice(11, 19)} UTC from port ${s.clientPort}`;
}

/** The TLS findings of the session (and of the earlier sessions from the same address). */
export function assessTls(body: SenderBody, profile: Profile, add: Add): void {
  const s = body.session;
  const t = s.tls;
  const listener = listenerText(s);
  const failedBefore = [...body.earlier].reverse().find((e) => e.tls.attempted && !e.tls.established) ?? null;
  if (s.greeting === null) return;
  // STARTTLS used without being listed (after HELO, which lists nothing) is TLS all the same.
  if (!t.offered && !t.attempted) {
    if (s.greeting.command === 'HELO') add('sender.helo-only', { name: s.greeting.name.slice(0, 300) });
    else add('sender.tls-not-offered', { listener });
    return;
  }
  if (t.established) {
    const old = t.protocol !== null && profile.oldProtocols.includes(t.protocol);
    if (old) {
      const offered = t.clientHello && t.clientHello.versions.length ? t.clientHello.versions.join(', ') : t.protocol;
      add('sender.old-protocol', { protocol: t.protocol, offered });
    }
    const weakness = cipherWeakness(t);
    if (weakness !== null) add('sender.weak-cipher', { cipher: t.cipherStandard ?? t.cipher ?? '', weakness });
    // Good news only when it is: an old protocol or a weak suite is said as a problem instead.
    if (!old && weakness === null) add('sender.tls-ok', { protocol: t.protocol ?? 'TLS', cipher: t.cipherStandard ?? t.cipher ?? 'cipher not known', group: t.group !== null ? `, ${t.group}` : '' });
    if ((t.sni ?? t.clientHello?.sni ?? null) === null) add('sender.no-sni', {});
    if (failedBefore) add('sender.earlier-handshake-failed', { why: handshakeWhy(failedBefore.tls), earlier: earlierText(failedBefore) });
  } else if (t.attempted) {
    add('sender.starttls-failed', { why: handshakeWhy(t), listener });
  } else {
    if (failedBefore) add('sender.cleartext-retry', { why: handshakeWhy(failedBefore.tls), earlier: earlierText(failedBefore) });
    if (s.listener.policy === 'require-tls') {
      const r = s.finalReply;
      add('sender.tls-required-refused', { listener, reply: r ? `${r.code} ${r.text.slice(0, 200)}` : 'no reply recorded' });
    } else if (!failedBefore) add('sender.no-starttls', { listener });
  }
  if (s.mailParams.requireTls) add('sender.requiretls-used', {});
}
