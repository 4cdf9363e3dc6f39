// The web job kinds that reach servers, run against the demo lab on loopback (its DNS server, its
// SMTP servers at the ports its host map gives, its MTA-STS policy host) with edges built the way
// the server builds them: each kind gets only the JobContext, and what it reports is the lab's truth.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import type { JobEvent } from '../../../src/core/events.js';
import type { Report } from '../../../src/core/schema.js';
import { startDnsServer, type RunningDnsServer } from '../../../src/demo/dns-server.js';
import { labFetcher, startLabWithDns, type RunningLab } from '../../../src/demo/run-demo.js';
import { createDnssecResolver } from '../../../src/dns/dnssec-resolver.js';
import { createResolver } from '../../../src/dns/system-resolver.js';
import { createConnector } from '../../../src/net/connector.js';
import { createTrustStore } from '../../../src/pki/trust-store.js';
import { schedulerOfProcess } from '../../../src/runtime/edges.js';
import { kindNamed } from '../../../src/web/kinds/index.js';
import type { JobContext, WebEdges } from '../../../src/web/kinds/model.js';
import { createRootCa } from '../../../src/demo/test-pki.js';
import { openssl } from '../../helpers/openssl-cert.js';
import { schemaErrors } from '../../helpers/schema.js';
import { startSendServer } from '../../helpers/send-server.js';

const LIST = 'bl.mxray.test';
let running: RunningLab;
/** The lab's zone plus a block list that lists 127.0.0.1 and nothing else. */
let dns: RunningDnsServer;

beforeAll(async () => {
  running = await startLabWithDns({ now: systemClock.now(), only: ['good', 'expired', 'requires-tls', 'self-signed'] });
  dns = await startDnsServer({
    records: [
      ...running.lab.zone.records,
      { name: `1.0.0.127.${LIST}`, type: 'A', data: '127.0.0.2' },
      { name: `1.0.0.127.${LIST}`, type: 'TXT', data: 'Listed for spam trap hits' },
    ],
  });
}, 120_000);

afterAll(async () => {
  await dns?.stop();
  await running?.stop();
});

function webEdges(): WebEdges {
  const server = `${dns.address}:${dns.port}`;
  const resolver = createResolver({ server, timeoutMs: 2000, tries: 1 });
  const trustStore = createTrustStore([running.lab.trustedCaPem], 'the demo root');
  return {
    clock: systemClock,
    resolver,
    dnssec: createDnssecResolver({ server, timeoutMs: 2000, tries: 1 }),
    connector: createConnector(systemClock),
    trustStore,
    fetcher: labFetcher(running, resolver, trustStore),
    scheduler: schedulerOfProcess(),
    helo: 'client.mxray.test',
    hostMap: running.lab.hostMap,
  };
}

function context(events: JobEvent[] = []): JobContext {
  return { edges: webEdges(), signal: new AbortController().signal, events: { emit: (e) => events.push(e) }, publicMode: false, upload: null };
}

/** Runs a kind by its name as the server would: parameters, a context, and the events it streamed. */
async function run(name: string, params: unknown): Promise<{ report: Report; events: JobEvent[] }> {
  const kind = kindNamed(name);
  if (!kind) throw new Error(`no kind ${name}`);
  const events: JobEvent[] = [];
  const report = await kind.run(params as never, context(events));
  expect(schemaErrors(JSON.parse(JSON.stringify(report)))).toEqual([]);
  return { report, events };
}

const ids = (r: Report) => r.findings.map((f) => f.id);

/** openssl reads its inputs from files: written to a folder of the test's own, removed after. */
function inTemp<T>(files: Record<string, string>, use: (path: (name: string) => string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'mxray-web-kinds-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return use((name) => join(dir, name));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The report as the kind it must be (a test fails, rather than skipping its assertions, when it is another). */
function narrowed<K extends Report['kind']>(r: Report, kind: K): Extract<Report, { kind: K }> {
  expect(r.kind).toBe(kind);
  return r as Extract<Report, { kind: K }>;
}

describe('network kinds against the demo lab', () => {
  it('cert: a host with a good certificate passes; its subject is the lab MX', async () => {
    const { report, events } = await run('cert', { host: 'good.mxray.test', revocation: false });
    expect(report.kind).toBe('certificate');
    if (report.kind !== 'certificate') return;
    expect(report.verdict).toBe('pass');
    expect(report.body.input.kind).toBe('domain');
    expect(report.body.subjects.length).toBeGreaterThan(0);
    expect(report.body.subjects[0]?.host).toMatch(/mxray\.test/);
    // The probe streamed its transcript to the job's sink.
    expect(events.some((e) => e.type === 'transcript')).toBe(true);
  });

  it('cert: an expired certificate fails with cert.expired; names given are checked', async () => {
    const { report } = await run('cert', { host: 'expired.mxray.test', revocation: false, names: ['other.example'] });
    expect(report.verdict).toBe('fail');
    expect(ids(report)).toContain('cert.expired');
    expect(narrowed(report, 'certificate').body.names).toEqual(['other.example']);
  });

  it('enforce: requires-tls refuses mail without TLS (pass); good accepts it (fail)', async () => {
    const strict = await run('enforce', { target: 'requires-tls.mxray.test', timeout: 5 });
    expect(strict.report.kind).toBe('enforce');
    expect(strict.report.verdict).toBe('pass');
    expect(strict.events.some((e) => e.type === 'transcript' && /MAIL FROM/i.test(e.event.text))).toBe(true);
    const lax = await run('enforce', { target: 'good.mxray.test', timeout: 5 });
    expect(lax.report.verdict).toBe('fail');
    expect(narrowed(lax.report, 'enforce').body.addresses[0]?.cleartext?.status).toBe('ok');
  });

  it('send: one message to the lab over verified STARTTLS: the lab refuses it at the end of its data', async () => {
    const { report } = await run('send', { target: 'postmaster@good.mxray.test', from: 'a@client.mxray.test', tls: 'required', verify: 'name', subject: 'web kind test', timeout: 5 });
    expect(report.kind).toBe('send');
    if (report.kind !== 'send') return;
    expect(report.verdict).toBe('fail');
    expect(report.body.server?.mx).toBe('mx.good.mxray.test');
    expect(report.body.settings.tls).toBe('required');
    expect(report.body.session?.tls?.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(report.body.outcome).toMatchObject({ result: 'refused', stage: 'message' });
    expect(report.body.envelope.from).toBe('a@client.mxray.test');
  });

  it('send: a recipient alone names where the message goes (its domain), as the Send page sends it', async () => {
    const { report } = await run('send', { to: ['postmaster@good.mxray.test'], from: 'a@client.mxray.test', tls: 'required', verify: 'name', timeout: 5 });
    expect(report.kind).toBe('send');
    if (report.kind !== 'send') return;
    expect(report.body.server?.mx).toBe('mx.good.mxray.test');
    expect(report.body.envelope.from).toBe('a@client.mxray.test');
  });

  it('send: AUTH PLAIN with a password logs in and delivers; the secret is in nothing the job returns or streams', async () => {
    const secret = 'pw-9f3c1d7e2b';
    const ca = await createRootCa('web kinds send root', systemClock.now());
    const leaf = await ca.issue({ commonName: 'mx.send.test', dnsNames: ['mx.send.test'] });
    const server = await startSendServer({ auth: ['PLAIN'], credentials: { user: 'alice', password: secret } }, { key: leaf.keyPem, cert: leaf.certPem });
    try {
      const { report, events } = await run('send', {
        target: `127.0.0.1:${server.port}`,
        to: ['rcpt@send.test'],
        tls: 'required',
        verify: 'none',
        authUser: 'alice',
        authPassword: secret,
        subject: 'web kind auth',
        timeout: 5,
      });
      expect(report.kind).toBe('send');
      if (report.kind !== 'send') return;
      expect(report.body.outcome.result).toBe('delivered');
      expect(server.logins).toEqual([expect.objectContaining({ mechanism: 'PLAIN', ok: true, secure: true })]);
      expect(server.messages[0]?.content.toString()).toContain('Subject: web kind auth');
      expect(report.body.settings.auth).toEqual({ user: 'alice', mechanism: null, allowCleartext: false });
      const base64 = Buffer.from(`\0alice\0${secret}`).toString('base64');
      for (const text of [JSON.stringify(report), JSON.stringify(events)]) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(base64);
      }
    } finally {
      await server.stop();
    }
  });

  it('send: a client certificate (PEM with its key, or a PFX in base64 with its password) is presented; its key is in nothing returned', async () => {
    const ca = await createRootCa('web kinds client root', systemClock.now());
    const leaf = await ca.issue({ commonName: 'mx.send.test', dnsNames: ['mx.send.test'] });
    const client = await ca.issue({ commonName: 'sender.client.test', dnsNames: ['sender.client.test'], eku: ['clientAuth'] });
    const server = await startSendServer({ clientCertificate: 'require', clientCa: ca.cert.certPem }, { key: leaf.keyPem, cert: leaf.certPem });
    const pfx = inTemp({ 'c.pem': client.certPem, 'c.key': client.keyPem }, (f) => openssl(['pkcs12', '-export', '-in', f('c.pem'), '-inkey', f('c.key'), '-passout', 'pass:pfx-pw'], Buffer.alloc(0)));
    try {
      const common = { target: `127.0.0.1:${server.port}`, to: ['rcpt@send.test'], tls: 'required', verify: 'none', timeout: 5 };
      for (const given of [{ clientCertificate: client.certPem + client.keyPem }, { clientCertificate: pfx.toString('base64'), clientPassword: 'pfx-pw' }]) {
        const { report } = await run('send', { ...common, ...given });
        const send = narrowed(report, 'send');
        expect(send.body.outcome.result).toBe('delivered');
        expect(send.body.settings.clientCertificate).toMatch(/sender\.client\.test/);
        expect(send.body.session?.tls?.clientCertificate).toBe(true);
        const text = JSON.stringify(report);
        expect(text).not.toContain(client.keyPem.split('\n')[1]);
        expect(text).not.toContain('pfx-pw');
      }
      expect(server.messages).toHaveLength(2);
      const kind = kindNamed('send');
      const noPassword = await kind?.run({ ...common, clientCertificate: pfx.toString('base64') } as never, context()).then(() => null, (e: unknown) => e);
      expect((noPassword as Error).message).toMatch(/clientPassword/);
    } finally {
      await server.stop();
    }
  });

  it('posture: the good domain publishes MTA-STS and TLS-RPT; the block list asked lists its MX address', async () => {
    const { report } = await run('posture', { domain: 'good.mxray.test', dnsbl: [LIST] });
    expect(report.kind).toBe('posture');
    expect(ids(report)).toEqual(expect.arrayContaining(['mta-sts.ok', 'tls-rpt.ok']));
    expect(JSON.stringify(report)).toContain(LIST);
    expect(narrowed(report, 'posture').body.posture.dnsbl?.zones).toEqual([LIST]);
    const none = await run('posture', { domain: 'good.mxray.test', blocklists: false });
    expect(narrowed(none.report, 'posture').body.posture.dnsbl).toBeNull();
  });

  it('blocklist: 127.0.0.1 is listed on the lab list, 127.0.0.9 is not', async () => {
    const listed = await run('blocklist', { target: '127.0.0.1', zones: [LIST] });
    expect(listed.report.kind).toBe('blocklist');
    expect(listed.report.verdict).toBe('fail');
    const clean = await run('blocklist', { target: '127.0.0.9', zones: [LIST] });
    expect(clean.report.verdict).toBe('pass');
  });

  it('check (the lead’s kind) runs from the index too', async () => {
    const { report } = await run('check', { target: 'self-signed.mxray.test', quick: true, revocation: false, posture: false });
    expect(report.kind).toBe('receiver');
    expect(ids(report)).toContain('cert.self-signed');
  });
});
