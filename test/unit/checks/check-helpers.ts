// Small builders for the per-check tests: each test hands a check only the input its type
// declares (CheckInput<facts, assessment, context>), so the tests also show what each check reads.
import type { Finding, HandshakeFailure, ReplyFacts, TlsFacts } from '../../../src/core/schema.js';

export const HOST = 'mx.example.test[192.0.2.1]:25';

/** Evidence as the prober records it: one list of transcript event numbers per phase. */
export const EV = { connect: [1, 2], banner: [3], ehlo: [4, 5], starttls: [6, 7], tls: [8, 9], ehloTls: [10, 11], envelope: [12, 13], cleartext: [14], noSni: [15, 16], legacy: [17] };

export const reply = (code: number, ...lines: string[]): ReplyFacts => ({ code, enhanced: /^\d\.\d+\.\d+/.exec(lines[0] ?? '')?.[0] ?? null, lines });
export const cap = (keyword: string, ...params: string[]) => ({ keyword, params, meaning: null, rfc: null });

export function tlsOk(over: Partial<TlsFacts> = {}): TlsFacts {
  return {
    ok: true,
    status: 'ok',
    protocol: 'TLSv1.3',
    cipher: 'TLS_AES_256_GCM_SHA384',
    cipherStandard: 'TLS_AES_256_GCM_SHA384',
    group: 'X25519',
    sni: 'mx.example.test',
    ocspStapled: false,
    handshakeMs: 5,
    error: null,
    failure: null,
    injectedBytes: 0,
    peerChain: [],
    ...over,
  };
}

/** A failed handshake as measured: OpenSSL's words, and what the server sent. */
export function tlsFailed(error: string, seen: Partial<HandshakeFailure['seen']> = {}): TlsFacts {
  const failure: HandshakeFailure = {
    error,
    reason: 'handshake',
    seen: { bytes: 7, notTls: false, preview: null, serverHello: false, certificate: false, encrypted: false, alert: 'handshake_failure', ...seen },
    timedOut: false,
  };
  return { ...tlsOk(), ok: false, status: 'tls-handshake-error', protocol: null, cipher: null, cipherStandard: null, group: null, handshakeMs: null, error, failure };
}

/** Each finding as [id, facts]. */
export const found = (findings: readonly Finding[]) => findings.map((f) => [f.id, f.facts]);
/** A finding about HOST as [id, facts]: the host is the first fact of every host finding. */
export const F = (id: string, facts: Finding['facts'] = {}) => [id, { host: HOST, ...facts }];
export const ids = (findings: readonly Finding[]) => findings.map((f) => f.id);
