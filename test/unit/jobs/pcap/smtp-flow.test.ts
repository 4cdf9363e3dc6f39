// SmtpFlow on the bytes a capture of an SMTP connection would hold: the dialogue in clear written
// here in the words real servers use, and the TLS bytes made at test time by node:tls (and by
// `openssl s_client` where Node cannot refuse a certificate during the handshake), held against
// what Node itself reports of the handshake.
import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { PcapFlowSchema, type PcapCaptureProblem, type PcapFlow } from '../../../../src/core/pcap-schema.js';
import { createRootCa, type IssuedCert } from '../../../../src/demo/test-pki.js';
import type { CaptureProblem, FlowMeta } from '../../../../src/jobs/pcap/model.js';
import { MAX_DIALOGUE, MAX_LINE_BYTES, SmtpFlow } from '../../../../src/jobs/pcap/smtp-flow.js';
import { opensslMissing, refusingClient, runTls, type Piece } from '../../../helpers/tls-bytes.js';
import { skipWithout } from '../../../helpers/skip.js';

const T0 = Date.UTC(2026, 10, 30, 3, 0, 0);

function meta(over: Partial<FlowMeta> = {}): FlowMeta {
  return {
    id: 1,
    client: { ip: '192.0.2.10', port: 40001 },
    server: { ip: '198.51.100.25', port: 25 },
    start: T0,
    sawSyn: true,
    ...over,
  };
}

type Turn = Piece | { gap: 'client' | 'server'; missing: number };

const c = (text: string): Piece => ({ from: 'client', bytes: Buffer.from(text, 'latin1') });
const s = (text: string): Piece => ({ from: 'server', bytes: Buffer.from(text, 'latin1') });

/** Feeds turns (whole, or cut in pieces of `step` bytes) and ends the flow. */
function follow(turns: readonly Turn[], options: { meta?: Partial<FlowMeta>; step?: number; end?: 'fin' | 'rst' | 'capture-end' | 'idle' | 'evicted' } = {}): PcapFlow {
  const flow = new SmtpFlow(meta(options.meta));
  let ts = T0;
  for (const turn of turns) {
    ts += 10;
    if ('gap' in turn) {
      flow.gap(turn.gap, turn.missing, ts);
      continue;
    }
    const step = options.step ?? turn.bytes.length;
    for (let i = 0; i < turn.bytes.length; i += step) flow.data(turn.from, new Uint8Array(turn.bytes.subarray(i, i + step)), ts);
  }
  flow.end(options.end ?? 'fin', ts + 10);
  const facts = flow.facts();
  expect([...Value.Errors(PcapFlowSchema, facts)].map((e) => `${e.path} ${e.message}`)).toEqual([]);
  return facts;
}

const BANNER = s('220 mx.example.com ESMTP Postfix (Debian/GNU)\r\n');
const EHLO = c('EHLO client.example.org\r\n');
const EHLO_REPLY = s('250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n');
const EHLO_REPLY_NO_TLS = s('250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n');
const STARTTLS = c('STARTTLS\r\n');
const READY = s('220 2.0.0 Ready to start TLS\r\n');
const PRELUDE: Turn[] = [BANNER, EHLO, EHLO_REPLY, STARTTLS, READY];

/** A clear delivery, after the greeting. */
const DELIVERY: Turn[] = [
  c('MAIL FROM:<alice@example.org> SIZE=312\r\n'),
  s('250 2.1.0 Ok\r\n'),
  c('RCPT TO:<bob@example.com>\r\n'),
  s('250 2.1.5 Ok\r\n'),
  c('DATA\r\n'),
  s('354 End data with <CR><LF>.<CR><LF>\r\n'),
  c('From: alice@example.org\r\nTo: bob@example.com\r\nSubject: hi\r\n\r\nMAIL FROM:<not-a-command@example.net>\r\n..leading dot\r\n.\r\n'),
  s('250 2.0.0 Ok: queued as 4F1C2A0B3D\r\n'),
  c('QUIT\r\n'),
  s('221 2.0.0 Bye\r\n'),
];

let cert: IssuedCert;
let otherCa: string;
beforeAll(async () => {
  const ca = await createRootCa('pcap flow test root', T0 - 86_400_000);
  cert = await ca.issue({ commonName: 'mx.example.com', dnsNames: ['mx.example.com'] });
  otherCa = (await createRootCa('someone else', T0 - 86_400_000)).cert.certPem;
});

const SMTP_IN_TLS = { clientSays: 'EHLO client.example.org\r\n', serverSays: '250-mx.example.com\r\n250 PIPELINING\r\n' };

describe('SmtpFlow: STARTTLS and a handshake that completes', () => {
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    it(`${version}: version and cipher as Node reports them, SNI, verdict tls`, async () => {
      const run = await runTls({
        server: { key: cert.keyPem, cert: cert.certPem, minVersion: version, maxVersion: version },
        client: { servername: 'mx.example.com' },
        ...SMTP_IN_TLS,
      });
      expect(run.client?.protocol).toBe(version);
      const f = follow([...PRELUDE, ...run.pieces]);
      expect(f.kind).toBe('starttls');
      expect(f.banner).toEqual({ code: 220, text: 'mx.example.com ESMTP Postfix (Debian/GNU)' });
      expect(f.hello).toEqual({ verb: 'EHLO', name: 'client.example.org' });
      expect(f.starttlsOffered).toBe(true);
      expect(f.ehloKeywords).toEqual(['PIPELINING', 'SIZE', 'STARTTLS', 'ENHANCEDSTATUSCODES', '8BITMIME']);
      expect(f.starttls).toEqual({ command: 'STARTTLS', reply: { code: 220, text: '2.0.0 Ready to start TLS' } });
      expect(f.tls?.serverHello).toEqual({ version: run.client!.protocol, cipher: run.client!.cipher });
      expect(f.tls?.clientHello?.sni).toBe('mx.example.com');
      expect(f.tls?.clientHello?.legacyVersion).toBe('TLSv1.2');
      expect(f.tls?.clientHello?.supportedVersions[0]).toBe('TLSv1.3');
      expect(f.tls?.clientHello?.cipherCount).toBeGreaterThan(3);
      expect(f.tls?.alerts).toEqual([]);
      expect(f.handshakeResult).toBe('established');
      expect(f.handshakeEvidence).toBe(version === 'TLSv1.3' ? 'client-data-after-finished' : 'finished-both-ways');
      expect(f.verdict).toBe('tls');
      expect(f.exposed).toEqual({ mailFrom: [], rcptTo: [], notListed: 0, mailCommands: 0, data: false, dataBytes: 0, auth: [] });
      expect(f.bytes.client).toBe(Buffer.concat([EHLO, STARTTLS, ...run.pieces.filter((p) => p.from === 'client')].map((p) => p.bytes)).length);
      // The certificate travels in clear only up to TLS 1.2.
      if (version === 'TLSv1.2') {
        expect(f.tls?.certificate?.subject).toContain('mx.example.com');
        expect(f.tls?.certificate?.issuer).toContain('pcap flow test root');
        expect(f.tls?.certificate?.dnsNames).toEqual(['mx.example.com']);
        expect(f.tls?.certificate?.chainLength).toBe(1);
        expect(f.tls?.changeCipherSpec).toEqual({ client: true, server: true });
      } else {
        expect(f.tls?.certificate).toBeNull();
      }
    });
  }

  it('feeding byte by byte gives the same facts as feeding each turn whole (TLS 1.2 and 1.3)', async () => {
    for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
      const run = await runTls({ server: { key: cert.keyPem, cert: cert.certPem, minVersion: version, maxVersion: version }, client: { servername: 'mx.example.com' }, ...SMTP_IN_TLS });
      const turns = [...PRELUDE, ...run.pieces];
      const whole = follow(turns);
      expect(whole.verdict).toBe('tls');
      expect(follow(turns, { step: 1 })).toEqual(whole);
      expect(follow(turns, { step: 7 })).toEqual(whole);
    }
  });

  it('a handshake the capture ends in the middle of is incomplete, not failed', async () => {
    const run = await runTls({ server: { key: cert.keyPem, cert: cert.certPem, maxVersion: 'TLSv1.2' }, client: {}, ...SMTP_IN_TLS });
    const f = follow([...PRELUDE, ...run.pieces.slice(0, 2)], { end: 'capture-end' });
    expect(f.handshakeResult).toBe('incomplete');
    expect(f.handshakeEvidence).toBe('capture-end');
    expect(f.verdict).toBe('incomplete');
    // Closed there instead: the handshake failed.
    const closed = follow([...PRELUDE, ...run.pieces.slice(0, 2)], { end: 'fin' });
    expect(closed.handshakeResult).toBe('failed');
    expect(closed.handshakeEvidence).toBe('closed');
    expect(closed.verdict).toBe('handshake-failed');
  });

  it('a gap in the handshake makes it incomplete; a gap after it changes nothing', async () => {
    const run = await runTls({ server: { key: cert.keyPem, cert: cert.certPem, maxVersion: 'TLSv1.2' }, client: {}, ...SMTP_IN_TLS });
    const withGap: Turn[] = [...PRELUDE, run.pieces[0]!, { gap: 'server', missing: 1200 }, ...run.pieces.slice(2)];
    const f = follow(withGap);
    expect(f.gaps).toEqual({ client: 0, server: 1200 });
    expect(f.handshakeResult).toBe('incomplete');
    expect(f.handshakeEvidence).toBe('gap');
    expect(f.verdict).toBe('incomplete');
    const after = follow([...PRELUDE, ...run.pieces, { gap: 'client', missing: 50 }, { gap: 'server', missing: 70 }]);
    expect(after.verdict).toBe('tls');
    expect(after.gaps).toEqual({ client: 50, server: 70 });
  });
});

describe('SmtpFlow: what tells a handshake established', () => {
  /** The records of a direction's bytes, split where each record ends (a record may span pieces). */
  function recordsOf(pieces: readonly Piece[], from: 'client' | 'server'): Buffer[] {
    const all = Buffer.concat(pieces.filter((p) => p.from === from).map((p) => p.bytes));
    const out: Buffer[] = [];
    for (let i = 0; i + 5 <= all.length; ) {
      const end = i + 5 + all.readUInt16BE(i + 3);
      out.push(all.subarray(i, end));
      i = end;
    }
    return out;
  }

  it('TLS 1.3: the client\'s Finished alone is not enough, nor its next record without a server record after it', async () => {
    const run = await runTls({ server: { key: cert.keyPem, cert: cert.certPem, minVersion: 'TLSv1.3' }, client: {}, ...SMTP_IN_TLS });
    const client = recordsOf(run.pieces, 'client');
    const server = recordsOf(run.pieces, 'server');
    // client: ClientHello, ChangeCipherSpec, Finished, EHLO, close_notify; server: ServerHello, ChangeCipherSpec, its encrypted flight, then tickets and the reply.
    expect(client.map((r) => r[0])).toEqual([22, 20, 23, 23, 23]);
    const flight = server.slice(0, 6);
    expect(flight.map((r) => r[0])).toEqual([22, 20, 23, 23, 23, 23]);
    const after = server.slice(6);
    const C = (...r: Buffer[]): Piece => ({ from: 'client', bytes: Buffer.concat(r) });
    const S = (...r: Buffer[]): Piece => ({ from: 'server', bytes: Buffer.concat(r) });
    const finishedOnly = follow([...PRELUDE, C(client[0]!), S(...flight), C(client[1]!, client[2]!), S(...after)]);
    expect(finishedOnly.handshakeResult).toBe('failed');
    expect(finishedOnly.handshakeEvidence).toBe('closed');
    const noServerAfter = follow([...PRELUDE, C(client[0]!), S(...flight), C(client[1]!, client[2]!, client[3]!)]);
    expect(noServerAfter.handshakeResult).toBe('failed');
    expect(noServerAfter.handshakeEvidence).toBe('closed');
    expect(follow([...PRELUDE, C(client[0]!), S(...flight), C(client[1]!, client[2]!, client[3]!)], { end: 'capture-end' }).handshakeResult).toBe('incomplete');
    const whole = follow([...PRELUDE, C(client[0]!), S(...flight), C(client[1]!, client[2]!, client[3]!), S(...after)]);
    expect(whole.handshakeResult).toBe('established');
    expect(whole.tls?.applicationData.client).toBe(2);
    // The server answers the client's Finished with one alert-sized record and closes: it refused (a client certificate …).
    const refused = follow([...PRELUDE, C(client[0]!), S(...flight), C(client[1]!, client[2]!, client[3]!), S(Buffer.concat([Buffer.from([23, 3, 3, 0, 19]), Buffer.alloc(19, 0x5a)]))]);
    expect(refused.handshakeResult).toBe('failed');
    expect(refused.handshakeEvidence).toBe('encrypted-server-alert');
    expect(refused.verdict).toBe('handshake-failed');
    // A record longer than an alert after it, or two records, is the server going on: established.
    const record = (n: number) => Buffer.concat([Buffer.from([23, 3, 3, 0, n]), Buffer.alloc(n, 0x5a)]);
    const base = [...PRELUDE, C(client[0]!), S(...flight), C(client[1]!, client[2]!, client[3]!)];
    expect(follow([...base, S(record(24))]).handshakeResult).toBe('failed');
    expect(follow([...base, S(record(25))]).handshakeResult).toBe('established');
    expect(follow([...base, S(record(19), record(19))]).handshakeResult).toBe('established');
  });

  it('TLS 1.2: ChangeCipherSpec and Finished from both sides', async () => {
    const run = await runTls({ server: { key: cert.keyPem, cert: cert.certPem, maxVersion: 'TLSv1.2' }, client: {}, ...SMTP_IN_TLS });
    const server = recordsOf(run.pieces, 'server');
    const ccs = server.findIndex((r) => r[0] === 20);
    expect(server[ccs + 1]![0]).toBe(22);
    const cutBeforeServerFinished: Piece[] = [];
    for (const p of run.pieces) {
      if (p.from === 'server' && p.bytes.indexOf(Buffer.from([20, 3, 3, 0, 1, 1])) >= 0) {
        cutBeforeServerFinished.push({ from: 'server', bytes: p.bytes.subarray(0, p.bytes.indexOf(Buffer.from([20, 3, 3, 0, 1, 1])) + 6) });
        break;
      }
      cutBeforeServerFinished.push(p);
    }
    expect(cutBeforeServerFinished.length).toBeLessThan(run.pieces.length);
    const f = follow([...PRELUDE, ...cutBeforeServerFinished]);
    expect(f.tls?.changeCipherSpec).toEqual({ client: true, server: true });
    expect(f.handshakeResult).toBe('failed');
    expect(follow([...PRELUDE, ...run.pieces]).handshakeResult).toBe('established');
    // The client's Finished missing (its ChangeCipherSpec seen), the server's there: not established either.
    const clientCcs = run.pieces.findIndex((p) => p.from === 'client' && p.bytes.indexOf(Buffer.from([20, 3, 3, 0, 1, 1])) >= 0);
    const piece = run.pieces[clientCcs]!;
    const noClientFinished = [...run.pieces.slice(0, clientCcs), { from: 'client' as const, bytes: piece.bytes.subarray(0, piece.bytes.indexOf(Buffer.from([20, 3, 3, 0, 1, 1])) + 6) }, ...run.pieces.slice(clientCcs + 1).filter((p) => p.from === 'server')];
    const g = follow([...PRELUDE, ...noClientFinished]);
    expect(g.tls?.changeCipherSpec).toEqual({ client: true, server: true });
    expect(g.handshakeResult).toBe('failed');
  });

  it('a warning alert beside the server\'s hello does not fail the handshake', async () => {
    const run = await runTls({ server: { key: cert.keyPem, cert: cert.certPem, maxVersion: 'TLSv1.2' }, client: {}, ...SMTP_IN_TLS });
    const warning = s('\x15\x03\x03\x00\x02\x01\x70');
    const f = follow([...PRELUDE, run.pieces[0]!, warning, ...run.pieces.slice(1)]);
    expect(f.tls?.alerts[0]).toEqual({ from: 'server', level: 'warning', description: 'unrecognized_name' });
    expect(f.handshakeResult).toBe('established');
    const cut = follow([...PRELUDE, run.pieces[0]!, warning], { end: 'capture-end' });
    expect(cut.handshakeResult).toBe('incomplete');
    // close_notify in clear, warning level as it is, ends it.
    const closing = follow([...PRELUDE, run.pieces[0]!, s('\x15\x03\x03\x00\x02\x01\x00')], { end: 'capture-end' });
    expect(closing.handshakeResult).toBe('failed');
    expect(closing.handshakeEvidence).toBe('alert');
    const canceled = follow([...PRELUDE, run.pieces[0]!, c('\x15\x03\x03\x00\x02\x01\x5a')], { end: 'capture-end' });
    expect(canceled.tls?.alerts).toEqual([{ from: 'client', level: 'warning', description: 'user_canceled' }]);
    expect(canceled.handshakeResult).toBe('failed');
    // An alert of another length in clear is not read as one.
    const odd = follow([...PRELUDE, run.pieces[0]!, s('\x15\x03\x03\x00\x03\x02\x28\x00')], { end: 'capture-end' });
    expect(odd.tls?.alerts).toEqual([{ from: 'server', level: null, description: null }]);
    expect(odd.handshakeResult).toBe('incomplete');
  });
});

describe('SmtpFlow: implicit TLS', () => {
  it('on port 465, TLS from the first byte', async () => {
    const smtps = await runTls({ server: { key: cert.keyPem, cert: cert.certPem }, client: { servername: 'smtp.example.com' }, ...SMTP_IN_TLS });
    const f = follow(smtps.pieces, { meta: { server: { ip: '198.51.100.25', port: 465 } } });
    expect(f.kind).toBe('implicit-tls');
    expect(f.banner).toBeNull();
    expect(f.starttls).toBeNull();
    expect(f.tls?.clientHello?.sni).toBe('smtp.example.com');
    expect(f.tls?.serverHello?.version).toBe(smtps.client?.protocol);
    expect(f.verdict).toBe('implicit-tls');
    // A ClientHello first on another port is implicit TLS too.
    const other = follow(smtps.pieces, { meta: { server: { ip: '198.51.100.25', port: 2465 } } });
    expect(other.kind).toBe('implicit-tls');
    expect(other.verdict).toBe('implicit-tls');
  });
});

describe('SmtpFlow: handshakes that fail', () => {
  it('a TLS 1.0-only client and a server that wants 1.2: the server\'s alert, in clear', async () => {
    const run = await runTls({
      server: { key: cert.keyPem, cert: cert.certPem, minVersion: 'TLSv1.2' },
      client: { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' },
    });
    expect(run.client).toBeNull();
    const f = follow([...PRELUDE, ...run.pieces]);
    expect(f.tls?.clientHello?.legacyVersion).toBe('TLSv1');
    expect(f.tls?.clientHello?.supportedVersions).toEqual(['TLSv1']);
    expect(f.tls?.serverHello).toBeNull();
    expect(f.tls?.alerts).toEqual([{ from: 'server', level: 'fatal', description: 'protocol_version' }]);
    expect(f.handshakeResult).toBe('failed');
    expect(f.handshakeEvidence).toBe('alert');
    expect(f.verdict).toBe('handshake-failed');
  });

  it('TLS 1.2: the client refuses the certificate, its alert readable', async (ctx) => {
    if (opensslMissing) skipWithout(ctx, 'openssl', opensslMissing);
    const run = await refusingClient({ key: cert.keyPem, cert: cert.certPem }, otherCa, '-tls1_2', 'mx.example.com');
    const f = follow([...PRELUDE, ...run.pieces]);
    expect(f.tls?.serverHello?.version).toBe('TLSv1.2');
    expect(f.tls?.certificate?.subject).toContain('mx.example.com');
    expect(f.tls?.alerts).toContainEqual({ from: 'client', level: 'fatal', description: 'unknown_ca' });
    expect(run.serverError?.code).toBe('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
    expect(f.handshakeResult).toBe('failed');
    expect(f.handshakeEvidence).toBe('alert');
    expect(f.verdict).toBe('handshake-failed');
  });

  it('TLS 1.3: a client that sends one short encrypted record after the server\'s flight and closes — the encrypted alert', async () => {
    // OpenSSL's client still writes its alert in clear at this point; clients that switch keys at
    // the ServerHello (Go, rustls, BoringSSL) encrypt it: 2 bytes, the content type, a 16-byte tag.
    const run = await runTls({ server: { key: cert.keyPem, cert: cert.certPem, minVersion: 'TLSv1.3' }, client: {}, ...SMTP_IN_TLS });
    const hello = run.pieces[0]!;
    const flight = run.pieces.find((p) => p.from === 'server')!;
    const alert = Buffer.concat([Buffer.from([0x17, 0x03, 0x03, 0x00, 19]), Buffer.alloc(19, 0xa5)]);
    const f = follow([...PRELUDE, hello, flight, { from: 'client', bytes: alert }]);
    expect(f.tls?.serverHello?.version).toBe('TLSv1.3');
    expect(f.tls?.encryptedAlertSuspected).toBe(true);
    expect(f.handshakeResult).toBe('failed');
    expect(f.handshakeEvidence).toBe('encrypted-alert');
    expect(f.verdict).toBe('handshake-failed');
    // A record the size of a Finished is no alert: the connection closed mid-handshake.
    const finished = Buffer.concat([Buffer.from([0x17, 0x03, 0x03, 0x00, 53]), Buffer.alloc(53, 0xa5)]);
    const g = follow([...PRELUDE, hello, flight, { from: 'client', bytes: finished }]);
    expect(g.tls?.encryptedAlertSuspected).toBe(false);
    expect(g.handshakeEvidence).toBe('closed');
    // The sizes an encrypted alert can have: 11 (an 8-byte tag) to 24 (a little padding); a byte outside is no alert.
    const sized = (n: number) => follow([...PRELUDE, hello, flight, { from: 'client', bytes: Buffer.concat([Buffer.from([0x17, 0x03, 0x03, 0x00, n]), Buffer.alloc(n, 0xa5)]) }]);
    expect([10, 11, 24, 25].map((n) => sized(n).tls?.encryptedAlertSuspected)).toEqual([false, true, true, false]);
    // Two short records are no lone alert; nor one sent before the server's encrypted flight.
    expect(follow([...PRELUDE, hello, flight, { from: 'client', bytes: Buffer.concat([alert, alert]) }]).tls?.encryptedAlertSuspected).toBe(false);
    const serverHelloOnly = flight.bytes.subarray(0, 5 + flight.bytes.readUInt16BE(3));
    const early = follow([...PRELUDE, hello, { from: 'server', bytes: serverHelloOnly }, { from: 'client', bytes: alert }]);
    expect(early.tls?.serverHello?.version).toBe('TLSv1.3');
    expect(early.tls?.encryptedAlertSuspected).toBe(false);
    // Not closed: the capture ended, nothing is suspected.
    const h = follow([...PRELUDE, hello, flight, { from: 'client', bytes: alert }], { end: 'capture-end' });
    expect(h.tls?.encryptedAlertSuspected).toBe(false);
    expect(h.verdict).toBe('incomplete');
  });

  it('TLS 1.3 with OpenSSL\'s client refusing the certificate: its alert in clear', async (ctx) => {
    if (opensslMissing) skipWithout(ctx, 'openssl', opensslMissing);
    const run = await refusingClient({ key: cert.keyPem, cert: cert.certPem }, otherCa, '-tls1_3', 'mx.example.com');
    const f = follow([...PRELUDE, ...run.pieces]);
    expect(f.tls?.serverHello?.version).toBe('TLSv1.3');
    expect(f.tls?.certificate).toBeNull();
    expect(f.tls?.alerts).toContainEqual({ from: 'client', level: 'fatal', description: 'unknown_ca' });
    expect(f.verdict).toBe('handshake-failed');
  });

  it('the client closes right after 220, without a byte', () => {
    const f = follow([...PRELUDE]);
    expect(f.tls).toBeNull();
    expect(f.handshakeResult).toBe('failed');
    expect(f.handshakeEvidence).toBe('client-closed');
    expect(f.verdict).toBe('handshake-failed');
    expect(follow([...PRELUDE], { end: 'capture-end' }).verdict).toBe('incomplete');
  });

  it('the server answers the ClientHello in clear text: not TLS', async () => {
    const run = await runTls({ server: { key: cert.keyPem, cert: cert.certPem }, client: {} });
    const f = follow([...PRELUDE, run.pieces[0]!, s('500 5.5.2 Error: bad syntax\r\n')]);
    expect(f.handshakeResult).toBe('failed');
    expect(f.handshakeEvidence).toBe('not-tls');
    expect(f.verdict).toBe('handshake-failed');
  });
});

describe('SmtpFlow: mail in clear', () => {
  it('cleartext after STARTTLS: the client goes on in clear after 220, its envelope exposed', () => {
    const f = follow([...PRELUDE, c('EHLO client.example.org\r\n'), s('250-mx.example.com\r\n250 8BITMIME\r\n'), ...DELIVERY]);
    expect(f.tls).toBeNull();
    expect(f.handshakeResult).toBe('not-attempted');
    expect(f.verdict).toBe('cleartext-after-starttls');
    expect(f.afterStarttls.map((x) => x.command)).toEqual(['EHLO client.example.org', 'MAIL FROM:<alice@example.org> SIZE=312', 'RCPT TO:<bob@example.com>', 'DATA', 'QUIT']);
    expect(f.afterStarttls[1]!.reply).toEqual({ code: 250, text: '2.1.0 Ok' });
    expect(f.afterStarttls[3]!.reply?.code).toBe(354);
    expect(f.exposed.mailFrom).toEqual(['alice@example.org']);
    expect(f.exposed.rcptTo).toEqual(['bob@example.com']);
    expect(f.exposed.data).toBe(true);
    // The message's own lines are content, not commands.
    expect(f.exposed.mailCommands).toBe(1);
    expect(f.dialogue.some((d) => d.text.includes('not-a-command'))).toBe(false);
    // The first EHLO reply is what was offered, not the one after.
    expect(f.starttlsOffered).toBe(true);
  });

  it('STARTTLS refused with 454: the client goes on in clear', () => {
    const f = follow([BANNER, EHLO, EHLO_REPLY, STARTTLS, s('454 4.7.0 TLS not available due to local problem\r\n'), ...DELIVERY]);
    expect(f.starttls?.reply).toEqual({ code: 454, text: '4.7.0 TLS not available due to local problem' });
    expect(f.verdict).toBe('starttls-refused');
    expect(f.exposed.mailFrom).toEqual(['alice@example.org']);
    expect(f.handshakeResult).toBe('not-attempted');
  });

  it('STARTTLS not offered', () => {
    const f = follow([BANNER, EHLO, EHLO_REPLY_NO_TLS, ...DELIVERY]);
    expect(f.starttlsOffered).toBe(false);
    expect(f.verdict).toBe('starttls-not-offered');
    expect(f.exposed.data).toBe(true);
    expect(f.exposed.dataBytes).toBeGreaterThan(100);
  });

  it('offered and not used', () => {
    const f = follow([BANNER, EHLO, EHLO_REPLY, ...DELIVERY]);
    expect(f.starttlsOffered).toBe(true);
    expect(f.verdict).toBe('not-attempted');
    expect(f.exposed.rcptTo).toEqual(['bob@example.com']);
  });

  it('a HELO client never asks: not attempted, offered unknown', () => {
    const f = follow([BANNER, c('HELO client.example.org\r\n'), s('250 mx.example.com\r\n'), ...DELIVERY]);
    expect(f.hello).toEqual({ verb: 'HELO', name: 'client.example.org' });
    expect(f.starttlsOffered).toBeNull();
    expect(f.verdict).toBe('not-attempted');
  });

  it('closed before MAIL without STARTTLS: no mail; cut by the capture: incomplete', () => {
    expect(follow([BANNER, EHLO, EHLO_REPLY, c('QUIT\r\n'), s('221 2.0.0 Bye\r\n')]).verdict).toBe('no-mail');
    expect(follow([BANNER, EHLO, EHLO_REPLY], { end: 'capture-end' }).verdict).toBe('incomplete');
    expect(follow([], { end: 'rst' }).verdict).toBe('no-mail');
  });

  it('BDAT content is skipped by its size and counted as content in clear', () => {
    const chunk = 'Subject: x\r\n\r\nRCPT TO:<hidden@example.net>\r\n';
    const f = follow([BANNER, EHLO, EHLO_REPLY_NO_TLS, c('MAIL FROM:<a@example.org>\r\n'), s('250 ok\r\n'), c('RCPT TO:<b@example.com>\r\n'), s('250 ok\r\n'), c(`BDAT ${chunk.length} LAST\r\n${chunk}`), s('250 ok\r\n'), c('QUIT\r\n')]);
    expect(f.exposed.rcptTo).toEqual(['b@example.com']);
    expect(f.exposed.dataBytes).toBe(chunk.length);
    expect(f.dialogue.filter((d) => d.from === 'client').map((d) => d.text)).toEqual(['EHLO client.example.org', 'MAIL FROM:<a@example.org>', 'RCPT TO:<b@example.com>', `BDAT ${chunk.length} LAST`, 'QUIT']);
  });

  it('a DATA refused: the next lines are commands again', () => {
    const f = follow([BANNER, EHLO, EHLO_REPLY_NO_TLS, c('MAIL FROM:<a@example.org>\r\n'), s('250 ok\r\n'), c('DATA\r\n'), s('554 5.5.1 Error: no valid recipients\r\n'), c('QUIT\r\n'), s('221 Bye\r\n')]);
    expect(f.exposed.data).toBe(false);
    expect(f.dialogue.at(-2)).toMatchObject({ from: 'client', text: 'QUIT' });
  });
});

describe('SmtpFlow: line ends and pipelining', () => {
  it('bare LF line ends (and a bare-LF final dot) read as CRLF ones do', () => {
    const lf = (t: Turn): Turn => ('gap' in t ? t : { from: t.from, bytes: Buffer.from(t.bytes.toString('latin1').replace(/\r\n/g, '\n'), 'latin1') });
    const turns = [BANNER, EHLO, EHLO_REPLY, ...DELIVERY];
    const crlf = follow(turns);
    const bare = follow(turns.map(lf));
    expect(bare.verdict).toBe('not-attempted');
    expect(bare.exposed.mailFrom).toEqual(crlf.exposed.mailFrom);
    expect(bare.exposed.rcptTo).toEqual(crlf.exposed.rcptTo);
    expect(bare.dialogue.map((d) => d.text)).toEqual(crlf.dialogue.map((d) => d.text));
    expect(bare.starttlsOffered).toBe(true);
  });

  it('pipelined commands get their replies in order', () => {
    const f = follow([
      ...PRELUDE,
      c('EHLO client.example.org\r\n'),
      s('250-mx.example.com\r\n250 PIPELINING\r\n'),
      c('MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.com>\r\nRCPT TO:<nobody@example.com>\r\nDATA\r\n'),
      s('250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 <nobody@example.com>: Recipient address rejected\r\n354 go ahead\r\n'),
      c('Subject: x\r\n\r\nhello\r\n.\r\nQUIT\r\n'),
      s('250 2.0.0 Ok: queued\r\n221 2.0.0 Bye\r\n'),
    ]);
    expect(f.afterStarttls.map((x) => [x.command, x.reply?.code])).toEqual([
      ['EHLO client.example.org', 250],
      ['MAIL FROM:<alice@example.org>', 250],
      ['RCPT TO:<bob@example.com>', 250],
      ['RCPT TO:<nobody@example.com>', 550],
      ['DATA', 354],
      ['QUIT', 221],
    ]);
    expect(f.exposed.rcptTo).toEqual(['bob@example.com', 'nobody@example.com']);
    expect(f.exposed.data).toBe(true);
  });

  it('a reply with lines of mixed codes counts its last line\'s code; a line that is no reply is a problem', () => {
    const f = follow([BANNER, EHLO, s('250-mx.example.com\r\n250-STARTTLS\r\n554 5.7.1 go away\r\n'), c('QUIT\r\n'), s('hello there\r\n221 Bye\r\n')]);
    expect(f.starttlsOffered).toBeNull();
    expect(f.dialogue[2]).toMatchObject({ from: 'server', text: '554 mx.example.com / STARTTLS / 5.7.1 go away' });
    expect(f.problems).toEqual(['the server sent a line that is not a reply: "hello there"']);
  });
});

describe('SmtpFlow: credentials are never kept', () => {
  it('AUTH PLAIN with an initial response, and AUTH LOGIN\'s exchange', () => {
    const secret = Buffer.from('\u0000alice\u0000hunter2-secret').toString('base64');
    const user = Buffer.from('alice').toString('base64');
    const pass = Buffer.from('hunter2-secret').toString('base64');
    const f = follow([
      BANNER,
      EHLO,
      s('250-mx.example.com\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n'),
      c(`AUTH PLAIN ${secret}\r\n`),
      s('535 5.7.8 Error: authentication failed\r\n'),
      c('AUTH LOGIN\r\n'),
      s('334 VXNlcm5hbWU6\r\n'),
      c(`${user}\r\n`),
      s('334 UGFzc3dvcmQ6\r\n'),
      c(`${pass}\r\n`),
      s('235 2.7.0 Authentication successful\r\n'),
      ...DELIVERY,
    ]);
    const all = JSON.stringify(f);
    for (const leaked of [secret, user, pass, 'hunter2']) expect(all).not.toContain(leaked);
    expect(f.dialogue.filter((d) => d.from === 'client').map((d) => d.text).slice(1, 5)).toEqual(['AUTH PLAIN [credentials redacted]', 'AUTH LOGIN', '[credentials redacted]', '[credentials redacted]']);
    // After the login, commands are read again.
    expect(f.exposed.mailFrom).toEqual(['alice@example.org']);
    // The mechanisms used in clear are named (the credentials they carried crossed readable).
    expect(f.exposed.auth).toEqual(['PLAIN', 'LOGIN']);
  });
});

describe('SmtpFlow: gaps and captures that begin mid-flow', () => {
  it('a gap before MAIL makes "offered, not used" incomplete', () => {
    const f = follow([BANNER, EHLO, EHLO_REPLY, { gap: 'client', missing: 40 }, ...DELIVERY]);
    expect(f.verdict).toBe('incomplete');
    expect(f.gaps.client).toBe(40);
  });

  it('a gap where the client\'s first bytes after STARTTLS were makes it incomplete', async () => {
    const run = await runTls({ server: { key: cert.keyPem, cert: cert.certPem, maxVersion: 'TLSv1.2' }, client: {}, ...SMTP_IN_TLS });
    const f = follow([...PRELUDE, { gap: 'client', missing: run.pieces[0]!.bytes.length }, ...run.pieces.slice(1)]);
    expect(f.handshakeResult).toBe('incomplete');
    expect(f.handshakeEvidence).toBe('gap');
    expect(f.verdict).toBe('incomplete');
    // The server's first bytes after its 220 missed, likewise.
    const g = follow([...PRELUDE, run.pieces[0]!, { gap: 'server', missing: run.pieces[1]!.bytes.length }, ...run.pieces.slice(2)]);
    expect(g.handshakeResult).toBe('incomplete');
    expect(g.verdict).toBe('incomplete');
  });

  it('a gap inside BDAT\'s content keeps the count; one beyond it resumes at the next line', () => {
    const head: Turn[] = [BANNER, EHLO, EHLO_REPLY_NO_TLS, c('MAIL FROM:<a@example.org>\r\n'), s('250 ok\r\n'), c('BDAT 100 LAST\r\n')];
    const inside = follow([...head, c('x'.repeat(40)), { gap: 'client', missing: 20 }, c('y'.repeat(40) + 'RCPT TO:<b@example.com>\r\n'), s('250 ok\r\n')]);
    expect(inside.exposed.dataBytes).toBe(80);
    expect(inside.exposed.rcptTo).toEqual(['b@example.com']);
    expect(inside.verdict).toBe('incomplete');
    const beyond = follow([...head, c('x'.repeat(40)), { gap: 'client', missing: 90 }, c('tail of a line\r\nRCPT TO:<c@example.com>\r\n')]);
    expect(beyond.exposed.rcptTo).toEqual(['c@example.com']);
    expect(beyond.dialogue.some((d) => d.text.includes('tail'))).toBe(false);
  });

  it('a gap in a DATA body: the content counted, the verdict incomplete', () => {
    const f = follow([BANNER, EHLO, EHLO_REPLY, c('MAIL FROM:<a@example.org>\r\n'), s('250 ok\r\n'), c('DATA\r\n'), s('354 go\r\n'), c('Subject: x\r\n'), { gap: 'client', missing: 500 }, c('more\r\n.\r\n'), s('250 queued\r\n')]);
    expect(f.exposed.data).toBe(true);
    expect(f.verdict).toBe('incomplete');
  });

  it('the SYN missed but the greeting seen: the dialogue is whole; the greeting\'s bytes missed: it is not', () => {
    const turns: Turn[] = [BANNER, EHLO, EHLO_REPLY, c('QUIT\r\n'), s('221 Bye\r\n')];
    expect(follow(turns, { meta: { sawSyn: false } }).verdict).toBe('no-mail');
    const missed = follow([{ gap: 'server', missing: BANNER.bytes.length }, ...turns.slice(1)]);
    expect(missed.banner).toBeNull();
    expect(missed.verdict).toBe('incomplete');
  });

  it('after a gap, the rest of the broken line is skipped, not read as a command', () => {
    const f = follow([BANNER, EHLO, EHLO_REPLY, c('MAIL FROM:<alice@exa'), { gap: 'client', missing: 5 }, c('le.org>\r\nRCPT TO:<bob@example.com>\r\n'), s('250 ok\r\n250 ok\r\n')]);
    expect(f.dialogue.filter((d) => d.from === 'client').map((d) => d.text)).toEqual(['EHLO client.example.org', 'RCPT TO:<bob@example.com>']);
    // The server's side likewise.
    const g = follow([BANNER, EHLO, s('250-mx.exam'), { gap: 'server', missing: 9 }, s('ple.com\r\n250 STARTTLS\r\n')]);
    expect(g.dialogue.filter((d) => d.from === 'server').map((d) => d.text)).toEqual(['220 mx.example.com ESMTP Postfix (Debian/GNU)', '250 STARTTLS']);
    // What that reply offered is unknown: lines of it are missing.
    expect(g.starttlsOffered).toBeNull();
  });

  it('seen from its start, the first reply is the greeting whatever its code', () => {
    const f = follow([s('554 5.7.1 mx.example.com: no SMTP service here\r\n'), c('QUIT\r\n'), s('221 Bye\r\n')]);
    expect(f.banner).toEqual({ code: 554, text: '5.7.1 mx.example.com: no SMTP service here' });
    expect(f.verdict).toBe('no-mail');
  });

  it('a capture that begins mid-dialogue: a reply without its command is no banner, and absence decides nothing', () => {
    const f = follow([s('250 2.1.5 Ok\r\n'), c('DATA\r\n'), s('354 go ahead\r\n'), c('x\r\n.\r\n'), s('250 queued\r\n'), c('QUIT\r\n')], { meta: { sawSyn: false } });
    expect(f.banner).toBeNull();
    expect(f.verdict).toBe('incomplete');
  });

  it('mid-flow, bytes that are not TLS after encrypted records say nothing of the handshake', () => {
    // The middle of a record: its first byte looks like a record type, the next ones are no header.
    const f = follow([{ from: 'client', bytes: Buffer.from([0x17, 0x41, 0x42, 0x43, 0x44, 0x45]) }], { meta: { sawSyn: false } });
    expect(f.handshakeEvidence).toBe('mid-flow');
    expect(f.verdict).toBe('incomplete');
  });

  it('a capture that begins inside an encrypted session: incomplete', async () => {
    const run = await runTls({ server: { key: cert.keyPem, cert: cert.certPem }, client: {}, ...SMTP_IN_TLS });
    // From the client's first encrypted record on (TLS 1.3: after its Finished, the EHLO).
    const from = run.pieces.findIndex((p, i) => p.from === 'client' && p.bytes[0] === 0x17 && i > 2);
    const encrypted = run.pieces.slice(from);
    expect(encrypted[0]!.bytes[0]).toBe(0x17);
    const f = follow(encrypted, { meta: { sawSyn: false } });
    expect(f.verdict).toBe('incomplete');
    expect(f.handshakeEvidence).toBe('mid-flow');
    expect(f.kind).toBe('unknown');
    // On port 465 it is implicit TLS even without the hello.
    expect(follow(encrypted, { meta: { sawSyn: false, server: { ip: '198.51.100.25', port: 465 } } }).kind).toBe('implicit-tls');
  });
});

describe('SmtpFlow: STARTTLS without an answer', () => {
  it('closed after STARTTLS with no reply: no mail went; cut by the capture: incomplete', () => {
    const f = follow([BANNER, EHLO, EHLO_REPLY, STARTTLS]);
    expect(f.starttls).toEqual({ command: 'STARTTLS', reply: null });
    expect(f.verdict).toBe('no-mail');
    expect(follow([BANNER, EHLO, EHLO_REPLY, STARTTLS], { end: 'capture-end' }).verdict).toBe('incomplete');
    // MAIL sent in clear right behind the unanswered STARTTLS: what the server made of it is unknown.
    const piped = follow([BANNER, EHLO, EHLO_REPLY, c('STARTTLS\r\nMAIL FROM:<alice@example.org>\r\n')]);
    expect(piped.afterStarttls).toEqual([{ command: 'MAIL FROM:<alice@example.org>', reply: null }]);
    expect(piped.verdict).toBe('incomplete');
  });
});

describe('SmtpFlow: hostile bytes', () => {
  it('an enormous line is cut at 4 KiB and counted, and the dialogue goes on', () => {
    const huge = 'MAIL FROM:<' + 'a'.repeat(3_000_000) + '@example.org>\r\n';
    const f = follow([BANNER, EHLO, EHLO_REPLY, c(huge), s('500 5.5.2 Error: line too long\r\n'), c('QUIT\r\n'), s('221 Bye\r\n')]);
    expect(f.longLines).toBe(1);
    expect(f.exposed.mailFrom[0]!.length).toBe(320);
    expect(f.dialogue[3]!.text).toHaveLength(512);
    expect(f.dialogue.at(-2)).toMatchObject({ from: 'client', text: 'QUIT' });
    const cut = follow([BANNER, EHLO, EHLO_REPLY, c(huge), s('500 5.5.2 Error: line too long\r\n'), c('QUIT\r\n'), s('221 Bye\r\n')], { step: 65536 });
    expect(cut).toEqual(f);
    expect(MAX_LINE_BYTES).toBe(4096);
  });

  it('binary garbage from both sides: bounded facts, no exception', () => {
    let seed = 7;
    const random = (n: number) => Buffer.from(Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16) & 0xff));
    const turns: Turn[] = [];
    for (let i = 0; i < 200; i++) turns.push({ from: i % 2 ? 'client' : 'server', bytes: random(1 + (i * 37) % 3000) });
    const f = follow(turns);
    expect(f.dialogue.length).toBeLessThanOrEqual(MAX_DIALOGUE);
    const g = follow([BANNER, EHLO, EHLO_REPLY, ...turns]);
    expect(g.banner?.code).toBe(220);
  });

  it('a million commands: bounded lists, counted', () => {
    const many = Buffer.from('NOOP\r\n'.repeat(1_000_000));
    const answers = Buffer.from('250 2.0.0 Ok\r\n'.repeat(1_000_000));
    const f = follow([BANNER, EHLO, EHLO_REPLY, { from: 'client', bytes: many }, { from: 'server', bytes: answers }], { step: 65536 });
    expect(f.dialogue).toHaveLength(MAX_DIALOGUE);
    expect(f.dialogueNotListed).toBe(2 * 1_000_000 + 3 - MAX_DIALOGUE);
    expect(f.verdict).toBe('no-mail');
    // A million commands before any reply: the first thousand wait for theirs, the rest are said not matched.
    expect(f.problems).toEqual(['more than 1000 commands without a reply: the rest are not matched to replies']);
    // After STARTTLS in clear: the list is capped and the rest counted.
    const g = follow([...PRELUDE, { from: 'client', bytes: many }]);
    expect(g.afterStarttls).toHaveLength(50);
    expect(g.afterStarttlsNotListed).toBe(1_000_000 - 50);
    expect(g.verdict).toBe('cleartext-after-starttls');
  });

  it('a reply of a thousand lines: 100 kept, said, and its keywords capped', () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `250-X-KEYWORD-${i}\r\n`).join('');
    const f = follow([BANNER, EHLO, s(`250-mx.example.com\r\n${lines}250 STARTTLS\r\n`), c('QUIT\r\n'), s('221 Bye\r\n')]);
    expect(f.problems).toEqual(['a reply of more than 100 lines: the rest were not kept']);
    expect(f.ehloKeywords).toHaveLength(40);
    // STARTTLS was on a line beyond those kept.
    expect(f.starttlsOffered).toBe(false);
    expect(f.dialogue[2]!.text.length).toBeLessThanOrEqual(512);
  });

  it('garbage is no SMTP dialogue: kind unknown', () => {
    expect(follow([c('GET / HTTP/1.1\r\nHost: example.com\r\n\r\n')]).kind).toBe('unknown');
    expect(follow([]).kind).toBe('unknown');
    expect(follow([c('QUIT\r\n')]).kind).toBe('starttls');
  });

  it('addresses are capped (16 senders, 64 recipients) and the rest counted', () => {
    const rcpts = Array.from({ length: 70 }, (_, i) => `RCPT TO:<r${i}@example.com>\r\n`).join('');
    const mails = Array.from({ length: 20 }, (_, i) => `MAIL FROM:<s${i}@example.org>\r\n`).join('');
    const f = follow([BANNER, EHLO, EHLO_REPLY_NO_TLS, c(mails + rcpts)]);
    expect(f.exposed.mailFrom).toHaveLength(16);
    expect(f.exposed.rcptTo).toHaveLength(64);
    expect(f.exposed.rcptTo.at(-1)).toBe('r63@example.com');
    expect(f.exposed.notListed).toBe(4 + 6);
    expect(f.exposed.mailCommands).toBe(20);
  });

  it('control characters in replies and commands are shown as "?"', () => {
    const f = follow([s('220 mx.example.com \x1b[31mred\x07\r\n'), c('EHLO \x1b]0;x\x07\r\n'), s('250 ok\r\n')]);
    expect(f.banner?.text).toBe('mx.example.com ?[31mred?');
    expect(f.hello?.name).toBe('?]0;x?');
  });
});

describe('SmtpFlow: properties', () => {
  /** Feeds each turn cut at the given points (fractions of its length). */
  function followCut(turns: readonly Piece[], cuts: number[][]): PcapFlow {
    const flow = new SmtpFlow(meta());
    turns.forEach((turn, i) => {
      const points = [...new Set((cuts[i] ?? []).map((x) => Math.floor(x * turn.bytes.length)))].sort((a, b) => a - b);
      let at = 0;
      for (const p of [...points, turn.bytes.length]) {
        if (p > at) flow.data(turn.from, new Uint8Array(turn.bytes.subarray(at, p)), T0 + i);
        at = Math.max(at, p);
      }
    });
    flow.end('fin', T0 + 1000);
    return flow.facts();
  }

  it('however the bytes are cut, the facts are the same (a TLS 1.2 session after a clear dialogue)', async () => {
    const run = await runTls({ server: { key: cert.keyPem, cert: cert.certPem, maxVersion: 'TLSv1.2' }, client: { servername: 'mx.example.com' }, ...SMTP_IN_TLS });
    const turns = [BANNER, EHLO, EHLO_REPLY, STARTTLS, READY, ...run.pieces];
    const whole = followCut(turns, []);
    expect(whole.verdict).toBe('tls');
    fc.assert(
      fc.property(fc.array(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }), { maxLength: turns.length }), (cuts) => {
        expect(followCut(turns, cuts)).toEqual(whole);
      }),
      { numRuns: 150 },
    );
  });

  it('any bytes, any turns: no exception, facts within the schema', () => {
    const turn = fc.record({ from: fc.constantFrom<'client' | 'server'>('client', 'server'), bytes: fc.oneof(fc.uint8Array({ maxLength: 600 }), fc.constantFrom(...[BANNER, EHLO, EHLO_REPLY, STARTTLS, READY, ...DELIVERY].map((t) => new Uint8Array((t as Piece).bytes)))) });
    fc.assert(
      fc.property(fc.array(turn, { maxLength: 30 }), fc.boolean(), (turns, syn) => {
        const flow = new SmtpFlow(meta({ sawSyn: syn }));
        turns.forEach((t, i) => flow.data(t.from, t.bytes, T0 + i));
        flow.end('fin', T0 + 100);
        const f = flow.facts();
        expect([...Value.Errors(PcapFlowSchema, f)].map((e) => `${e.path} ${e.message}`)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('pcap schema', () => {
  it('names the capture layers\' problems exactly', () => {
    expectTypeOf<PcapCaptureProblem>().toEqualTypeOf<CaptureProblem>();
  });

  it('facts taken before the end say so', () => {
    const flow = new SmtpFlow(meta());
    flow.data('server', new Uint8Array(BANNER.bytes), T0 + 1);
    const f = flow.facts();
    expect(f.end).toBeNull();
    expect(f.ended).toBeNull();
    expect(f.verdict).toBe('incomplete');
    expect(Value.Check(PcapFlowSchema, f)).toBe(true);
  });
});
