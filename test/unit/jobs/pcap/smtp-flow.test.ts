// SmtpFlow on the bytes a capture of an SMTP connection would hold: the dialogue in clear written
// here in the words real servers use, and the TLS bytes made at test time by node:tls (and by
// `openssl s_client` where Node cannot refuse a certificate during the handshake), held against
// what Node itself reports of the handshake.
import { Value } from '@sinclair/typebox/value';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { PcapFlowSchema, type PcapCaptureProblem, type PcapFlow } from '../../../../src/core/pcap-schema.js';
import { createRootCa, type IssuedCert } from '../../../../src/demo/test-pki.js';
import type { CaptureProblem, FlowMeta } from '../../../../src/jobs/pcap/model.js';
import { MAX_DIALOGUE, MAX_LINE_BYTES, SmtpFlow } from '../../../../src/jobs/pcap/smtp-flow.js';
import { opensslMissing, refusingClient, runTls, type Piece, type TlsRun } from '../../../helpers/tls-bytes.js';
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
      expect(f.exposed).toEqual({ mailFrom: [], rcptTo: [], notListed: 0, mailCommands: 0, data: false, dataBytes: 0 });
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

describe('SmtpFlow: implicit TLS', () => {
  it('on port 465, TLS from the first byte', async () => {
    const run = await runTls({ server: { key: cert.keyPem, cert: cert.certPem }, client: { servername: 'smtp.example.com' }, clientSays: '', serverSays: '' });
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
    // The client closing right after the handshake, with nothing said inside: not established by 1.3's rule.
    expect(run.client?.protocol).toBe('TLSv1.3');
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

  it('a capture that begins mid-dialogue: a reply without its command is no banner, and absence decides nothing', () => {
    const f = follow([s('250 2.1.5 Ok\r\n'), c('DATA\r\n'), s('354 go ahead\r\n'), c('x\r\n.\r\n'), s('250 queued\r\n'), c('QUIT\r\n')], { meta: { sawSyn: false } });
    expect(f.banner).toBeNull();
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
  });
});

describe('SmtpFlow: hostile bytes', () => {
  it('an enormous line is cut at 4 KiB and counted, and the dialogue goes on', () => {
    const huge = 'MAIL FROM:<' + 'a'.repeat(3_000_000) + '@example.org>\r\n';
    const f = follow([BANNER, EHLO, EHLO_REPLY, c(huge), s('500 5.5.2 Error: line too long\r\n'), c('QUIT\r\n'), s('221 Bye\r\n')]);
    expect(f.longLines).toBe(1);
    expect(f.exposed.mailFrom[0]!.length).toBeLessThanOrEqual(320);
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
    // After STARTTLS in clear: the list is capped and the rest counted.
    const g = follow([...PRELUDE, { from: 'client', bytes: many }]);
    expect(g.afterStarttls).toHaveLength(50);
    expect(g.afterStarttlsNotListed).toBe(1_000_000 - 50);
    expect(g.verdict).toBe('cleartext-after-starttls');
  });

  it('control characters in replies and commands are shown as "?"', () => {
    const f = follow([s('220 mx.example.com \x1b[31mred\x07\r\n'), c('EHLO \x1b]0;x\x07\r\n'), s('250 ok\r\n')]);
    expect(f.banner?.text).toBe('mx.example.com ?[31mred?');
    expect(f.hello?.name).toBe('?]0;x?');
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

// Keep the TlsRun type in use for readers of this file: the helper's result.
export type { TlsRun };
