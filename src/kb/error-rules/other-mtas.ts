// Sendmail, OpenSMTPD, large receivers, and the one-line verdicts of the test tools people run by
// hand (swaks, openssl s_client). Every Sendmail, OpenSMTPD, swaks and s_client sample is a line the
// real program printed here, against loopback servers only: Debian 12's sendmail 8.17.1.9 (its
// syslog lines, without the "Mon dd hh:mm:ss sendmail[pid]: " prefix), opensmtpd 6.8.0p2 (smtpd -d
// -v), swaks 20201014.0 and OpenSSL 3.0 s_client; host names like *.lab.test are our own.
import { HOST, IP, re, type ErrorRule } from './rule.js';
import { STARTTLS_MISSING_CAUSES, STARTTLS_MISSING_FIXES } from './smtp.js';

/** Sendmail's relay=: "[192.0.2.1]", "mx.example.com." or "localhost [127.0.0.1]". */
const RELAY = `(?:\\[${IP}\\]|${HOST}(?: \\[[0-9A-Fa-f.:]{2,39}\\])?)`;
/** The head of a Sendmail TLS ruleset rejection: which ruleset, its argument, the peer. */
const RULESET = `ruleset=tls_(?<ruleset>server|client|rcpt), arg1=[^,\\r\\n]{1,120}, relay=${RELAY}, reject=`;
/** The reply Sendmail's TLS rulesets give: 454/4.7.0 by default, 403/4.7.0 with TEMP+, 503/5.7.0 with PERM+, 554/5.7.0 with TLS_PERM_ERR. */
const TLS_REPLY = '(?<reply>403|454|503|554) [45]\\.7\\.0';
/** Sendmail's delivery line for a deferred recipient: relay=[192.0.2.1] [192.0.2.1] or relay=mx.example.com. [192.0.2.1], then the reply. */
const DEFERRED = `relay=(?:\\[${IP}\\]|${HOST})(?: \\[[0-9A-Fa-f.:]{2,39}\\])?, dsn=[245]\\.[0-9]{1,3}\\.[0-9]{1,3}, stat=Deferred: `;

const SENDMAIL_REFS = ['Sendmail cf/README (sendmail-doc 8.17.1.9): "Allowing Connections" (tls_server, tls_client, tls_rcpt) and the ${verify} macro', 'Sendmail cf/m4/proto.m4: ruleset TLS_connection'];
const SENDMAIL_VERIFY_FIX = 'Point confCACERT_PATH / confCACERT at the CA bundle (on Debian /etc/ssl/certs and /etc/ssl/certs/ca-certificates.crt), rebuild sendmail.cf, restart.';

export const OTHER_MTA_RULES: readonly ErrorRule[] = [
  // ----- Sendmail ---------------------------------------------------------------------------------
  {
    id: 'sendmail.verify-fail',
    platform: 'sendmail',
    keywords: ['starttls=client, relay=', 'starttls=server, relay='],
    patterns: [
      re(`STARTTLS=client, relay=${RELAY}, version=[A-Za-z0-9./]{1,20}, verify=(?<verify>FAIL|NO|TEMP|PROTOCOL|SOFTWARE)\\b`),
      re(`STARTTLS=server, relay=${RELAY}, version=[A-Za-z0-9./]{1,20}, verify=(?<verify>FAIL|TEMP|PROTOCOL|SOFTWARE)\\b`),
    ],
    meaning:
      'Sendmail’s summary of a TLS session (the ${verify} macro): FAIL — a certificate was presented but could not be verified (e.g. the signing CA missing); NO — none was presented; TEMP, PROTOCOL, SOFTWARE — a temporary error, an SMTP protocol error, a failed handshake. TLS was used unless the handshake failed; whether mail still goes depends on the tls_server / tls_rcpt requirements.',
    fault: 'receiver',
    causes: [
      { cause: 'verify=FAIL: the chain does not verify against Sendmail’s CA file/path (self-signed, missing intermediate, private or untrusted CA, expired).', findings: ['cert.untrusted-root', 'cert.chain-incomplete', 'cert.self-signed', 'cert.expired'] },
      { cause: 'verify=FAIL on a good certificate: Sendmail’s own CA path (confCACERT_PATH) is empty or stale.', findings: [] },
      { cause: 'verify=SOFTWARE: the TLS handshake itself failed (the lines before it say why).', findings: ['tls.handshake-failed'] },
    ],
    confirm: 'mxray cert {host}',
    fixes: { sendmail: [SENDMAIL_VERIFY_FIX], any: ['Receiver: a certificate from a public CA naming the MX host, sent with its chain.'] },
    refs: SENDMAIL_REFS,
    samples: [
      'STARTTLS=client, relay=mx.example.com., version=TLSv1.3, verify=FAIL, cipher=TLS_AES_256_GCM_SHA384, bits=256/256',
      'STARTTLS=client, relay=[127.0.0.1], version=TLSv1.3, verify=FAIL, cipher=TLS_AES_256_GCM_SHA384, bits=256/256',
    ],
  },
  {
    id: 'sendmail.verify-reason',
    platform: 'sendmail',
    keywords: ['verifymsg=', 'tls cert verify:'],
    patterns: [
      re('STARTTLS=(?:client|server), cert-subject=[^\\r\\n]{0,400}?, verifymsg=(?<why>[a-z][a-z0-9 ()-]{2,120})'),
      re('STARTTLS: TLS cert verify: depth=(?<depth>[0-9]{1,2}) [^\\r\\n]{0,400}?, state=[0-9]{1,3}, reason=(?<why>[a-z][a-z0-9 ()-]{2,120})'),
    ],
    meaning:
      'Sendmail names the certificate it could not verify (its subject and issuer, or its depth in the chain: 0 is the server’s own) and OpenSSL’s reason — "self-signed certificate", "unable to get local issuer certificate" (intermediate missing or CA unknown), "certificate has expired".',
    fault: 'receiver',
    causes: [
      { cause: 'unable to get local issuer certificate: the server does not send its intermediate, or its CA is not in Sendmail’s CA path.', findings: ['cert.chain-incomplete', 'cert.untrusted-root'] },
      { cause: 'self-signed certificate: the server presents a certificate it signed itself.', findings: ['cert.self-signed'] },
      { cause: 'certificate has expired.', findings: ['cert.expired', 'cert.intermediate-expired'] },
    ],
    confirm: 'mxray cert {host}',
    fixes: { any: ['Receiver: fix what the reason names (full chain, public CA, renewal).'], sendmail: [SENDMAIL_VERIFY_FIX] },
    refs: SENDMAIL_REFS,
    samples: [
      'STARTTLS=client, cert-subject=/CN=mx1.lab.test, cert-issuer=/CN=mx1.lab.test, verifymsg=self-signed certificate',
      'STARTTLS: TLS cert verify: depth=0 /CN=mx1.lab.test, state=0, reason=unable to get local issuer certificate',
    ],
  },
  {
    id: 'sendmail.tls-verify-required',
    platform: 'sendmail',
    keywords: ['4.7.0 authentication', '5.7.0 authentication', '4.7.0 not authenticated', '5.7.0 not authenticated', '4.7.0 no authentication', '5.7.0 no authentication', 'starttls disabled locally'],
    patterns: [
      re(`${RULESET}${TLS_REPLY} (?<why>authentication (?:failed|required)|not authenticated|no authentication requested|STARTTLS disabled locally)`),
      re(`${DEFERRED}${TLS_REPLY} (?<why>authentication (?:failed|required)|not authenticated|no authentication requested|STARTTLS disabled locally)`),
      re(`\\b${TLS_REPLY} (?<why>authentication (?:failed|required)|no authentication requested|STARTTLS disabled locally)$`),
    ],
    meaning:
      'Sendmail’s access map requires a verified certificate for this peer (TLS_Srv:, TLS_Clt: or TLS_Rcpt: … VERIFY), and the TLS session did not give one: "authentication failed" — the certificate did not verify (verify=FAIL); "not authenticated" — none was presented; "no authentication requested" — none was asked for. The mail is deferred (454/403) or refused (503/554).',
    fault: 'either',
    causes: [
      { cause: 'The peer’s certificate does not verify against Sendmail’s CA path (self-signed, missing intermediate, private CA).', findings: ['cert.self-signed', 'cert.chain-incomplete', 'cert.untrusted-root'] },
      { cause: 'Sendmail’s own CA path is missing or stale, so good certificates fail too.', findings: [] },
      { cause: 'The VERIFY requirement in the access map is stricter than this partner can meet.', findings: [] },
    ],
    confirm: 'mxray cert {host}',
    fixes: {
      sendmail: [SENDMAIL_VERIFY_FIX, 'Review the TLS_Srv:/TLS_Rcpt: entry for this peer in the access map (VERIFY, ENCR:bits, TEMP+/PERM+), makemap hash access < access.'],
      any: ['Receiver: a certificate from a public CA with its full chain.'],
    },
    refs: SENDMAIL_REFS,
    samples: [
      'ruleset=tls_server, arg1=FAIL, relay=[127.0.0.1], reject=454 4.7.0 authentication failed',
      'ruleset=tls_server, arg1=FAIL, relay=[127.0.0.1], reject=403 4.7.0 authentication failed',
      '6ATJFwsa007688: to=user@self.test, delay=00:00:00, xdelay=00:00:00, mailer=relay, pri=30024, relay=[127.0.0.1] [127.0.0.1], dsn=4.7.0, stat=Deferred: 454 4.7.0 authentication failed',
    ],
  },
  {
    id: 'sendmail.encryption-too-weak',
    platform: 'sendmail',
    keywords: ['encryption too weak'],
    patterns: [re(`${RULESET}${TLS_REPLY} encryption too weak (?<bits>[0-9]{1,5}) less than (?<need>[0-9]{1,5})`), re(`\\b${TLS_REPLY} encryption too weak (?<bits>[0-9]{1,5}) less than (?<need>[0-9]{1,5})`)],
    meaning:
      'Sendmail’s access map requires encryption of at least the second number of bits for this peer (ENCR:bits or VERIFY:bits), and the session has the first — 0 means no TLS at all: the peer did not offer STARTTLS, or the handshake failed. On the sending side (tls_server, tls_rcpt) the mail is deferred; on the receiving side (check_mail, tls_client) the client’s MAIL is refused.',
    fault: 'either',
    causes: [
      { cause: '0 bits: there was no TLS — the receiver did not offer STARTTLS to Sendmail.', findings: ['starttls.not-offered', 'dnsbl.listed', 'starttls.masked'] },
      { cause: '0 bits on the receiving side: the client sent MAIL without STARTTLS.', findings: ['policy.requires-tls'] },
      { cause: 'A few bits but fewer than required: an old cipher.', findings: ['tls.old-protocol', 'tls.no-shared-cipher'] },
    ],
    confirm: 'mxray check {host} --dnsbl',
    fixes: { sendmail: ['If the partner cannot do TLS, change or remove its TLS_Srv:/TLS_Rcpt:/TLS_Clt: ENCR entry knowingly; else ask it to enable STARTTLS.'], any: STARTTLS_MISSING_FIXES.any ?? [] },
    refs: SENDMAIL_REFS,
    samples: [
      'ruleset=tls_server, arg1=NONE, relay=[127.0.0.1], reject=454 4.7.0 encryption too weak 0 less than 128',
      '6ATJH8dG010025: ruleset=tls_rcpt, arg1=user@rcpttest.test, relay=[127.0.0.1], reject=454 4.7.0 encryption too weak 0 less than 128',
      '6ATJGuKF009251: ruleset=check_mail, arg1=<s@client.lab.test>, relay=localhost [127.0.0.1], reject=454 4.7.0 encryption too weak 0 less than 128',
    ],
  },
  {
    id: 'sendmail.starttls-not-supported',
    platform: 'sendmail',
    keywords: ['other side does not support starttls'],
    patterns: [
      re(`${RULESET}${TLS_REPLY} other side does not support STARTTLS`),
      re(`${DEFERRED}${TLS_REPLY} other side does not support STARTTLS`),
      re(`\\b${TLS_REPLY} other side does not support STARTTLS`),
    ],
    meaning:
      'Sendmail’s access map requires a verified TLS session with this peer (VERIFY), and the peer did not offer STARTTLS at all (verify=NONE), so Sendmail defers the mail instead of sending it in clear text.',
    fault: 'either',
    causes: STARTTLS_MISSING_CAUSES,
    confirm: 'mxray check {host} --dnsbl',
    fixes: STARTTLS_MISSING_FIXES,
    refs: SENDMAIL_REFS,
    samples: [
      'ruleset=tls_server, arg1=NONE, relay=[127.0.0.1], reject=454 4.7.0 other side does not support STARTTLS',
      '6ATJG54P007887: to=user@plainverify.test, delay=00:00:00, xdelay=00:00:00, mailer=relay, pri=30031, relay=[127.0.0.1] [127.0.0.1], dsn=4.7.0, stat=Deferred: 454 4.7.0 other side does not support STARTTLS',
    ],
  },
  {
    id: 'sendmail.tls-handshake-failed',
    platform: 'sendmail',
    keywords: ['tls handshake failed.'],
    patterns: [re(`${RULESET}${TLS_REPLY} TLS handshake failed\\.`), re(`${DEFERRED}${TLS_REPLY} TLS handshake failed\\.`), re(`\\b${TLS_REPLY} TLS handshake failed\\.`)],
    meaning:
      'The peer answered STARTTLS with 220 and the TLS handshake then failed (verify=SOFTWARE); Sendmail always aborts such a session and defers the mail. The "STARTTLS=client, error: connect failed" line before it gives OpenSSL’s reason.',
    fault: 'either',
    causes: [
      { cause: 'The server is not speaking TLS after its 220 (OpenSSL: wrong version number) or closes the connection (unexpected eof): a broken TLS set-up or a proxy.', findings: ['tls.handshake-failed', 'tls.server-aborted'] },
      { cause: 'No protocol or cipher in common.', findings: ['tls.no-shared-cipher', 'tls.old-protocol'] },
    ],
    confirm: 'mxray check {host}',
    fixes: {
      sendmail: ['To send to a peer whose TLS is broken while it fixes it: Try_TLS:<host> NO in the access map (clear text, knowingly).'],
      any: ['Receiver: check the TLS set-up (certificate, key, protocols) behind the STARTTLS offer.'],
    },
    refs: SENDMAIL_REFS,
    samples: [
      'ruleset=tls_server, arg1=SOFTWARE, relay=[127.0.0.1], reject=454 4.7.0 TLS handshake failed.',
      '6ATJGg7W008733: to=user@close.test, delay=00:00:00, xdelay=00:00:00, mailer=relay, pri=30025, relay=[127.0.0.1] [127.0.0.1], dsn=4.7.0, stat=Deferred: 454 4.7.0 TLS handshake failed.',
    ],
  },
  {
    id: 'sendmail.cn-mismatch',
    platform: 'sendmail',
    keywords: ['4.7.0 cn ', '5.7.0 cn '],
    patterns: [
      re(`${RULESET}${TLS_REPLY} CN (?<cn>[A-Za-z0-9*][A-Za-z0-9.*-]{0,252}) does not match (?<want>[A-Za-z0-9][A-Za-z0-9.-]{0,252})`),
      re(`\\b${TLS_REPLY} CN (?<cn>[A-Za-z0-9*][A-Za-z0-9.*-]{0,252}) does not match (?<want>[A-Za-z0-9][A-Za-z0-9.-]{0,252})`),
    ],
    meaning:
      'Sendmail’s access map requires the peer’s certificate to carry a given common name (… +CN:name, or +CN for the peer’s own name) and it carries another: the first name is the certificate’s CN, the second the one required. The certificate itself verified.',
    fault: 'either',
    causes: [
      { cause: 'The server presents a certificate for another name (a shared certificate, a renamed host).', findings: ['cert.name-mismatch', 'cert.cn-only'] },
      { cause: 'The access map entry names the wrong host (the MX changed).', findings: [] },
    ],
    confirm: 'mxray cert {host}',
    fixes: { sendmail: ['Correct the CN: requirement in the TLS_Srv:/TLS_Rcpt: entry if the partner changed hosts.'], any: ['Receiver: a certificate whose names include the MX host.'] },
    refs: SENDMAIL_REFS,
    samples: ['ruleset=tls_server, arg1=OK, relay=[127.0.0.1], reject=454 4.7.0 CN mx1.lab.test does not match mx2.lab.test'],
  },
  {
    id: 'sendmail.starttls-connect-failed',
    platform: 'sendmail',
    keywords: ['starttls=client, error: connect failed'],
    patterns: [re('STARTTLS=client, error: connect failed=(?<code>-?[0-9]{1,4}), reason=(?<why>[^,\\r\\n]{1,160}), SSL_error=[0-9]{1,3}')],
    meaning:
      'Sendmail, as the client, sent STARTTLS, got 220, and its TLS handshake failed; the reason is OpenSSL’s ("wrong version number": the server did not speak TLS; "unexpected eof while reading": it closed the connection). The tls_server ruleset then aborts with "TLS handshake failed."',
    fault: 'receiver',
    causes: [
      { cause: 'The server’s TLS is broken behind its STARTTLS offer (it answers 220 and then sends clear text, or closes).', findings: ['tls.handshake-failed', 'tls.server-aborted', 'starttls.injection'] },
      { cause: 'No protocol or cipher in common.', findings: ['tls.no-shared-cipher', 'tls.old-protocol'] },
    ],
    confirm: 'mxray check {host}',
    fixes: { any: ['Receiver: fix the TLS set-up behind STARTTLS.'], sendmail: ['Meanwhile: Try_TLS:<host> NO in the access map sends to it in clear text (knowingly).'] },
    refs: ['Sendmail Installation and Operation Guide (op.me): STARTTLS', ...SENDMAIL_REFS],
    samples: [
      'STARTTLS=client, error: connect failed=-1, reason=wrong version number, SSL_error=1, errno=0, retry=-1',
      'STARTTLS=client, error: connect failed=-1, reason=unexpected eof while reading, SSL_error=1, errno=0, retry=-1',
    ],
  },
  {
    id: 'sendmail.starttls-accept-failed',
    platform: 'sendmail',
    keywords: ['starttls=server, error: accept failed'],
    patterns: [re(`STARTTLS=server, error: accept failed=(?<code>-?[0-9]{1,4}), reason=(?<why>[^,\\r\\n]{1,160}), SSL_error=[0-9]{1,3}, errno=[0-9]{1,5}, retry=-?[0-9]{1,4}(?:, relay=(?:${HOST} )?\\[${IP}\\])?`)],
    meaning:
      'A client sent STARTTLS to this Sendmail, got 220, and the handshake failed; the reason is OpenSSL’s as seen by the server: "tlsv1 alert unknown ca" — the client refused our certificate; "no suitable signature algorithm" / "unsupported protocol" — an old client; "wrong version number" — the client did not speak TLS. Most clients then retry in clear text or give up.',
    fault: 'either',
    causes: [
      { cause: 'The client does not trust our certificate (alert unknown ca / bad certificate): self-signed, missing intermediate, private CA.', findings: ['cert.self-signed', 'cert.chain-incomplete', 'cert.untrusted-root'] },
      { cause: 'The client is too old for our protocols or signature algorithms (TLS 1.0 only).', findings: ['tls.old-protocol', 'tls.no-shared-cipher'] },
      { cause: 'A scanner or broken client that does not speak TLS after STARTTLS.', findings: [] },
    ],
    confirm: 'mxray check <this server> --details',
    fixes: { sendmail: ['confSERVER_CERT must hold the certificate followed by its intermediates; check confCIPHER_LIST and ServerSSLOptions are not narrower than your senders need.'] },
    refs: ['Sendmail Installation and Operation Guide (op.me): STARTTLS', ...SENDMAIL_REFS],
    samples: [
      'STARTTLS=server, error: accept failed=-1, reason=tlsv1 alert unknown ca, SSL_error=1, errno=0, retry=-1, relay=localhost [127.0.0.1]',
      'STARTTLS=server, error: accept failed=-1, reason=no suitable signature algorithm, SSL_error=1, errno=0, retry=-1, relay=localhost [127.0.0.1]',
    ],
  },
  {
    id: 'sendmail.tls-file-unsafe',
    platform: 'sendmail',
    keywords: ['starttls=server: file', 'starttls=client: file'],
    patterns: [re('STARTTLS=(?<side>server|client): file (?<file>[^ \\r\\n]{1,300}) unsafe: (?<why>[^\\r\\n]{1,160})')],
    meaning:
      'Sendmail refused a TLS file (certificate, key, CA) — missing, or with permissions it considers unsafe — and runs without it: on the server side it then stops offering STARTTLS to anyone, silently except for this line.',
    fault: 'receiver',
    causes: [
      { cause: 'The file named does not exist (renewed certificate under another name, a typo in confSERVER_CERT / confSERVER_KEY).', findings: ['starttls.not-offered'] },
      { cause: 'The key file is group- or world-readable, or in an unsafe directory (DontBlameSendmail decides).', findings: ['starttls.not-offered'] },
    ],
    confirm: 'mxray check <this server>',
    fixes: { sendmail: ['Point confSERVER_CERT/confSERVER_KEY (and confCLIENT_*) at existing files, key mode 0600 owned by root; rebuild sendmail.cf and restart.'] },
    refs: ['Sendmail Installation and Operation Guide (op.me): "Certificates for STARTTLS"', 'Sendmail cf/README: STARTTLS'],
    samples: ['STARTTLS=server: file /tmp/sm/missing-cert.pem unsafe: No such file or directory'],
  },

  // ----- OpenSMTPD --------------------------------------------------------------------------------
  {
    id: 'opensmtpd.tls-required-not-supported',
    supersedes: ['smtp.tls-required-not-offered'],
    platform: 'opensmtpd',
    keywords: ['tls required but not supported by remote host'],
    patterns: [re('TLS required but not supported by remote host')],
    meaning:
      'OpenSMTPD relays this mail with mandatory STARTTLS (relay … tls, or smtp+tls://), and the remote host’s EHLO reply did not offer STARTTLS: the message stays queued, and the route is disabled for a while ("No valid route", "Network error on destination MXs").',
    fault: 'either',
    causes: STARTTLS_MISSING_CAUSES,
    confirm: 'mxray check {host} --dnsbl',
    fixes: { ...STARTTLS_MISSING_FIXES, opensmtpd: ['If the receiver cannot do TLS, relay to it without the tls option (smtp://, opportunistic), knowingly.'] },
    refs: ['OpenSMTPD smtpd.conf(5): relay host smtp+tls://, tls [no-verify]'],
    samples: ['cc5f6cd45c2a3ff1 mta error reason=TLS required but not supported by remote host'],
  },
  {
    id: 'opensmtpd.starttls-rejected',
    platform: 'opensmtpd',
    keywords: ['starttls rejected:'],
    patterns: [re('STARTTLS rejected: (?<reply>[2-5][0-9]{2})[ -](?<text>[^\\r\\n]{0,200})')],
    meaning:
      'The remote host advertised STARTTLS but refused the command with the reply quoted (454 "TLS not available due to temporary reason" per RFC 3207: its TLS cannot start now); OpenSMTPD, required to use TLS, keeps the mail queued.',
    fault: 'receiver',
    causes: [
      { cause: 'The receiver’s TLS set-up failed to load while it still advertises STARTTLS.', findings: ['starttls.rejected'] },
      { cause: 'The receiver limits TLS sessions or is overloaded.', findings: ['starttls.rejected', 'smtp.rate-limited'] },
    ],
    confirm: 'mxray check {host}',
    fixes: { any: ['Receiver: find the TLS error in its log at start-up and at STARTTLS, fix the certificate/key, restart.'] },
    refs: ['RFC 3207 §4', 'OpenSMTPD smtpd.conf(5): relay … tls'],
    samples: ['1ca48da1a246f45d mta error reason=STARTTLS rejected: 454 4.7.0 TLS not available due to temporary reason'],
  },
  {
    id: 'opensmtpd.certificate-check-failed',
    platform: 'opensmtpd',
    keywords: ['ssl certificate check failed'],
    patterns: [re('SSL certificate check failed')],
    meaning:
      'OpenSMTPD relays with verification (smtp+tls:// and smtps:// verify by default, or tls without no-verify) and the server’s certificate did not verify against the CA bundle (/etc/ssl/certs/ca-certificates.crt on Debian) or did not name the host: the mail stays queued. With -v, a "X509 verify:" debug line gives OpenSSL’s reason.',
    fault: 'receiver',
    causes: [
      { cause: 'A self-signed certificate, a private CA, or a missing intermediate.', findings: ['cert.self-signed', 'cert.untrusted-root', 'cert.chain-incomplete'] },
      { cause: 'An expired certificate.', findings: ['cert.expired'] },
      { cause: 'The certificate does not name the relay host OpenSMTPD connected to.', findings: ['cert.name-mismatch'] },
    ],
    confirm: 'mxray cert {host}',
    fixes: {
      any: ['Receiver: a certificate from a public CA naming the host, with its chain.'],
      opensmtpd: ['For a private relay with its own CA: relay host … tls with the CA in the system bundle, or tls no-verify (encrypted, not authenticated), knowingly.'],
    },
    refs: ['OpenSMTPD smtpd.conf(5): "Server certificates for those protocols are verified by default", tls [no-verify]'],
    samples: ['ca92832126e06f1a mta error reason=SSL certificate check failed'],
  },
  {
    id: 'opensmtpd.server-cert-unverified',
    platform: 'opensmtpd',
    keywords: ['server-cert-check result="failure"'],
    patterns: [re('mta server-cert-check result="failure"')],
    meaning:
      'OpenSMTPD relayed opportunistically (smtp://, no verification required): TLS was used, but the server’s certificate did not verify. The mail still goes, encrypted but with no proof of whom to; a relay that required verification would have stopped here.',
    fault: 'receiver',
    causes: [
      { cause: 'A self-signed certificate, a private CA, or a missing intermediate.', findings: ['cert.self-signed', 'cert.untrusted-root', 'cert.chain-incomplete'] },
      { cause: 'An expired certificate, or one for another name.', findings: ['cert.expired', 'cert.name-mismatch'] },
    ],
    confirm: 'mxray cert {host}',
    fixes: { any: ['Nothing fails now; the receiver should still get a certificate from a public CA, since senders that verify (MTA-STS, DANE, partner TLS) refuse it.'] },
    refs: ['OpenSMTPD smtpd.conf(5): relay protocols smtp (opportunistic STARTTLS) and smtp+tls'],
    samples: ['81ddc095327f8e5c mta server-cert-check result="failure"'],
  },
  {
    id: 'opensmtpd.too-much-data',
    platform: 'opensmtpd',
    keywords: ['remote host sent too much data'],
    patterns: [re('Remote host sent too much data')],
    meaning:
      'The remote server sent more than the reply OpenSMTPD was waiting for — after its 220 to STARTTLS, clear-text bytes where the TLS handshake should begin — and OpenSMTPD dropped the session; the same check keeps injected commands from being taken as the TLS peer’s.',
    fault: 'receiver',
    causes: [
      { cause: 'Bytes sent after the 220 to STARTTLS and before the handshake: a server bug, a proxy in the path, or an injection attempt.', findings: ['starttls.injection'] },
      { cause: 'A server that pipelines replies nobody asked for (a broken SMTP implementation or proxy).', findings: ['smtp.protocol-error'] },
    ],
    confirm: 'mxray check {host} --verbose',
    fixes: { any: ['Receiver: update the MTA or the proxy in front of it; nothing may follow "220 Ready to start TLS" before the handshake (RFC 3207 §4).'] },
    refs: ['OpenSMTPD mta_session.c ("remaining data in input buffer")', 'RFC 3207 §4', 'CVE-2011-0411 (STARTTLS command injection)'],
    samples: ['6ddae7fd9320c6a8 mta error reason=Remote host sent too much data'],
  },
  {
    id: 'opensmtpd.tls-io-error',
    platform: 'opensmtpd',
    keywords: ['reason="io-error: error:'],
    patterns: [re('smtp disconnected reason="io-error: (?<why>error:[0-9A-Fa-f]{8}:SSL routines:[^"\\r\\n]{0,200})"')],
    meaning:
      'A client’s TLS handshake with this OpenSMTPD failed, in OpenSSL’s words: "no suitable signature algorithm" — an old client (TLS 1.0/1.1); "wrong version number" — the client did not speak TLS after STARTTLS; an alert (unknown ca, bad certificate) — the client refused our certificate.',
    fault: 'either',
    causes: [
      { cause: 'An old client whose protocols or signature algorithms we no longer allow.', findings: ['tls.old-protocol', 'tls.no-shared-cipher'] },
      { cause: 'The client refused our certificate.', findings: ['cert.self-signed', 'cert.chain-incomplete', 'cert.untrusted-root'] },
      { cause: 'A scanner or a client that does not speak TLS.', findings: [] },
    ],
    confirm: 'mxray check <this server> --details',
    fixes: { opensmtpd: ['pki <name> cert must hold the full chain; ciphers/protocols options on listen only as narrow as your senders allow.'] },
    refs: ['OpenSMTPD smtpd.conf(5): listen on … tls, pki'],
    samples: [
      '4485ffabc0cc48bf smtp disconnected reason="io-error: error:0A000076:SSL routines::no suitable signature algorithm"',
      '4485ffacca3188af smtp disconnected reason="io-error: error:0A00010B:SSL routines::wrong version number"',
    ],
  },
  {
    id: 'opensmtpd.pki-load-failed',
    platform: 'opensmtpd',
    keywords: ['load_pki_tree: failed', 'load_pki_keys: failed'],
    patterns: [re('load_pki_(?<what>tree|keys): failed to load (?:certificate|key) file')],
    meaning:
      'OpenSMTPD could not load the certificate (load_pki_tree) or the key (load_pki_keys) a pki directive names, and does not start at all: senders find the port closed, not a server without STARTTLS.',
    fault: 'receiver',
    causes: [{ cause: 'The file named in pki <name> cert/key is missing, unreadable, or not PEM (a renewal written elsewhere).', findings: ['net.connect-refused'] }],
    confirm: 'mxray check <this server>',
    fixes: { opensmtpd: ['Fix the pki <name> cert "…" / key "…" paths, check with smtpd -n, start smtpd.'] },
    refs: ['OpenSMTPD smtpd.conf(5): pki pkiname cert certfile, pki pkiname key keyfile'],
    samples: ['smtpd: load_pki_tree: failed to load certificate file', 'smtpd: load_pki_keys: failed to load key file'],
  },

  // ----- Large receivers --------------------------------------------------------------------------
  {
    id: 'gmail.tls-required-for-rcpt-domain',
    platform: 'gmail',
    keywords: ['tls required for rcpt domain'],
    patterns: [re('\\b421[ -](?:4\\.7\\.0 )?TLS required for RCPT domain')],
    meaning:
      'Gmail refused the session because mail for this recipient domain must come over TLS, and the session is not encrypted. Google lists the reply without detail; a Google Workspace domain requires TLS for incoming mail from chosen senders with its "Secure transport (TLS) compliance" setting, whose rejections reach the sender as a bounce.',
    fault: 'sender',
    causes: [
      { cause: 'The sending server does not use STARTTLS towards Google (TLS disabled on the connector or relay).', findings: ['policy.requires-tls', 'send.cleartext'] },
      { cause: 'The sender’s own firewall strips or masks STARTTLS on the way out.', findings: ['starttls.masked'] },
      { cause: 'The sender’s TLS handshake with Google fails and it falls back to clear text.', findings: ['tls.handshake-failed', 'tls.old-protocol'] },
    ],
    confirm: 'mxray send {domain} --tls required',
    fixes: {
      any: ['Sender: use STARTTLS to Google (it supports TLS 1.0–1.3); test from the sending network whether STARTTLS reaches you.'],
      exchange: ['Sender: the send connector must not disable TLS; Set-SendConnector -RequireTLS $true for this partner.'],
      postfix: ['Sender: smtp_tls_security_level = may (or encrypt for this domain).'],
    },
    refs: ['Google Workspace Admin Help: Gmail SMTP errors and codes (421, 4.7.0, TLS required for RCPT domain)', 'Google Workspace Admin Help: Require mail to be transmitted via a secure (TLS) connection'],
    samples: ['421 4.7.0 TLS required for RCPT domain, closing connection.'],
  },

  // ----- swaks ------------------------------------------------------------------------------------
  {
    id: 'swaks.starttls-not-advertised',
    platform: 'swaks',
    keywords: ['host did not advertise starttls'],
    patterns: [re('\\*\\*\\* Host did not advertise STARTTLS')],
    meaning: 'swaks was asked to use TLS (--tls) and the server’s EHLO reply had no STARTTLS; with --tls it quits, with --tls-optional it goes on in clear text.',
    fault: 'either',
    causes: STARTTLS_MISSING_CAUSES,
    confirm: 'mxray check {host} --dnsbl',
    fixes: STARTTLS_MISSING_FIXES,
    refs: ['swaks(1): --tls, --tls-optional', 'swaks 20201014.0 (Debian 12) against loopback servers without STARTTLS, with a masked offer, and refusing EHLO (produced here)'],
    samples: ['*** Host did not advertise STARTTLS'],
  },
  {
    id: 'swaks.starttls-failed',
    platform: 'swaks',
    keywords: ['starttls attempted but failed'],
    patterns: [re('\\*\\*\\* STARTTLS attempted but failed')],
    meaning:
      'swaks sent STARTTLS and did not get a TLS session: the server refused the command (its reply, marked <**, is just above) or the handshake failed (a "TLS startup failed" line is just above).',
    fault: 'either',
    causes: [
      { cause: 'The server answered STARTTLS with an error (e.g. 454 TLS not available): its TLS set-up is broken.', findings: ['starttls.rejected'] },
      { cause: 'The handshake failed, or with --tls-verify the certificate did not verify.', findings: ['tls.handshake-failed', 'cert.self-signed', 'cert.chain-incomplete'] },
    ],
    confirm: 'mxray check {host}',
    fixes: { any: ['Read the line above it in the swaks transcript; fix what it names on the server.'] },
    refs: ['swaks(1): --tls, --tls-verify'],
    samples: ['*** STARTTLS attempted but failed'],
  },
  {
    id: 'swaks.tls-startup-failed',
    platform: 'swaks',
    keywords: ['tls startup failed'],
    patterns: [re('\\*\\*\\* TLS startup failed \\((?:connect\\(\\): )?(?<why>[^)\\r\\n]{1,300})\\)')],
    meaning:
      'swaks’s TLS handshake failed; the words in brackets are OpenSSL’s: "certificate verify failed" (with --tls-verify: the chain or the CA), "wrong version number" (no TLS there: --tls-on-connect against a STARTTLS port, or a server that does not start TLS after its 220), "unexpected eof while reading" (the server closed the connection).',
    fault: 'either',
    causes: [
      { cause: 'certificate verify failed: self-signed, missing intermediate, untrusted CA, or expired (swaks verifies only with --tls-verify).', findings: ['cert.self-signed', 'cert.chain-incomplete', 'cert.untrusted-root', 'cert.expired'] },
      { cause: 'wrong version number: implicit TLS (--tls-on-connect) against port 25 or 587, or a broken server.', findings: ['tls.handshake-failed'] },
      { cause: 'unexpected eof while reading: the server closed the connection during the handshake.', findings: ['tls.server-aborted'] },
    ],
    confirm: 'mxray check {host}',
    fixes: { any: ['Use --tls (STARTTLS) on ports 25 and 587 and --tls-on-connect only on 465; for verification errors, fix the server’s chain or add its CA with --tls-ca-path.'] },
    refs: ['swaks(1): --tls-on-connect, --tls-verify, --tls-ca-path'],
    samples: [
      '*** TLS startup failed (connect(): error:0A000086:SSL routines::certificate verify failed)',
      '*** TLS startup failed (connect(): error:0A00010B:SSL routines::wrong version number)',
    ],
  },

  // ----- openssl s_client ---------------------------------------------------------------------------
  {
    id: 'openssl-s-client.starttls-not-found',
    platform: 'openssl-s-client',
    keywords: ["didn't find starttls in server response"],
    patterns: [re("Didn't find STARTTLS in server response")],
    meaning:
      'openssl s_client -starttls smtp found no STARTTLS in the server’s EHLO reply; it sends STARTTLS anyway, and the handshake then fails (usually "wrong version number", the server’s clear-text error read as TLS).',
    fault: 'either',
    causes: STARTTLS_MISSING_CAUSES,
    confirm: 'mxray check {host} --dnsbl',
    fixes: STARTTLS_MISSING_FIXES,
    refs: ['openssl-s_client(1): -starttls', 'OpenSSL 3.0 s_client against loopback servers without STARTTLS and with a masked offer (produced here)'],
    samples: ["Didn't find STARTTLS in server response, trying anyway..."],
  },
  {
    id: 'openssl-s-client.verify-result',
    platform: 'openssl-s-client',
    keywords: ['verify return code: ', 'verification error: '],
    patterns: [re('Verify return code: (?<num>[1-9][0-9]{0,2}) \\((?<why>[^)\\r\\n]{1,120})\\)'), re('Verification error: (?<why>[^\\r\\n]{1,160})')],
    meaning:
      'openssl s_client’s verdict on the server’s certificate chain: the number and words are OpenSSL’s verify error — 18 self-signed certificate, 19 self-signed certificate in certificate chain, 20 unable to get local issuer certificate, 21 unable to verify the first certificate (intermediate not sent), 10 certificate has expired, 62 hostname mismatch (with -verify_hostname). The handshake itself succeeded unless -verify_return_error was given.',
    fault: 'receiver',
    causes: [
      { cause: '21 or 20: the server does not send its intermediate certificate, or its CA is not in the trust store s_client used (-CAfile).', findings: ['cert.chain-incomplete', 'cert.untrusted-root'] },
      { cause: '18 or 19: a self-signed certificate, or a private root.', findings: ['cert.self-signed', 'cert.untrusted-root'] },
      { cause: '10: the certificate has expired.', findings: ['cert.expired'] },
      { cause: '62: the certificate does not name the host given to -verify_hostname.', findings: ['cert.name-mismatch'] },
    ],
    confirm: 'mxray cert {host}',
    fixes: { any: ['Receiver: send the full chain (leaf, then intermediates) of a certificate from a public CA naming the host; renew before expiry.'] },
    refs: ['openssl-verify(1): VERIFY DIAGNOSTICS', 'openssl-s_client(1): -verify_return_error, -verify_hostname'],
    samples: [
      'Verify return code: 18 (self-signed certificate)',
      'Verify return code: 21 (unable to verify the first certificate)',
      'Verify return code: 62 (hostname mismatch)',
      'Verification error: unable to get local issuer certificate',
    ],
  },
  {
    id: 'sendmail.no-mail-command',
    platform: 'sendmail',
    keywords: ['did not issue mail/expn/vrfy/etrn'],
    patterns: [re(`\\[${IP}\\](?: \\(may be forged\\))? did not issue MAIL/EXPN/VRFY/ETRN during connection to (?<daemon>[A-Za-z0-9_-]{1,40})`)],
    meaning:
      'A client connected to this Sendmail daemon (named after "connection to", as DaemonPortOptions Name= calls it) and left without a mail command. On a daemon for implicit TLS (port 465, Modifiers=s — often named TLSMTA or MTA-SSL) that is what a client speaking plain SMTP, or one that failed the TLS handshake, leaves behind; on port 25, a client that gave up after STARTTLS, a scanner, or a client that timed out while Sendmail waited on a slow DNS block list.',
    fault: 'either',
    causes: [
      { cause: 'A client that does not do what the port expects: plain SMTP on the implicit-TLS port (or TLS on the plain one).', findings: [] },
      { cause: 'The client’s TLS handshake failed or it refused the certificate, and it closed.', findings: ['cert.self-signed', 'cert.chain-incomplete', 'tls.no-shared-cipher'] },
      { cause: 'A scanner, or a client timed out while Sendmail waited on a DNS block list.', findings: [] },
    ],
    confirm: 'mxray check <your MX host> --port 465',
    fixes: { sendmail: ['Check the daemon the line names in DAEMON_OPTIONS (its Port= and M=s); set LogLevel 14 or more to log the STARTTLS errors of the session.'] },
    refs: ['Sendmail cf/README (sendmail-doc 8.17.1.9): "did not issue MAIL/EXPN/VRFY/ETRN" (EDNSBL_TO), DAEMON_OPTIONS Name= and Modifiers=s', 'produced here by Sendmail 8.17.1.9 on loopback (a client that connected and left)'],
    samples: ['sendmail[9258]: 6ATJGu82009258: localhost [127.0.0.1] did not issue MAIL/EXPN/VRFY/ETRN during connection to MTA', 'sm-mta[4711]: 1A2B3C4D005678: client.example [198.51.100.7] did not issue MAIL/EXPN/VRFY/ETRN during connection to TLSMTA'],
  },
];
