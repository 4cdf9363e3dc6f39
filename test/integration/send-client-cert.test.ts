// `mxray send` to a server that requires a client certificate (a partner connector's mutual TLS),
// with the loopback fixture (test/helpers/send-server.ts, Node's TLS: OpenSSL's alerts): the refusal
// is recognised however it shows — TLS 1.3's alert right after the handshake, TLS 1.2's alert after a
// CertificateRequest seen in clear — and said as send.client-cert-required (none presented) or
// send.client-cert-refused (one presented that the server does not accept), never as a bare
// connection error. Each test asserts what the server received (no message). Loopback only.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import type { Connector, JobEdges, Limits, Resolver } from '../../src/core/context.js';
import { DnsError, TlsHandshakeError } from '../../src/core/errors.js';
import { exitCodeFor } from '../../src/core/report.js';
import { createScheduler } from '../../src/core/scheduler.js';
import type { SendReport } from '../../src/core/schema.js';
import { judgeSend } from '../../src/checks/sending.js';
import { createRootCa, type TestCa } from '../../src/demo/test-pki.js';
import { sendMessage, type SendOptions } from '../../src/library.js';
import { createConnector } from '../../src/net/connector.js';
import { createTrustStore } from '../../src/pki/trust-store.js';
import { renderText } from '../../src/render/text.js';
import { startSendServer, type SendServer, type SendServerPlan } from '../helpers/send-server.js';
import { schemaErrors } from '../helpers/schema.js';

const NAME = 'mx.ccert.test';
const LIMITS: Partial<Limits> = { connectTimeoutMs: 3000, greetingTimeoutMs: 3000, commandTimeoutMs: 3000, tlsTimeoutMs: 3000 };
const nx = (name: string, type: string) => Promise.reject(new DnsError('NXDOMAIN', name, type));
const NO_DNS: Resolver = { description: 'in-test resolver', mx: (n) => nx(n, 'MX'), a: (n) => nx(n, 'A'), aaaa: (n) => nx(n, 'AAAA'), cname: (n) => nx(n, 'CNAME'), txt: () => Promise.resolve([]), ptr: () => Promise.resolve([]) };

let ca: TestCa;
let tlsKey: { key: string; cert: string };
beforeAll(async () => {
  ca = await createRootCa('mxray client-cert test root', Date.now());
  const leaf = await ca.issue({ commonName: NAME, dnsNames: [NAME] });
  tlsKey = { key: leaf.keyPem, cert: leaf.certPem };
});

const servers: SendServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function serve(plan: SendServerPlan): Promise<SendServer> {
  const s = await startSendServer({ clientCertificate: 'require', clientCa: ca.cert.certPem, ...plan }, tlsKey);
  servers.push(s);
  return s;
}

function edges(): JobEdges {
  throw new Error('every edge is given in the options');
}

function send(server: SendServer, extra: Partial<SendOptions> = {}): Promise<SendReport> {
  return sendMessage(
    {
      target: `${NAME}:${server.port}`,
      to: ['rcpt@ccert.test'],
      from: 'sender@client.mxray.test',
      helo: 'client.mxray.test',
      tls: 'required',
      limits: LIMITS,
      hostMap: new Map([[NAME, { address: server.address, port: server.port }]]),
      clock: systemClock,
      resolver: NO_DNS,
      connector: createConnector(systemClock),
      scheduler: createScheduler(),
      trustStore: createTrustStore([ca.cert.certPem], 'test root'),
      ...extra,
    },
    edges,
  );
}

const ids = (r: SendReport) => r.findings.map((f) => f.id).sort();

describe('mxray send to a server that requires a client certificate', () => {
  it('TLS 1.3, none presented: the alert right after the handshake is named, send.client-cert-required, nothing received', async () => {
    const s = await serve({});
    const r = await send(s);
    expect(r.body.session?.tls?.protocol).toBe('TLSv1.3');
    expect(r.body.session?.tlsAlert).toBe('certificate_required');
    // The request was inside TLS 1.3's encryption: not seen.
    expect(r.body.session?.clientCertificateRequested).toBe(false);
    expect(r.body.outcome).toMatchObject({ result: 'failed', stage: 'tls' });
    expect(r.body.outcome.reason).toBe('the server ended the TLS session with the alert certificate_required right after the handshake');
    expect(ids(r)).toEqual(['send.client-cert-required']);
    expect(r.verdict).toBe('fail');
    expect(exitCodeFor(r)).toBe(1);
    expect(s.messages).toHaveLength(0);
    expect(schemaErrors(r)).toEqual([]);
    const out = renderText(r, { width: 100 });
    expect(out).toContain('requires a client certificate, and none was presented');
    // OpenSSL's raw error string is for --verbose, not the first screen.
    expect(out.split('\n').slice(0, 8).join('\n')).not.toMatch(/SSL routines|0A00/);
  });

  it('TLS 1.2, none presented: the handshake fails after a CertificateRequest seen in clear; not sent, send.client-cert-required', async () => {
    const s = await serve({ tlsMaxVersion: 'TLSv1.2' });
    const r = await send(s);
    expect(r.body.session?.tls).toBeNull();
    expect(r.body.session?.clientCertificateRequested).toBe(true);
    expect(r.body.session?.tlsAlert).toBe('handshake_failure');
    expect(r.body.outcome).toMatchObject({ result: 'not-sent', cause: 'tls-unavailable' });
    expect(r.body.outcome.reason).toBe('the TLS handshake failed: the server ended the TLS session with the alert handshake_failure during the handshake');
    expect(ids(r)).toEqual(['send.client-cert-required']);
    expect(s.messages).toHaveLength(0);
  });

  // Node's TLS server (the fixture) asks for a certificate but does not judge one presented, so the
  // alerts that refuse a certificate are judged here on a real session's facts (and against Exim's
  // GnuTLS in test/interop/send-exim.interop.test.ts).
  describe('the judgement of a certificate presented and refused', () => {
    let base: SendReport;
    beforeAll(async () => {
      const s = await serve({});
      base = await send(s);
    });
    const judged = (alert: string | null, presented: string | null, tlsDone: boolean, requested = false) => {
      const body = structuredClone(base.body);
      body.settings.clientCertificate = presented;
      body.session!.tlsAlert = alert;
      body.session!.clientCertificateRequested = requested;
      if (!tlsDone) body.session!.tls = null;
      return judgeSend(body).findings;
    };

    it('unknown_ca, certificate_expired, unsupported_certificate after the handshake, with one presented: send.client-cert-refused naming it', () => {
      for (const alert of ['unknown_ca', 'certificate_expired', 'certificate_revoked', 'unsupported_certificate', 'bad_certificate']) {
        const f = judged(alert, 'CN=partner', true);
        expect(f.map((x) => x.id), alert).toEqual(['send.client-cert-refused']);
        expect(f[0]!.facts).toMatchObject({ subject: 'CN=partner', how: `it ended the TLS session with the alert ${alert} right after the handshake` });
      }
    });
    it('the same alerts without a certificate presented: only the refusal alerts mean "required"; unknown_ca alone proves nothing', () => {
      expect(judged('bad_certificate', null, true).map((x) => x.id)).toEqual(['send.client-cert-required']);
      expect(judged('unknown_ca', null, true).map((x) => x.id)).toEqual(['send.failed']);
    });
    it('during the handshake: only after a CertificateRequest seen in clear (else handshake_failure is, say, no common cipher)', () => {
      expect(judged('handshake_failure', null, false, true).map((x) => x.id)).toEqual(['send.client-cert-required']);
      expect(judged('unknown_ca', 'CN=partner', false, true).map((x) => x.id)).toEqual(['send.client-cert-refused']);
      expect(judged('handshake_failure', null, false, false).map((x) => x.id)).not.toContain('send.client-cert-required');
      // certificate_required says it all, request seen or not.
      expect(judged('certificate_required', null, false, false).map((x) => x.id)).toEqual(['send.client-cert-required']);
    });
    it('a delivered message is never a client-certificate refusal, whatever alert was recorded', () => {
      const body = structuredClone(base.body);
      body.outcome = { ...body.outcome, result: 'delivered', stage: 'message' };
      body.session!.tlsAlert = 'certificate_required';
      expect(judgeSend(body).findings.map((x) => x.id)).not.toContain('send.client-cert-required');
    });
    it("a reply that says so (Postfix smtpd_tls_req_ccert's 421) with none presented: send.client-cert-required quoting it", () => {
      const body = structuredClone(base.body);
      body.session!.tlsAlert = null;
      body.outcome = { ...body.outcome, result: 'deferred', stage: 'mail', reply: { code: 421, enhanced: '4.7.1', lines: ['4.7.1 mx.ccert.test Error: No client certificate presented'] } };
      const f = judgeSend(body).findings;
      expect(f.map((x) => x.id)).toEqual(['send.client-cert-required']);
      expect(f[0]!.facts.how).toBe('it answered 421 4.7.1 mx.ccert.test Error: No client certificate presented');
    });
  });

  it('the alert the handshake saw is the one named, even when OpenSSL reports something else (a reset after it)', async () => {
    const s = await serve({});
    const real = createConnector(systemClock);
    const seen = { bytes: 7, notTls: false, preview: null, serverHello: true, certificate: true, encrypted: false, alert: 'handshake_failure', certificateRequest: true };
    const connector: Connector = {
      connect: async (options) => {
        const inner = await real.connect(options);
        return {
          localAddress: inner.localAddress,
          remoteAddress: inner.remoteAddress,
          get stream() {
            return inner.stream;
          },
          startTls: () => Promise.reject(new TlsHandshakeError('read ECONNRESET', 'ECONNRESET', seen, false)),
          close: () => inner.close(),
        };
      },
    };
    const r = await send(s, { connector });
    expect(r.body.session?.tlsAlert).toBe('handshake_failure');
    expect(r.body.session?.clientCertificateRequested).toBe(true);
    expect(ids(r)).toEqual(['send.client-cert-required']);
  });

  it('a server that only asks (never insists) takes the message without one: no client-certificate finding', async () => {
    const s = await serve({ clientCertificate: 'ask' });
    const r = await send(s);
    expect(r.body.outcome.result).toBe('delivered');
    expect(r.body.session?.tlsAlert).toBeNull();
    expect(r.body.session?.clientCertificateRequested).toBe(false);
    expect(ids(r)).toEqual(['send.delivered']);
    expect(s.messages).toHaveLength(1);
  });
});
