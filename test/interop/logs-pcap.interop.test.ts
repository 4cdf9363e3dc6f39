// Interop for `mxray pcap` and `mxray logs` on real data: the sessions of test/interop/logs-lab.ts
// (Debian's Postfix and Exim sending to Postfix and Exim on loopback: STARTTLS with TLS 1.3 and 1.2,
// a failed handshake and the retry in clear, no STARTTLS, STARTTLS refused, clear text after
// STARTTLS; Postfix at TLS log level 1 and 0), each captured with tcpdump while the MTAs wrote their
// own logs. Per case:
//   - the capture is complete and shows what the case is about (tshark, tshark-oracle.ts);
//   - `mxray pcap FILE --json`: per flow, the endpoints, TLS version, cipher suite, SNI, STARTTLS
//     answer, alerts and clear-text commands equal tshark's, and the verdict is the case's (the
//     failed handshake paired with its retry in clear, the exposed envelope the one the test sent);
//   - `mxray logs FILE --json` on the case's lines of each MTA log: per session the verdict the
//     case must give, Postfix's level 0 against level 1 (counters / nothing against the handshake
//     line, the same answer), and Exim's X= / CV= against the capture.
//
// Needs root (the packages, port 25, private mount namespaces, tcpdump); without it every case is
// skipped with the reason, and with MXRAY_INTEROP_REQUIRE=1 (CI) that is a failure. The CLI is run
// built (bin/mxray.cjs → dist/): run `npm run build` first. A command the build does not have yet
// fails its tests with that message (it is never skipped).
// MXRAY_LOGS_LAB_KEEP=<folder>: every capture and log slice of the run is copied there (for the README).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, interopPrerequisites } from './harness.js';
import { CASE_IDS, TCPDUMP, startLogsLab, type CaseId, type CaseRun, type LogsLab } from './logs-lab.js';
import { TSHARK, tsharkStreams, type OracleStream } from './tshark-oracle.js';

const REQUIRED = process.env.MXRAY_INTEROP_REQUIRE === '1';
const BIN = join(REPO, 'bin/mxray.cjs');

async function prerequisites(): Promise<string | null> {
  const setup = await interopPrerequisites(['test/interop/setup.sh', 'test/interop/setup-exim-opensmtpd.sh']);
  if (setup !== null) return setup;
  for (const tool of [TCPDUMP, TSHARK]) if (!existsSync(tool)) return `${tool} is missing after test/interop/setup.sh`;
  return null;
}
const skipAll = await prerequisites();

// ── what the tests read of mxray's Reports ─────────────────────────────────────────────────────
// The fields of src/core/pcap-schema.ts (PcapFlow) and src/core/logs-schema.ts (LogSession, with
// the judged `verdict` the logs runner adds) that these tests compare, written out here so that
// a renamed field fails to compile here rather than pass unread.

interface Endpoint {
  ip: string;
  port: number;
}
interface PcapFlowView {
  id: number;
  client: Endpoint;
  server: Endpoint;
  start: number;
  sawSyn: boolean;
  gaps: { client: number; server: number };
  starttlsOffered: boolean | null;
  starttls: { command: string; reply: { code: number; text: string } | null } | null;
  tls: {
    clientHello: { legacyVersion: string; supportedVersions: string[]; sni: string | null } | null;
    serverHello: { version: string; cipher: string } | null;
    certificate: { subject: string; dnsNames: string[] } | null;
    alerts: Array<{ from: 'client' | 'server'; level: string | null; description: string | null }>;
  } | null;
  handshakeResult: 'established' | 'failed' | 'incomplete' | 'not-attempted';
  handshakeEvidence: string | null;
  afterStarttls: Array<{ command: string; reply: { code: number } | null }>;
  exposed: { mailFrom: string[]; rcptTo: string[]; mailCommands: number; data: boolean };
  verdict: string;
  retryOf: number | null;
  retriedBy: number | null;
}
interface LogSessionView {
  format: string;
  key: string;
  direction: 'inbound' | 'outbound' | null;
  start: number | null;
  remoteIp: string | null;
  tls: {
    attempted: boolean | null;
    accepted: boolean | null;
    negotiated: boolean | null;
    protocol: string | null;
    cipher: string | null;
    verify: string | null;
    peer: string | null;
    failure: string | null;
    clearRetry: boolean;
  };
  evidence: 'handshake' | 'counters' | 'dialogue' | 'none';
  status: string | null;
  verdict: 'verified' | 'encrypted' | 'failed' | 'failed-then-clear' | 'clear' | 'unknown';
}
interface ReportView<B> {
  kind: string;
  body: B;
}

interface CliRun<B> {
  report: ReportView<B> | null;
  /** Why there is no Report (the command missing from this build, a crash …). */
  error: string | null;
}

/** `node bin/mxray.cjs …args --json`: the Report it printed, or why there is none. */
function mxrayJson<B>(args: string[]): Promise<CliRun<B>> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args, '--json'],
      { cwd: REPO, env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
        try {
          resolve({ report: JSON.parse(stdout) as ReportView<B>, error: null });
        } catch {
          resolve({ report: null, error: `\`mxray ${args.join(' ')} --json\` printed no JSON Report (exit ${code}) — is the command in this build (npm run build)? stderr: ${stderr.slice(0, 1500)} stdout: ${stdout.slice(0, 500)}` });
        }
      },
    );
    child.stdin?.end();
  });
}

/** The Report's body, or a failure that says why there is none (never a silent skip). */
function bodyOf<B>(run: CliRun<B> | undefined, kind: string): B {
  if (run === undefined) return expect.fail('the command was not run (the lab did not start)');
  if (run.report === null) return expect.fail(run.error ?? 'no Report');
  expect(run.report.kind).toBe(kind);
  return run.report.body;
}

// ── comparing names ────────────────────────────────────────────────────────────────────────────

/** "0x00a7": how mxray writes a suite it has no name for. */
const hex = (code: number): string => `0x${code.toString(16).padStart(4, '0')}`;

/**
 * The bulk cipher of a suite from any naming — IANA's (TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384),
 * OpenSSL's (ECDHE-RSA-AES256-GCM-SHA384, ADH-…), GnuTLS's as Exim logs it
 * (ECDHE_SECP256R1__RSA_PSS_RSAE_SHA256__AES_256_GCM) — and whether it is anonymous: what a log's
 * cipher and the capture's suite can both be held to.
 */
function cipherEssence(name: string): { bulk: string; anonymous: boolean } {
  const n = name.toUpperCase().replace(/-/g, '_');
  const aes = /AES_?(128|256)/.exec(n);
  const alg = aes ? `AES${aes[1]}` : /CHACHA20/.test(n) ? 'CHACHA20' : /3DES|DES_CBC3/.test(n) ? '3DES' : /RC4/.test(n) ? 'RC4' : /CAMELLIA_?(128|256)/.test(n) ? 'CAMELLIA' : '?';
  const mode = /GCM/.test(n) ? 'GCM' : /CCM/.test(n) ? 'CCM' : /POLY1305/.test(n) ? 'POLY1305' : alg === 'CHACHA20' ? 'POLY1305' : 'CBC';
  return { bulk: `${alg}-${mode}`, anonymous: /ANON|^ADH|^AECDH/.test(n) };
}

/** tshark's alert name ("Protocol Version") as the RFC writes it ("protocol_version"). */
const rfcAlert = (name: string): string => name.toLowerCase().replace(/ /g, '_');

// ── the run ────────────────────────────────────────────────────────────────────────────────────

interface CaseData {
  run: CaseRun;
  oracle: OracleStream[];
  pcap: CliRun<{ flows: PcapFlowView[] }>;
  /** One `mxray logs` per log file of the case. */
  logs: Partial<Record<keyof CaseRun['logs'], CliRun<{ sessions: LogSessionView[] }>>>;
}

const TITLE = 'interop: mxray pcap and mxray logs on real Postfix and Exim sessions (tshark as the oracle)';

if (skipAll !== null) {
  describe(TITLE, () => {
    if (REQUIRED) it('prerequisites (MXRAY_INTEROP_REQUIRE=1)', () => expect.fail(`interop cannot run: ${skipAll}`));
    else it.skip(`SKIPPED: ${skipAll}`, () => undefined);
  });
} else {
  describe(TITLE, () => {
    let dir: string;
    let lab: LogsLab | null = null;
    let labError: unknown = null;
    const data = new Map<CaseId, CaseData>();

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'mxray-logs-lab-'));
      await chmod(dir, 0o755);
      try {
        lab = await startLogsLab(dir);
        for (const id of CASE_IDS) {
          const run = await lab.run(id);
          const oracle = await tsharkStreams(run.pcap, [run.server.port]);
          const pcap = await mxrayJson<{ flows: PcapFlowView[] }>(['pcap', run.pcap, ...(run.server.port === 25 ? [] : ['--port', String(run.server.port)])]);
          const logs: CaseData['logs'] = {};
          for (const [role, file] of Object.entries(run.logs) as Array<[keyof CaseRun['logs'], string]>) logs[role] = await mxrayJson(['logs', '--include-local', file]); // the lab is on loopback
          data.set(id, { run, oracle, pcap, logs });
        }
        const keep = process.env.MXRAY_LOGS_LAB_KEEP;
        if (keep) await lab.keep(keep);
      } catch (err) {
        // Every test then fails with this (the lab is what they are about).
        labError = err;
      }
    }, 300_000);

    afterAll(async () => {
      try {
        await lab?.stop();
      } finally {
        if (process.env.MXRAY_INTEROP_KEEP === '1') console.log(`logs lab: kept ${dir}`);
        else await rm(dir, { recursive: true, force: true });
      }
    }, 60_000);

    const get = (id: CaseId): CaseData => {
      if (labError !== null) throw labError instanceof Error ? labError : new Error(String(labError));
      const d = data.get(id);
      if (d === undefined) throw new Error(`logs lab: case ${id} did not run`);
      return d;
    };
    /** The flow of mxray's Report for tshark's stream (same client address and port). */
    const flowFor = (flows: PcapFlowView[], s: OracleStream): PcapFlowView => {
      const f = flows.find((x) => x.client.ip === s.client.ip && x.client.port === s.client.port);
      if (f === undefined) return expect.fail(`mxray pcap has no flow from ${s.client.ip}:${s.client.port} (tshark's stream ${s.stream}); its flows: ${JSON.stringify(flows.map((x) => x.client))}`);
      return f;
    };
    const context = (d: CaseData): string => `${d.run.id} (${d.run.spec.title}); capture ${d.run.pcap}`;

    describe('the lab: every capture is complete and shows its case (tshark)', () => {
      it.each(CASE_IDS)('%s', (id) => {
        const d = get(id);
        const spec = d.run.spec;
        const why = context(d);
        expect(d.run.capture.dropped, `${why}: tcpdump: ${d.run.capture.stderr}`).toBe(0);
        expect(d.oracle.length, why).toBe(spec.connections);
        for (const s of d.oracle) {
          expect(s.sawSyn, why).toBe(true);
          expect(s.lostSegments, why).toBe(0);
          expect(s.client.ip, why).toBe(d.run.client);
          expect(s.server, why).toEqual({ ip: d.run.server.ip, port: d.run.server.port });
          expect(s.replies[0], `${why}: the greeting`).toBe(220);
        }
        const last = d.oracle[d.oracle.length - 1] as OracleStream;
        switch (spec.outcome) {
          case 'tls':
            expect(last.starttls, why).toEqual({ sent: true, reply: 220 });
            expect(last.serverHello?.version, why).toBe(spec.protocol);
            expect(last.clientHello?.sni ?? null, why).toBe(spec.sni);
            // TLS 1.2 with a certificate: it crossed in clear, issued to the receiver's name.
            if (spec.protocol === 'TLSv1.2' && !/anon/i.test(last.serverHello?.cipher.name ?? '')) expect(last.certificateDnsNames[0], why).toBe(d.run.server.name);
            break;
          case 'failed-then-clear':
            for (const s of d.oracle.slice(0, -1)) {
              expect(s.starttls, why).toEqual({ sent: true, reply: 220 });
              expect(s.serverHello, why).toBeNull();
              expect(s.alerts.map((a) => [a.from, a.name]), why).toEqual([['server', 'Protocol Version']]);
            }
            expect(last.starttls.sent, why).toBe(false);
            break;
          case 'not-offered':
            expect(last.starttls.sent, why).toBe(false);
            break;
          case 'refused':
            expect(last.starttls, why).toEqual({ sent: true, reply: 454 });
            break;
          case 'clear-after-starttls':
            expect(last.starttls, why).toEqual({ sent: true, reply: 220 });
            expect(last.clearAfterStarttls, why).toEqual(['MAIL', 'RCPT']);
            expect({ from: last.mailFrom, to: last.rcptTo }, why).toEqual({ from: d.run.envelope.from, to: [d.run.envelope.to] });
            break;
        }
      });
    });

    describe('mxray pcap agrees with tshark, flow by flow', () => {
      it.each(CASE_IDS)('%s', (id) => {
        const d = get(id);
        const { flows } = bodyOf(d.pcap, 'pcap');
        const why = context(d);
        expect(flows.length, why).toBe(d.oracle.length);
        for (const s of d.oracle) {
          const f = flowFor(flows, s);
          const at = `${why}, stream ${s.stream}`;
          expect({ client: f.client, server: f.server, sawSyn: f.sawSyn }, at).toEqual({ client: s.client, server: s.server, sawSyn: true });
          expect(f.gaps, at).toEqual({ client: 0, server: 0 });
          // STARTTLS and its answer.
          expect(f.starttls !== null, at).toBe(s.starttls.sent);
          if (s.starttls.sent) expect(f.starttls?.reply?.code ?? null, at).toBe(s.starttls.reply);
          // The handshake as the record layer showed it.
          expect(f.tls?.clientHello?.sni ?? null, at).toBe(s.clientHello?.sni ?? null);
          if (s.clientHello !== null) expect(f.tls?.clientHello?.supportedVersions, at).toEqual(s.clientHello.versions);
          else expect(f.tls?.clientHello ?? null, at).toBeNull();
          if (s.serverHello !== null) {
            expect(f.tls?.serverHello?.version, at).toBe(s.serverHello.version);
            // mxray names the suites it knows as IANA does (tshark's names), others as hex.
            expect([s.serverHello.cipher.name, hex(s.serverHello.cipher.code)], at).toContain(f.tls?.serverHello?.cipher);
          } else {
            expect(f.tls?.serverHello ?? null, at).toBeNull();
          }
          // The leaf's names when the certificate went in clear (TLS ≤ 1.2 with a certificate).
          if (s.certificateDnsNames.length > 0) expect(f.tls?.certificate?.dnsNames, at).toEqual([s.certificateDnsNames[0]]);
          else expect(f.tls?.certificate ?? null, at).toBeNull();
          const clearAlerts = (f.tls?.alerts ?? []).filter((a) => a.description !== null).map((a) => [a.from, a.description]);
          expect(clearAlerts, at).toEqual(s.alerts.map((a) => [a.from, a.name === null ? String(a.code) : rfcAlert(a.name)]));
          // Commands in clear after STARTTLS, and the envelope in clear. tshark does not read
          // Exim's pipelined MAIL/RCPT/BDAT (unreadClientFrames): there, what it read must be in mxray's.
          // tshark reads nothing after DATA as commands (QUIT after the message is data to it): both lists end at DATA.
          const upToData = (verbs: string[]): string[] => (verbs.includes('DATA') ? verbs.slice(0, verbs.indexOf('DATA') + 1) : verbs);
          const after = f.afterStarttls.map((c) => c.command.split(' ')[0]?.toUpperCase() ?? '');
          if (s.unreadClientFrames === 0) {
            expect(upToData(after), at).toEqual(upToData(s.clearAfterStarttls));
            expect({ mailFrom: f.exposed.mailFrom, rcptTo: f.exposed.rcptTo }, at).toEqual({ mailFrom: s.mailFrom === null ? [] : [s.mailFrom], rcptTo: s.rcptTo });
            expect(f.exposed.mailCommands, at).toBe(s.commands.filter((c) => c === 'MAIL').length);
          } else {
            expect(after, at).toEqual(expect.arrayContaining(s.clearAfterStarttls));
          }
        }
      });
    });

    describe("mxray pcap's verdicts are the cases'", () => {
      it.each(CASE_IDS)('%s', (id) => {
        const d = get(id);
        const { flows } = bodyOf(d.pcap, 'pcap');
        const spec = d.run.spec;
        const why = context(d);
        const ordered = [...flows].sort((a, b) => a.start - b.start || a.id - b.id);
        const last = ordered[ordered.length - 1];
        if (last === undefined) return expect.fail(`${why}: no flows`);
        const sent = { mailFrom: [d.run.envelope.from], rcptTo: [d.run.envelope.to] };
        const exposed = (f: PcapFlowView) => ({ mailFrom: f.exposed.mailFrom, rcptTo: f.exposed.rcptTo });
        switch (spec.outcome) {
          case 'tls':
            expect(ordered.map((f) => [f.verdict, f.handshakeResult]), why).toEqual([['tls', 'established']]);
            expect(last.exposed.mailCommands, why).toBe(0);
            break;
          case 'failed-then-clear': {
            const failed = ordered.slice(0, -1);
            expect(failed.map((f) => [f.verdict, f.handshakeResult, f.handshakeEvidence]), why).toEqual(failed.map(() => ['handshake-failed', 'failed', 'alert']));
            for (const f of failed) expect(f.exposed.mailCommands, why).toBe(0);
            // The retry in clear: STARTTLS offered, not asked for, the envelope on the wire, and
            // paired with the failure just before it.
            expect(last.verdict, why).toBe('not-attempted');
            expect(last.starttlsOffered, why).toBe(true);
            expect(exposed(last), why).toEqual(sent);
            const previous = failed[failed.length - 1] as PcapFlowView;
            expect({ retryOf: last.retryOf, retriedBy: previous.retriedBy }, why).toEqual({ retryOf: previous.id, retriedBy: last.id });
            break;
          }
          case 'not-offered':
            expect(ordered.map((f) => f.verdict), why).toEqual(['starttls-not-offered']);
            expect(last.starttlsOffered, why).toBe(false);
            expect(exposed(last), why).toEqual(sent);
            break;
          case 'refused':
            expect(ordered.map((f) => f.verdict), why).toEqual(['starttls-refused']);
            expect(last.starttls?.reply?.code, why).toBe(454);
            // Both MTAs go on in clear on the same connection after a 454.
            expect(exposed(last), why).toEqual(sent);
            expect({ retryOf: last.retryOf, retriedBy: last.retriedBy }, why).toEqual({ retryOf: null, retriedBy: null });
            break;
          case 'clear-after-starttls':
            expect(ordered.map((f) => f.verdict), why).toEqual(['cleartext-after-starttls']);
            expect(last.tls?.clientHello ?? null, why).toBeNull();
            expect(last.afterStarttls.map((c) => c.command), why).toEqual([`MAIL FROM:<${d.run.envelope.from}>`, `RCPT TO:<${d.run.envelope.to}>`]);
            expect(exposed(last), why).toEqual(sent);
            break;
        }
      });
    });

    // ── mxray logs ───────────────────────────────────────────────────────────────────────────────

    /** The sessions of the case's log files: the sender's (to the receiver) and the receiver's (from the case's source), by start. */
    const sessionsOf = (d: CaseData): { outbound: LogSessionView[]; inbound: LogSessionView[] } => {
      const all: LogSessionView[] = [];
      for (const run of Object.values(d.logs)) all.push(...bodyOf(run, 'logs').sessions);
      const byStart = (a: LogSessionView, b: LogSessionView) => (a.start ?? 0) - (b.start ?? 0);
      return {
        outbound: all.filter((s) => s.direction === 'outbound' && s.remoteIp === d.run.server.ip).sort(byStart),
        inbound: all.filter((s) => s.direction === 'inbound' && s.remoteIp === d.run.client).sort(byStart),
      };
    };
    const verdicts = (list: LogSessionView[]) => list.map((s) => s.verdict);

    describe('mxray logs: each session of the MTAs logs is judged as the capture shows it', () => {
      it.each(CASE_IDS)('%s', (id) => {
        const d = get(id);
        const spec = d.run.spec;
        const { outbound, inbound } = sessionsOf(d);
        const why = `${context(d)}; logs ${Object.values(d.run.logs).join(', ')}`;
        const quiet = spec.logLevel === 0;
        const tlsStream = d.oracle[d.oracle.length - 1]?.serverHello ?? null;
        // The sender's view (none for the raw client).
        if (spec.sender !== 'raw') {
          expect(outbound.length, `${why}: sessions of the sender`).toBeGreaterThan(0);
          const lastOut = outbound[outbound.length - 1] as LogSessionView;
          switch (spec.outcome) {
            case 'tls':
              if (quiet) {
                // Postfix's smtp(8) at smtp_tls_loglevel 0 writes no TLS line: the log cannot tell.
                expect(verdicts(outbound), why).toEqual(['unknown']);
                expect(lastOut.evidence, why).toBe('none');
              } else {
                expect(verdicts(outbound), why).toEqual(['encrypted']);
                expect(lastOut.evidence, why).toBe('handshake');
                expect(lastOut.tls.protocol, why).toBe(tlsStream?.version);
                if (tlsStream !== null && lastOut.tls.cipher !== null) expect(cipherEssence(lastOut.tls.cipher), why).toEqual(cipherEssence(tlsStream.cipher.name ?? ''));
              }
              break;
            case 'failed-then-clear':
              // Postfix writes its handshake failure and "Cannot start TLS" at every log level; Exim its "delivering unencrypted".
              expect(lastOut.verdict, why).toBe('failed-then-clear');
              expect(lastOut.tls.clearRetry, why).toBe(true);
              expect(lastOut.status, why).toBe('sent');
              expect(verdicts(outbound).filter((v) => v === 'encrypted' || v === 'verified'), why).toEqual([]);
              break;
            case 'not-offered':
              expect(verdicts(outbound).every((v) => v === 'clear' || v === 'unknown'), `${why}: ${JSON.stringify(verdicts(outbound))}`).toBe(true);
              if (spec.sender === 'exim') expect(verdicts(outbound), why).toEqual(['clear']); // no X= on a delivery: no TLS
              break;
            case 'refused':
              expect(verdicts(outbound).filter((v) => v === 'encrypted' || v === 'verified'), why).toEqual([]);
              expect(lastOut.status, why).toBe('sent');
              break;
          }
        }
        // The receiver's view.
        expect(inbound.length, `${why}: sessions of the receiver`).toBe(spec.connections);
        const lastIn = inbound[inbound.length - 1] as LogSessionView;
        switch (spec.outcome) {
          case 'tls':
            expect(verdicts(inbound), why).toEqual(['encrypted']);
            expect(lastIn.tls.negotiated, why).toBe(true);
            if (quiet) {
              // smtpd at smtpd_tls_loglevel 0: only its disconnect counters (starttls=1) tell.
              expect(lastIn.evidence, why).toBe('counters');
              expect(lastIn.tls.protocol, why).toBeNull();
            } else {
              expect(lastIn.evidence, why).toBe('handshake');
              expect(lastIn.tls.protocol, why).toBe(tlsStream?.version);
              if (tlsStream !== null && lastIn.tls.cipher !== null) expect(cipherEssence(lastIn.tls.cipher), why).toEqual(cipherEssence(tlsStream.cipher.name ?? ''));
            }
            break;
          case 'failed-then-clear':
            // The failed handshakes (starttls=0/1), then one in clear from the same client: the last
            // failure before it is the one that fell back (logs/retry.ts pairs them), the earlier ones stay failures.
            expect(verdicts(inbound), why).toEqual([...inbound.slice(0, -2).map(() => 'failed'), 'failed-then-clear', 'clear']);
            for (const s of inbound.slice(0, -1)) expect({ attempted: s.tls.attempted, negotiated: s.tls.negotiated }, why).toEqual({ attempted: true, negotiated: false });
            break;
          case 'not-offered':
            expect(verdicts(inbound), why).toEqual(['clear']);
            expect(lastIn.tls.attempted, why).toBe(false);
            break;
          case 'refused':
            // STARTTLS asked for, refused (454), and the mail taken in clear on the same connection.
            expect(verdicts(inbound), why).toEqual(['failed-then-clear']);
            expect({ attempted: lastIn.tls.attempted, negotiated: lastIn.tls.negotiated }, why).toEqual({ attempted: true, negotiated: false });
            break;
          case 'clear-after-starttls':
            // smtpd reads the clear-text MAIL FROM as a broken handshake and hangs up: a failure, no mail.
            expect(verdicts(inbound), why).toEqual(['failed']);
            expect({ attempted: lastIn.tls.attempted, negotiated: lastIn.tls.negotiated }, why).toEqual({ attempted: true, negotiated: false });
            break;
        }
      });
    });

    describe('mxray logs: Postfix at TLS log level 0 and 1 give the same answer', () => {
      it('a TLS 1.3 session: the handshake line at 1; the disconnect counters (receiver) and nothing (sender) at 0', () => {
        const loud = sessionsOf(get('pf-tls13'));
        const quiet = sessionsOf(get('pf-tls13-quiet'));
        expect([loud.inbound.map((s) => s.evidence), quiet.inbound.map((s) => s.evidence)]).toEqual([['handshake'], ['counters']]);
        expect([verdicts(loud.inbound), verdicts(quiet.inbound)]).toEqual([['encrypted'], ['encrypted']]);
        expect([loud.inbound.map((s) => s.tls.negotiated), quiet.inbound.map((s) => s.tls.negotiated)]).toEqual([[true], [true]]);
        // smtp(8) at level 0 says nothing of TLS: the log cannot tell, and mxray says so.
        expect([loud.outbound.map((s) => s.evidence), quiet.outbound.map((s) => s.evidence)]).toEqual([['handshake'], ['none']]);
        expect([verdicts(loud.outbound), verdicts(quiet.outbound)]).toEqual([['encrypted'], ['unknown']]);
      });
      it('a failed handshake and the retry in clear: Postfix logs its TLS errors at every level, so both read alike', () => {
        const loud = sessionsOf(get('pf-fail-retry'));
        const quiet = sessionsOf(get('pf-fail-retry-quiet'));
        for (const side of ['inbound', 'outbound'] as const) {
          expect(verdicts(quiet[side]), side).toEqual(verdicts(loud[side]));
          expect(quiet[side].map((s) => s.evidence), side).toEqual(loud[side].map((s) => s.evidence));
          expect(quiet[side].map((s) => s.tls.negotiated), side).toEqual(loud[side].map((s) => s.tls.negotiated));
        }
        // The receiver's connection in clear is known from its counters alone (no starttls=).
        expect(loud.inbound[loud.inbound.length - 1]?.evidence).toBe('counters');
      });
    });

    describe("mxray logs: Exim's X= and CV= are the capture's", () => {
      it.each(['ex-tls13', 'ex-tls12', 'pf-to-exim'] as const)('%s', (id) => {
        const d = get(id);
        const why = context(d);
        const { outbound, inbound } = sessionsOf(d);
        const stream = d.oracle[0];
        const server = stream?.serverHello;
        if (server === undefined || server === null) return expect.fail(`${why}: tshark saw no ServerHello`);
        // The Exim side: the sender's delivery (=> … X=) or the receiver's reception (<= … X=).
        const exim = (d.run.spec.sender === 'exim' ? outbound : inbound).filter((s) => s.format === 'exim');
        expect(exim.length, why).toBe(1);
        const s = exim[0] as LogSessionView;
        expect(s.evidence, why).toBe('handshake');
        expect(s.tls.negotiated, why).toBe(true);
        expect(s.tls.protocol, why).toBe(server.version);
        expect(s.tls.cipher, why).not.toBeNull();
        expect(cipherEssence(s.tls.cipher ?? ''), why).toEqual(cipherEssence(server.cipher.name ?? ''));
        // CV=no (the sender does not verify; Postfix sends no client certificate): encrypted, untrusted.
        expect(s.tls.verify, why).toBe('untrusted');
        expect(s.verdict, why).toBe('encrypted');
        // The sender's DN= (+tls_peerdn) names the certificate the receiver sent.
        if (d.run.spec.sender === 'exim') expect(s.tls.peer, why).toContain(`CN=${d.run.server.name}`);
      });
    });
  });
}
