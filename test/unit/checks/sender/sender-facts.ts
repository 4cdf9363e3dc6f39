// A valid SenderBody for the sender judge's and renderer's tests: a Postfix-like sender at
// 192.0.2.25 (mail.sender.test, forward-confirmed, SPF pass) that used STARTTLS with TLS 1.3 and
// presented no client certificate, and whose message was accepted. Tests change one fact at a time.
import type { HeaderHop, HeaderMessage, SenderBody, SenderSession } from '../../../../src/core/schema.js';

export const CLIENT_IP = '192.0.2.25';
export const EHLO = 'mail.sender.test';

export function session(over: Partial<SenderSession> = {}): SenderSession {
  return {
    id: 'conn-1',
    startedAt: '2026-11-29T10:00:05.000Z',
    durationMs: 420,
    clientIp: CLIENT_IP,
    clientPort: 40123,
    listener: { address: '0.0.0.0', port: 25, policy: 'opportunistic' },
    greeting: { command: 'EHLO', name: EHLO },
    greetingBeforeTls: null,
    tls: {
      offered: true,
      attempted: true,
      established: true,
      protocol: 'TLSv1.3',
      cipher: 'TLS_AES_256_GCM_SHA384',
      cipherStandard: 'TLS_AES_256_GCM_SHA384',
      group: 'x25519',
      sni: 'sender-test.mxray.test',
      clientHello: {
        versions: ['TLSv1.3', 'TLSv1.2'],
        ciphers: ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'],
        ciphersNotListed: 0,
        groups: ['x25519', 'secp256r1'],
        keyShares: ['x25519'],
        signatureAlgorithms: ['ecdsa_secp256r1_sha256', 'rsa_pss_rsae_sha256'],
        sni: 'sender-test.mxray.test',
        alpn: [],
      },
      failure: null,
      clientCertificate: { requested: true, chain: [], opensslError: null },
    },
    mailFrom: 'admin@sender.test',
    mailParams: { size: 1200, body: '8BITMIME', smtputf8: false, requireTls: false, other: [] },
    rcptTo: ['test-abc123@sender-test.mxray.test'],
    commands: 7,
    message: { size: 1200, truncated: false, eightBit: false },
    outcome: 'accepted',
    finalReply: { code: 250, text: '2.0.0 Ok: received, thank you' },
    ended: 'quit',
    ...over,
  };
}

export type TlsOver = Partial<SenderSession['tls']>;
export const withTls = (t: TlsOver, over: Partial<SenderSession> = {}): SenderSession => {
  const s = session(over);
  return { ...s, tls: { ...s.tls, ...t } };
};

/** The TLS of a session that used no STARTTLS (offered, not attempted). */
export const CLEAR: TlsOver = { attempted: false, established: false, protocol: null, cipher: null, cipherStandard: null, group: null, sni: null, clientHello: null };

export function body(over: Partial<SenderBody> = {}): SenderBody {
  return {
    test: { address: 'test-abc123@sender-test.mxray.test', createdAt: '2026-11-29T09:59:00.000Z', expiresAt: '2026-11-29T10:59:00.000Z', matchedBy: 'recipient' },
    hostname: 'sender-test.mxray.test',
    session: session(),
    earlier: [],
    dns: {
      reverse: { names: [EHLO], error: null },
      forward: [{ name: EHLO, addresses: [CLIENT_IP], error: null }],
      fcrdns: true,
      ehlo: { name: EHLO, literal: null, addresses: [CLIENT_IP], error: null },
      mailDomain: 'sender.test',
      mx: { hosts: [EHLO], error: null },
      spf: { record: 'v=spf1 mx -all', result: 'pass', mechanism: 'mx', lookups: 2, reason: null, names: [EHLO] },
      unfinished: [],
    },
    headers: null,
    ...over,
  };
}

export function dns(over: Partial<SenderBody['dns']>): SenderBody['dns'] {
  return { ...body().dns, ...over };
}

export function hop(over: Partial<HeaderHop>): HeaderHop {
  return {
    index: 1,
    line: 10,
    raw: 'from a by b',
    fromHelo: null,
    fromReverse: null,
    fromIp: null,
    by: null,
    via: null,
    with: 'ESMTP',
    protocol: null,
    id: null,
    for: null,
    date: null,
    dateRaw: null,
    dateNote: null,
    tlsVersion: null,
    cipher: null,
    bits: null,
    tlsSource: null,
    tlsVerified: null,
    software: 'postfix',
    local: false,
    submission: false,
    tls: 'unknown',
    tlsEvidence: '',
    zone: 'claimed',
    crossing: false,
    fromOrg: null,
    byOrg: null,
    delaySeconds: null,
    notes: [],
    ...over,
  };
}

export function headerMessage(hops: HeaderHop[]): HeaderMessage {
  return {
    source: 'the message',
    returnedIn: null,
    subject: 'test',
    from: 'admin@sender.test',
    to: 'test-abc123@sender-test.mxray.test',
    messageId: '<m@sender.test>',
    date: '2026-11-29T10:00:00.000Z',
    dateRaw: 'Sun, 29 Nov 2026 10:00:00 +0000',
    fields: 12,
    hops,
    hopsNotListed: 0,
    organisation: { names: ['mxray.test'], how: 'the topmost by' },
    border: null,
    tls: { verdict: 'protected', crossingHops: 1, protectedHops: 1, cleartextHops: 0, unknownHops: 0, weakestVersion: 'TLS 1.3' },
    totalSeconds: null,
    tlsRequired: null,
    authentication: [],
    receivedSpf: [],
    microsoft: [],
    other: [],
    findings: [],
    notes: [],
  };
}
