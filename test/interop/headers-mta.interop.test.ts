// Interop for `mxray headers` (issue 22): the Received lines real MTAs write. The Debian Postfix
// and Exim of the interop harness, in the lab of test/interop/headers-lab.ts (127.0.22.x, a
// temporary folder), relay one message per case over STARTTLS or in clear text — Postfix to
// Postfix with smtpd_tls_received_header = yes and = no, a Postfix client at level none, a Postfix
// server without STARTTLS, Postfix to an Exim border MX (TLS and clear) and on to Postfix, and a
// chain Postfix → Exim relay (TLS) → Postfix (clear) — and the last Postfix delivers it into a
// maildir. Each delivered header is read back: parseReceived must give every hop's from, by,
// with, protocol, TLS version, cipher and software, checked against what the same MTAs logged
// about the same message (the queue id of the hop, the TLS session of that connection); and
// runHeaders (--domain example.org) must find `headers.cleartext-hop` exactly where a hop between
// organisations went in clear text, naming that hop. Each server writes its client's public
// (documentation) address, told to it through the PROXY protocol or Exim's -oMa: see the lab.
//
// Needs root (the packages, port 25, private mount namespaces); without it every case is skipped
// with the reason, and with MXRAY_INTEROP_REQUIRE=1 (CI) that is a failure.
// MXRAY_HEADERS_LAB_DUMP=<folder> keeps the delivered messages and the logs there for a look by hand.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/clock.js';
import { fieldsNamed, readHeaderBlock } from '../../src/jobs/headers/read-header.js';
import { normaliseTlsVersion, parseReceived, type ReceivedHop } from '../../src/jobs/headers/received.js';
import { runHeaders } from '../../src/jobs/headers/run-headers.js';
import { interopPrerequisites } from './harness.js';
import {
  CASE_IDS,
  PUBLIC,
  RECEIVING_DOMAIN,
  eximReceptions,
  hostName,
  postfixReceptions,
  recipient,
  startHeadersLab,
  type CaseId,
  type HeadersLab,
  type HostKey,
} from './headers-lab.js';

const REQUIRED = process.env.MXRAY_INTEROP_REQUIRE === '1';
const skipAll = await interopPrerequisites(['test/interop/setup.sh', 'test/interop/setup-exim-opensmtpd.sh']);

/** How a server recorded the session: Postfix's "using" comment or Exim's version and tls clause; ESMTPS alone; clear text. */
type Recorded = 'details' | 'flag' | 'clear';
interface SmtpHop {
  by: HostKey;
  from: HostKey;
  writer: 'postfix' | 'exim';
  tls: Recorded;
  /**
   * Where the hop sits for the receiving organisation (example.org): its border MX's line, a line
   * inside it, or a line below the border (a claim). Every hop but an internal one crosses
   * between organisations.
   */
  zone: 'border' | 'internal' | 'claimed';
}

/**
 * The SMTP hops of each delivered message, oldest first (below them all: the sender's own pickup
 * line, "by mail.example.net (Postfix, from userid 0)"). Written from the lab's design, never read
 * back from the code under test.
 */
const EXPECTED: Record<CaseId, SmtpHop[]> = {
  'tls-header': [{ by: 'mx1', from: 'sender', writer: 'postfix', tls: 'details', zone: 'border' }],
  'tls-no-header': [{ by: 'mx2', from: 'sender', writer: 'postfix', tls: 'flag', zone: 'border' }],
  'clear-client': [{ by: 'mx2', from: 'sender', writer: 'postfix', tls: 'clear', zone: 'border' }],
  'clear-server': [{ by: 'mx3', from: 'sender', writer: 'postfix', tls: 'clear', zone: 'border' }],
  'exim-tls': [
    { by: 'eximBorder', from: 'sender', writer: 'exim', tls: 'details', zone: 'border' },
    { by: 'mailstore', from: 'eximBorder', writer: 'postfix', tls: 'details', zone: 'internal' },
  ],
  'exim-clear': [
    { by: 'eximBorder', from: 'sender', writer: 'exim', tls: 'clear', zone: 'border' },
    { by: 'mailstore', from: 'eximBorder', writer: 'postfix', tls: 'details', zone: 'internal' },
  ],
  chain: [
    { by: 'eximRelay', from: 'sender', writer: 'exim', tls: 'details', zone: 'claimed' },
    { by: 'mx1', from: 'eximRelay', writer: 'postfix', tls: 'clear', zone: 'border' },
  ],
};

/** What each kind of line must say in its own words (the raw field, before any parser). */
const WORDING: Record<SmtpHop['writer'], Record<Recorded, { has: RegExp[]; hasNot: RegExp[] }>> = {
  postfix: {
    details: { has: [/\(using TLSv1\.3 with cipher \S+ \(\d+\/\d+ bits\)/, / with ESMTPS id /], hasNot: [] },
    flag: { has: [/ with ESMTPS id /], hasNot: [/using TLS/] },
    clear: { has: [/ with ESMTP id /], hasNot: [/using TLS/, /ESMTPS/] },
  },
  exim: {
    details: { has: [/ with esmtps +\(TLS1\.3\) tls TLS_[A-Z0-9_]+\s/, /\(Exim \d+\.\d+\)/], hasNot: [] },
    flag: { has: [], hasNot: [] }, // Exim always records the version and cipher with TLS
    clear: { has: [/ with esmtp \(Exim \d+\.\d+\)/], hasNot: [/esmtps/, /TLS/] },
  },
};

interface Delivered {
  text: string;
  /** The Received fields' raw text and parsed hop, oldest first. */
  received: Array<{ raw: string; hop: ReceivedHop }>;
}

/** The client address the hop's server wrote: the client's public one (Postfix behind the PROXY relay, Exim in inetd mode with -oMa). */
const clientAddress = (e: SmtpHop): string => PUBLIC[e.from];

/**
 * runHeaders's verdict on each message (with --domain example.org): every message's own pickup line
 * sits below the border and is a claim (headers.unverified-hops, as many as the hops below the
 * border); a clear hop between organisations is headers.cleartext-hop, and otherwise every such hop
 * is protected.
 */
const VERDICT: Record<CaseId, { findings: string[]; tls: 'protected' | 'cleartext'; weakest: string | null; belowBorder: number }> = {
  'tls-header': { findings: ['headers.all-protected', 'headers.unverified-hops'], tls: 'protected', weakest: 'TLS 1.3', belowBorder: 1 },
  'tls-no-header': { findings: ['headers.all-protected', 'headers.unverified-hops'], tls: 'protected', weakest: null, belowBorder: 1 },
  'clear-client': { findings: ['headers.cleartext-hop', 'headers.unverified-hops'], tls: 'cleartext', weakest: null, belowBorder: 1 },
  'clear-server': { findings: ['headers.cleartext-hop', 'headers.unverified-hops'], tls: 'cleartext', weakest: null, belowBorder: 1 },
  'exim-tls': { findings: ['headers.all-protected', 'headers.unverified-hops'], tls: 'protected', weakest: 'TLS 1.3', belowBorder: 1 },
  'exim-clear': { findings: ['headers.cleartext-hop', 'headers.unverified-hops'], tls: 'cleartext', weakest: null, belowBorder: 1 },
  chain: { findings: ['headers.cleartext-hop', 'headers.unverified-hops'], tls: 'cleartext', weakest: 'TLS 1.3', belowBorder: 2 },
};
const SOFTWARE = { postfix: 'Postfix', exim: 'Exim' } as const;

if (skipAll !== null) {
  describe('interop: mxray headers on Received lines real Postfix and Exim wrote', () => {
    if (REQUIRED) it('prerequisites (MXRAY_INTEROP_REQUIRE=1)', () => expect.fail(`interop cannot run: ${skipAll}`));
    else it.skip(`SKIPPED: ${skipAll}`, () => undefined);
  });
} else {
  describe('interop: mxray headers on Received lines real Postfix and Exim wrote', () => {
    let dir: string | undefined;
    let lab: HeadersLab | undefined;
    const delivered = new Map<CaseId, Promise<Delivered>>();

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'mxray-headers-lab-'));
      await chmod(dir, 0o755);
      lab = await startHeadersLab(dir);
      for (const c of CASE_IDS) await lab.send(c);
    }, 120_000);

    afterAll(async () => {
      try {
        const out = process.env.MXRAY_HEADERS_LAB_DUMP;
        if (out && lab) {
          await mkdir(out, { recursive: true });
          for (const [c, d] of delivered) await writeFile(join(out, `${c}.eml`), (await d.catch(() => ({ text: '' }))).text);
          await writeFile(join(out, 'postfix.log'), lab.postfixLog());
          await writeFile(join(out, 'exim-border.log'), lab.eximBorderLog());
          await writeFile(join(out, 'exim-relay.log'), lab.eximRelayLog());
        }
      } finally {
        await lab?.stop();
        if (dir) await rm(dir, { recursive: true, force: true });
      }
    }, 60_000);

    /** The delivered message of a case, its Received fields read once (the reading runs in the first test that asks). */
    function message(c: CaseId): Promise<Delivered> {
      let d = delivered.get(c);
      if (d === undefined) {
        d = lab!.delivered(c).then((text) => {
          const fields = fieldsNamed(readHeaderBlock(text), 'received').reverse();
          return { text, received: fields.map((f) => ({ raw: f.raw, hop: parseReceived(f.value) })) };
        });
        d.catch(() => undefined);
        delivered.set(c, d);
      }
      return d;
    }

    /** The parsed hop this lab's design expects, with the TLS facts the writing MTA logged for that very message. */
    function expectedHop(c: CaseId, e: SmtpHop, got: ReceivedHop): ReceivedHop {
      const common = {
        from: { helo: hostName(e.from), reverse: null, ip: clientAddress(e) },
        by: hostName(e.by),
        via: null,
        id: got.id,
        for: recipient(c),
        date: got.date,
        software: e.writer,
        notes: [],
      };
      if (e.writer === 'postfix') {
        // The listener's own log (syslog_name postfix/<listener>): the queue id in the line is one
        // it received a message under, and the TLS session of that connection.
        const sessions = postfixReceptions(lab!.postfixLog(), `postfix/${e.by}`);
        expect([...sessions.keys()], `${c}: queue id ${got.id} in the log of ${hostName(e.by)}`).toContain(got.id);
        const logged = sessions.get(got.id ?? '') ?? null;
        if (e.tls === 'clear') expect(logged, `${c}: ${hostName(e.by)} logged no TLS for ${got.id}`).toBeNull();
        else expect(logged?.version, `${c}: ${hostName(e.by)} logged TLS 1.3 for ${got.id}`).toBe('TLSv1.3');
        return {
          ...common,
          with: e.tls === 'clear' ? 'ESMTP' : 'ESMTPS',
          protocol: { tls: e.tls !== 'clear', auth: false, lmtp: false, utf8: false },
          tls:
            e.tls === 'details' && logged !== null
              ? { version: 'TLS 1.3', cipher: logged.cipher, bits: logged.bits, verified: 'No client certificate requested', source: 'postfix' }
              : null,
        };
      }
      const log = e.by === 'eximBorder' ? lab!.eximBorderLog() : lab!.eximRelayLog();
      const arrivals = eximReceptions(log);
      expect([...arrivals.keys()], `${c}: message id ${got.id} in the mainlog of ${hostName(e.by)}`).toContain(got.id);
      const logged = arrivals.get(got.id ?? '')!;
      expect(logged.protocol, `${c}: P= of ${got.id}`).toBe(e.tls === 'clear' ? 'esmtp' : 'esmtps');
      if (e.tls === 'clear') expect(logged.tls, `${c}: no X= for ${got.id}`).toBeNull();
      else expect(logged.tls?.version, `${c}: X= of ${got.id}`).toBe('TLS1.3');
      // Exim logs GnuTLS's description (ECDHE_X25519__RSA_PSS_RSAE_SHA256__AES_256_GCM) and writes
      // the standard name in the header: the bulk cipher is the same in both.
      const bulk = logged.tls?.cipher.split('__').at(-1) ?? '';
      return {
        ...common,
        with: e.tls === 'clear' ? 'esmtp' : 'esmtps',
        protocol: { tls: e.tls !== 'clear', auth: false, lmtp: false, utf8: false },
        tls:
          e.tls === 'clear'
            ? null
            : { version: 'TLS 1.3', cipher: expect.stringMatching(new RegExp(`^TLS_[A-Z0-9_]*${bulk}_SHA(256|384)$`)) as unknown as string, bits: null, verified: null, source: 'version+tls-clause' },
      };
    }

    describe('parseReceived on each delivered header', () => {
      for (const c of CASE_IDS) {
        const hops = EXPECTED[c];
        const path = hops.map((h) => `${h.writer} ${hostName(h.by)} (${h.tls === 'clear' ? 'clear' : 'TLS'})`).join(' → ');
        it(`${c}: ${path}`, async () => {
          const d = await message(c);
          expect(d.received.length, `${c}: the Received fields of\n${d.text}`).toBe(hops.length + 1);
          // The sender's own line: a local submission to Postfix (pickup), no SMTP.
          const [pickup, ...smtp] = d.received;
          expect(pickup!.hop).toEqual({ ...pickup!.hop, from: null, by: hostName('sender'), via: null, with: null, protocol: null, for: null, tls: null, software: 'postfix', notes: [] });
          smtp.forEach(({ raw, hop }, i) => {
            const e = hops[i]!;
            const wording = WORDING[e.writer][e.tls];
            for (const re of wording.has) expect(raw, `${c} hop ${i + 1}`).toMatch(re);
            for (const re of wording.hasNot) expect(raw, `${c} hop ${i + 1}`).not.toMatch(re);
            expect(hop, `${c} hop ${i + 1}: ${raw}`).toEqual(expectedHop(c, e, hop));
            expect(hop.id, `${c} hop ${i + 1}: a queue id`).toMatch(e.writer === 'postfix' ? /^[0-9A-F]{8,12}$/ : /^[0-9A-Za-z]{6}-[0-9A-Za-z]{4,6}-[0-9A-Za-z]{2,4}$/);
            expect(hop.date?.note, `${c} hop ${i + 1}: the date`).toBeNull();
            expect(typeof hop.date?.epochMs, `${c} hop ${i + 1}: the date`).toBe('number');
          });
        });
      }

      it('every hop with TLS details went at TLS 1.3, read the same from the header as from the log', async () => {
        // Both logs' spellings ("TLSv1.3" from Postfix, "TLS1.3" from Exim) name the version the headers give.
        expect([normaliseTlsVersion('TLSv1.3'), normaliseTlsVersion('TLS1.3')]).toEqual(['TLS 1.3', 'TLS 1.3']);
        const versions: string[] = [];
        for (const c of CASE_IDS) {
          const d = await message(c);
          d.received.slice(1).forEach(({ hop }, i) => {
            const e = EXPECTED[c][i]!;
            if (e.tls === 'details') versions.push(`${c} ${hostName(e.by)}: ${hop.tls?.version ?? 'none'}`);
          });
        }
        expect(versions).toEqual([
          'tls-header mx1.example.org: TLS 1.3',
          'exim-tls mx-exim.example.org: TLS 1.3',
          'exim-tls mailstore.example.org: TLS 1.3',
          'exim-clear mailstore.example.org: TLS 1.3',
          'chain relay.example.com: TLS 1.3',
        ]);
      });
    });

    describe('runHeaders: headers.cleartext-hop exactly where a hop between organisations went in clear text', () => {
      for (const c of CASE_IDS) {
        const hops = EXPECTED[c];
        const clear = hops.map((h, i) => ({ h, index: i + 2 })).filter((x) => x.h.tls === 'clear');
        const title = clear.length === 0 ? 'protected, no cleartext-hop' : `cleartext-hop naming hop ${clear.map((x) => `${x.index} (by ${hostName(x.h.by)})`).join(', ')}`;
        it(`${c}: ${title}`, async () => {
          const d = await message(c);
          // The receiving organisation's own border MX has a public address without a reverse name (the lab's
          // PROXY addresses have none): its administrator names it, as a sender cannot (--internal).
          const report = await runHeaders({ inputs: [{ name: `${c}.eml`, text: d.text }], domains: [RECEIVING_DOMAIN], internal: [PUBLIC.eximBorder], clock: fixedClock(Date.UTC(2026, 0, 1)) });
          const v = VERDICT[c];
          expect(report.findings.map((f) => f.id).sort()).toEqual(v.findings);
          expect(report.body.messages.length).toBe(1);
          const m = report.body.messages[0]!;
          // Oldest first: the pickup line (hop 1), then the SMTP hops.
          const table = m.hops.map((h) => ({ index: h.index, fromHelo: h.fromHelo, fromIp: h.fromIp, by: h.by, with: h.with, tls: h.tls, tlsVersion: h.tlsVersion, cipher: h.cipher, zone: h.zone, crossing: h.crossing }));
          expect(table).toEqual([
            { index: 1, fromHelo: null, fromIp: null, by: hostName('sender'), with: null, tls: 'unknown', tlsVersion: null, cipher: null, zone: 'claimed', crossing: false },
            ...hops.map((e, i) => ({
              index: i + 2,
              fromHelo: hostName(e.from),
              fromIp: clientAddress(e),
              by: hostName(e.by),
              with: e.writer === 'postfix' ? (e.tls === 'clear' ? 'ESMTP' : 'ESMTPS') : e.tls === 'clear' ? 'esmtp' : 'esmtps',
              tls: e.tls === 'clear' ? 'clear' : 'tls',
              tlsVersion: e.tls === 'details' ? 'TLS 1.3' : null,
              // The cipher as parseReceived read it, which the test above holds against the MTA's own log.
              cipher: e.tls === 'details' ? (d.received[i + 1]!.hop.tls?.cipher ?? 'none read') : null,
              zone: e.zone,
              crossing: e.zone !== 'internal',
            })),
          ]);
          expect(m.tls.verdict).toBe(v.tls);
          expect(m.tls.weakestVersion).toBe(v.weakest);
          expect(m.tls.cleartextHops).toBe(clear.length);
          const border = hops.findIndex((e) => e.zone === 'border') + 2;
          expect(m.border).toEqual({ hop: border, ip: clientAddress(hops[border - 2]!), from: hostName(hops[border - 2]!.from), by: hostName(hops[border - 2]!.by) });
          const unverified = report.findings.find((f) => f.id === 'headers.unverified-hops');
          expect(unverified?.facts.lines).toBe(v.belowBorder === 1 ? 'The Received line below' : `The ${v.belowBorder} Received lines below`);
          const finding = report.findings.find((f) => f.id === 'headers.cleartext-hop');
          if (clear.length === 0) expect(finding).toBeUndefined();
          else {
            // The finding names the clear hop: its number, both ends and the software that wrote it.
            const x = clear[0]!;
            expect(finding?.facts).toMatchObject({
              hop: String(x.index),
              from: `${hostName(x.h.from)} [${clientAddress(x.h)}]`,
              by: hostName(x.h.by),
              with: x.h.writer === 'postfix' ? 'ESMTP' : 'esmtp',
              software: SOFTWARE[x.h.writer],
              byDomain: RECEIVING_DOMAIN,
            });
          }
        });
      }
    });
  });
}
