// A hostile review of `mxray logs` and `mxray pcap` (issue 24): each test below is one defect the
// review found (forged verdicts through addresses in log lines, memory without bound, a crash on a
// time stamp), fixed since; it fails again if the defect comes back.
import { describe, expect, it } from 'vitest';
import type { LogSession, ParserSink } from '../../../src/jobs/logs/model.js';
import { eximModule } from '../../../src/jobs/logs/exim.js';
import { sendmailModule } from '../../../src/jobs/logs/sendmail.js';
import { postfixModule } from '../../../src/jobs/logs/postfix.js';
import { sessionVerdict } from '../../../src/checks/logs/session-verdict.js';
import { runPcap } from '../../../src/jobs/pcap/run-pcap.js';
import { CaptureReader } from '../../../src/jobs/pcap/capture.js';
import { TcpFlows } from '../../../src/jobs/pcap/tcp-flows.js';
import type { TcpSegment } from '../../../src/jobs/pcap/model.js';
import { pcapDocument } from '../../../src/render/pcap.js';
import type { Clock } from '../../../src/core/context.js';
import { ProblemLog, concatBytes, conversationRecords, tcpConversation, writePcapng, LINK_TYPE_OF, type Turn } from '../../helpers/pcap-writer.js';

type S = Omit<LogSession, 'file'>;

function parse(module: typeof eximModule, ...lines: string[]): S[] {
  const out: S[] = [];
  const sink: ParserSink = { session: (s) => out.push(structuredClone(s)), note: () => undefined };
  const p = module.create(sink, { year: 2026, offsetMinutes: 0 });
  lines.forEach((l, i) => p.line(l, i + 1));
  p.end();
  return out;
}

describe('log fields forged by the remote party (its MAIL FROM address)', () => {
  // Guarded (found by review): a quoted local part with spaces in the sender ("… X=… CV=yes …"@evil) is split by eximFields, which starts after the
  // first space of "<= sender" and keeps the first X=/CV= it meets: a session in clear text is reported as verified TLS 1.3.
  it('exim: a sender address cannot turn a clear arrival (P=esmtp, no X=) into a verified TLS session', () => {
    const [s] = parse(eximModule, '2026-11-30 03:41:00 1tXyZb-000AbC-Q2 <= "x CV=yes X=TLS1.3:TLS_AES_256_GCM_SHA384:256 y"@evil.example H=(laptop) [203.0.113.9]:50000 I=[192.0.2.5]:25 P=esmtp S=900');
    expect(s!.remoteIp).toBe('203.0.113.9');
    expect(sessionVerdict(s!)).toBe('clear');
  });

  // Guarded (found by review): same cause (eximFields, first key wins) with P=: a sender '"x P=esmtps y"@evil' makes the clear arrival "encrypted".
  it('exim: a sender address cannot supply the P= that says TLS', () => {
    const [s] = parse(eximModule, '2026-11-30 03:41:00 1tXyZc-000AbC-Q3 <= "x P=esmtps y"@evil.example H=(laptop) [203.0.113.9]:50000 I=[192.0.2.5]:25 P=esmtp S=900');
    expect(sessionVerdict(s!)).toBe('clear');
  });

  // Guarded (found by review): PostfixParser.delivery ends the address at its first '>' and takes the first " relay=" after it, so a quoted
  // recipient '"a> relay=x[203.0.113.66]:25, b"@victim.example' moves the delivery off its verified TLS connection: it is
  // reported as a clear-text session to a made-up host, and the TLS session as carrying nothing.
  it('postfix: a recipient address cannot name the relay of its delivery', () => {
    const sessions = parse(
      postfixModule,
      'Nov 30 03:40:13 mx postfix/smtp[4242]: Verified TLS connection established to mx.victim.example[198.51.100.1]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)',
      'Nov 30 03:40:14 mx postfix/smtp[4242]: 4AB12CD34E: to=<"a> relay=x[203.0.113.66]:25, b"@victim.example>, relay=mx.victim.example[198.51.100.1]:25, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok)',
    );
    expect(sessions.map((x) => [x.remoteIp, x.messages, sessionVerdict(x)])).toEqual([['198.51.100.1', 1, 'verified']]);
  });

  // Guarded (found by review): sendmailFields takes the first "proto=" even inside from=<…>; a sender '"x, proto=ESMTPS, y"@evil' makes a
  // clear (proto=ESMTP) arrival "encrypted" (SendmailParser.from reads proto= from that map).
  it('sendmail: a from= address cannot supply the proto= that says TLS', () => {
    const sessions = parse(
      sendmailModule,
      'Nov 30 03:40:13 mx sm-mta[4242]: 4AU3eDxq004242: from=<"x, proto=ESMTPS, y"@evil.example>, size=900, class=0, nrcpts=1, msgid=<1@evil.example>, proto=ESMTP, daemon=MTA-v4, relay=laptop.evil.example [203.0.113.9]',
    );
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.remoteIp).toBe('203.0.113.9');
    expect(sessionVerdict(sessions[0]!)).toBe('clear');
  });
});

const clock: Clock = { now: () => Date.UTC(2026, 10, 30), monotonic: () => 0 } as unknown as Clock;
const c = (text: string): Turn => ({ from: 'client', data: text });
const s = (text: string): Turn => ({ from: 'server', data: text });
const CLEAR: Turn[] = [s('220 mx.example.com ESMTP\r\n'), c('EHLO a.example.org\r\n'), s('250 mx.example.com\r\n'), c('QUIT\r\n'), s('221 bye\r\n')];

describe('pcap: hostile captures', () => {
  // Guarded (found by review): a pcapng if_tsresol of 0 (seconds) lets a 64-bit timestamp reach ~1.8e22 ms; CaptureReader passes it on unchecked and
  // render/pcap.ts calls new Date(ts).toISOString() → RangeError; `mxray pcap` exits 4 "internal error: Invalid time value".
  it('a timestamp beyond what a Date holds is a capture problem, not a crash of the text report', async () => {
    const segments = tcpConversation({ client: { ip: '192.0.2.10', port: 41000 }, server: { ip: '198.51.100.25', port: 25 }, turns: CLEAR, startTs: Date.UTC(2026, 10, 30, 9) });
    const packets = conversationRecords(segments).map((p) => ({ ...p, ts: p.ts * 1e4 }));
    const file = writePcapng([{ interfaces: [{ linkType: LINK_TYPE_OF.ethernet, tsresol: 0 }], packets }]);
    const report = await runPcap({ name: 'far-future.pcapng', chunks: [file], clock });
    expect(() => pcapDocument(report)).not.toThrow();
  });

  // Guarded (found by review): TcpFlows caps held out-of-order bytes per direction (256 KiB) and flows (10,000) but has no budget across flows:
  // 10,000 flows × 2 directions × 256 KiB ≈ 5 GiB held (plus SmtpFlow's 64 KiB certificate buffer per flow) — not constant memory.
  it('out-of-order bytes held across all flows stay under a global budget (here: 64 MiB after 300 flows)', () => {
    const flows = new TcpFlows({ onFlow: () => ({ data() {}, gap() {}, end() {} }), problems: new ProblemLog(), ports: new Set([25]) });
    const payload = new Uint8Array(1400);
    const dst = { ip: '198.51.100.25', port: 25 };
    const seg = (src: { ip: string; port: number }, seq: number, syn: boolean): TcpSegment => ({ ts: 1, ipVersion: 4, src, dst, seq, ack: syn ? 0 : 1, syn, ackFlag: !syn, fin: false, rst: false, payload: syn ? new Uint8Array(0) : payload, missing: 0 });
    for (let f = 0; f < 300; f++) {
      const src = { ip: '192.0.2.10', port: 10_000 + f };
      flows.segment(seg(src, 100, true));
      // one byte never arrives (seq 101): everything after it is held
      for (let k = 0; k < 180; k++) flows.segment(seg(src, 102 + k * 1400, false));
    }
    expect(flows.bufferedBytes).toBeLessThanOrEqual(64 * 1024 * 1024);
  });

  // Guarded (found by review): CaptureReader.readBlock pushes every Interface Description Block into `interfaces` with no cap: 20 bytes of file per
  // object, so a pcapng of nothing but IDBs grows the heap with the file's size (1 GB of IDBs ≈ 50 M objects) until Node dies.
  it('a pcapng of endless interface descriptions does not grow memory without bound', () => {
    const reader = new CaptureReader(() => undefined, new ProblemLog());
    const one = writePcapng([{ interfaces: [{ linkType: LINK_TYPE_OF.ethernet }], packets: [] }]);
    const idb = one.subarray(28); // the section header block is 28 bytes; the rest is one IDB of 20
    reader.push(one);
    reader.push(concatBytes(Array.from({ length: 100_000 }, () => idb)));
    reader.end();
    expect((reader as unknown as { interfaces: unknown[] }).interfaces.length).toBeLessThanOrEqual(65_536);
  });
});
