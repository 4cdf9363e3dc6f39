// Interop, issue 16: what the real MTAs log about mxray's sessions, and how they refuse a sender
// without a client certificate.
//
// * Politeness: `mxray check` (main session, handshake without SNI, cleartext session) against
//   Postfix and Exim must leave no aborted-session line in their logs: no "lost connection after
//   STARTTLS" (Postfix: a session that ended without QUIT), no "TLS connection was non-properly
//   terminated" (Exim/GnuTLS: a TLS session that ended without close_notify). Every session ends
//   with QUIT (inside TLS after a handshake), its 221, close_notify, FIN.
// * Client certificates required (partner connectors): Postfix's smtpd_tls_req_ccert and Exim's
//   tls_verify_hosts must read as tls.client-cert-required, not as a broken server.
//
// Needs root (the packages, port 25); without it every case is skipped with the reason, and with
// MXRAY_INTEROP_REQUIRE=1 (CI) that is a failure.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostReport } from '../../src/core/schema.js';
import { InteropHarness, REPO, domainOf, type InteropConfig, type MxrayRun, interopPrerequisites } from './harness.js';
import type { MtaKind, StartMta } from './mta/types.js';
import { startPostfix } from './mta/postfix.js';

const REQUIRED = process.env.MXRAY_INTEROP_REQUIRE === '1';

async function prerequisites(): Promise<string | null> {
  const setup = await interopPrerequisites();
  if (setup !== null) return setup;
  for (const file of [join(REPO, 'bin/mxray.cjs'), join(REPO, 'dist/cli-bundle')]) if (!existsSync(file)) return `${file} is missing (npm run build)`;
  return null;
}

const skipAll = await prerequisites();
const launchers: Partial<Record<MtaKind, StartMta>> = { postfix: startPostfix };
if (skipAll === null) launchers.exim = (await import('./mta/exim.js')).startExim;

interface Row extends InteropConfig {
  /** The log file(s) under the instance's folder, and the lines that mark the start of a session. */
  polite?: boolean;
}

const ROWS: Row[] = [
  { name: 'pf-polite', title: 'Postfix 3.7: trusted chain, STARTTLS at may', mta: 'postfix', address: '127.0.1.31', port: 25, cert: 'good', polite: true },
  { name: 'exim-polite', title: 'Exim 4.96 (GnuTLS): trusted chain, STARTTLS', mta: 'exim', address: '127.0.2.31', port: 25, cert: 'good', polite: true },
  { name: 'pf-req-ccert', title: 'Postfix: smtpd_tls_req_ccert = yes (at encrypt)', mta: 'postfix', address: '127.0.1.32', port: 25, cert: 'good', requireClientCert: true },
  { name: 'exim-req-ccert', title: 'Exim: tls_verify_hosts = * (a client certificate required)', mta: 'exim', address: '127.0.2.32', port: 25, cert: 'good', requireClientCert: true },
];

/** The instance's log files (Postfix: one maillog; Exim: main and panic logs). */
function logFiles(harness: InteropHarness, row: Row): string[] {
  const dir = join(harness.dir, row.name);
  return row.mta === 'postfix' ? [join(dir, 'maillog')] : [join(dir, 'log', 'mainlog'), join(dir, 'log', 'paniclog')];
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
  } catch {
    return [];
  }
}

/** Lines of every log file, each file's as it is now (to tell what a run added). */
const snapshot = (files: string[]) => files.map((f) => readLines(f).length);

/** What the files gained since `before`. */
const added = (files: string[], before: number[]) => files.flatMap((f, i) => readLines(f).slice(before[i]));

/** A session's start and its end, as the MTA logs them. */
const SESSION = {
  postfix: { start: /postfix\/smtpd\[\d+\]: connect from /, end: /postfix\/smtpd\[\d+\]: disconnect from / },
  exim: { start: /SMTP connection from \[[\d.]+\] \(TCP\/IP connection count/, end: /SMTP connection from .* (closed by QUIT|lost|closed)/ },
} as const;

/** Waits (up to 10 s) until every session the run started has its end line in the log. */
async function loggedSessions(files: string[], before: number[], mta: 'postfix' | 'exim'): Promise<string[]> {
  const { start, end } = SESSION[mta];
  let lines: string[] = [];
  for (let i = 0; i < 100; i++) {
    lines = added(files, before);
    const starts = lines.filter((l) => start.test(l)).length;
    if (starts > 0 && lines.filter((l) => end.test(l)).length >= starts) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return lines;
}

/** Lines an MTA logs about a session that ended abruptly or wrongly. */
const ABORTED = [
  /lost connection after/,
  /non-properly terminated/,
  /unexpected disconnection/,
  /SMTP connection from .* lost/,
  /improper command pipelining/,
  /SSL_accept error/,
  /TLS library problem/,
  /TLS error on connection/,
  /did not issue/,
  /timeout after/,
];

const stripDate = (line: string) => line.replace(/^\w{3} +\d+ [\d:]+ \S+ /, '').replace(/^\d{4}-\d\d-\d\d [\d:]+ /, '');

if (skipAll !== null) {
  describe('interop: polite sessions and client certificates', () => {
    if (REQUIRED) it('prerequisites (MXRAY_INTEROP_REQUIRE=1)', () => expect.fail(`interop cannot run: ${skipAll}`));
    else it.skip(`SKIPPED: ${skipAll}`, () => undefined);
  });
} else {
  describe('interop: polite sessions and client certificates', () => {
    let harness: InteropHarness;
    const runs = new Map<string, { run: MxrayRun; log: string[] }>();

    beforeAll(async () => {
      harness = await InteropHarness.create(Date.now());
      await harness.startAll(ROWS, launchers, 4);
      await harness.startDns(ROWS);
      for (const row of ROWS) {
        const failure = harness.failures.get(row.name);
        if (failure) throw new Error(`${row.name}: ${failure.error}`);
        const files = logFiles(harness, row);
        // The launcher's own readiness check has been logged before we start.
        await loggedSessions(files, files.map(() => 0), row.mta as 'postfix' | 'exim');
        const before = snapshot(files);
        const run = await harness.runMxrayOn(domainOf(row));
        runs.set(row.name, { run, log: await loggedSessions(files, before, row.mta as 'postfix' | 'exim') });
      }
    }, 300_000);

    afterAll(async () => {
      const out = [...runs.entries()].map(([name, { run, log }]) => {
        const host = run.report?.body.hosts[0];
        return `${name}: exit ${run.code}, ${run.report?.findings.map((f) => f.id).join(', ')}${host ? ` (tls ${host.tls?.ok ? host.tls.protocol : host.tls?.error}, status ${host.status})` : ''}\n  ${log.map(stripDate).join('\n  ')}`;
      });
      console.log(`\ninterop (polite sessions, client certificates): what the MTAs logged about mxray's sessions\n\n${out.join('\n\n')}\n`);
      await harness?.stop();
    }, 120_000);

    const result = (name: string) => {
      const r = runs.get(name);
      if (!r?.run.report) throw new Error(`${name}: ${r?.run.error ?? 'did not run'}`);
      return { ...r, report: r.run.report, host: r.run.report.body.hosts[0] as HostReport };
    };

    it('Postfix: main session, handshake without SNI and cleartext session each end with QUIT; no "lost connection after STARTTLS"', () => {
      const { log, host, report } = result('pf-polite');
      expect(host.tls?.ok).toBe(true);
      expect(host.noSni?.status).toBe('ok');
      expect(host.cleartext?.status).toBe('ok');
      expect(report.verdict).toBe('pass');
      const aborted = log.filter((l) => ABORTED.some((p) => p.test(l)));
      expect(aborted, log.join('\n')).toEqual([]);
      // Exactly our three sessions, each with the commands it sent, QUIT among them.
      const ends = log.filter((l) => SESSION.postfix.end.test(l)).map((l) => l.replace(/^.*disconnect from \S+ /, ''));
      expect(ends, log.join('\n')).toEqual(['ehlo=2 starttls=1 quit=1 commands=4', 'ehlo=1 starttls=1 quit=1 commands=3', 'ehlo=1 mail=1 rcpt=1 rset=1 quit=1 commands=5']);
    });

    it('Exim: every session closed by QUIT; no "TLS connection was non-properly terminated"', () => {
      const { log, host, report } = result('exim-polite');
      expect(host.tls?.ok).toBe(true);
      expect(host.noSni?.status).toBe('ok');
      expect(host.cleartext?.status).toBe('ok');
      expect(report.verdict).toBe('pass');
      const aborted = log.filter((l) => ABORTED.some((p) => p.test(l)));
      expect(aborted, log.join('\n')).toEqual([]);
      expect(log.filter((l) => SESSION.exim.start.test(l)), log.join('\n')).toHaveLength(3);
      expect(log.filter((l) => /closed by QUIT/.test(l)), log.join('\n')).toHaveLength(3);
    });

    it('Postfix smtpd_tls_req_ccert: tls.client-cert-required (the handshake works, then 421 … No client certificate presented), not a broken server', () => {
      const { host, report, log } = result('pf-req-ccert');
      const ids = report.findings.map((f) => f.id);
      expect(ids, log.join('\n')).toContain('tls.client-cert-required');
      for (const wrong of ['tls.server-aborted', 'tls.handshake-failed', 'smtp.rate-limited', 'tls.ok', 'smtp.protocol-error']) expect(ids).not.toContain(wrong);
      expect(host.tls?.ok).toBe(true);
      expect(host.ehloTlsReply?.code).toBe(421);
      expect(host.ehloTlsReply?.lines.join(' ')).toMatch(/No client certificate presented/);
      expect(log.some((l) => /No client certificate presented/.test(l)), log.join('\n')).toBe(true);
      expect(report.verdict).toBe('fail');
    });

    it('Exim tls_verify_hosts: tls.client-cert-required (TLS 1.3: the alert after the handshake), not a broken server', () => {
      const { host, report, log } = result('exim-req-ccert');
      const ids = report.findings.map((f) => f.id);
      expect(ids, `${JSON.stringify(host.tls && { ...host.tls, peerChain: undefined })}\n${log.join('\n')}`).toContain('tls.client-cert-required');
      for (const wrong of ['tls.server-aborted', 'tls.handshake-failed', 'smtp.rate-limited', 'tls.ok', 'smtp.protocol-error']) expect(ids).not.toContain(wrong);
      expect(report.verdict).toBe('fail');
    });
  });
}
