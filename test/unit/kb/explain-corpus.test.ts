// The real mail logs of other projects (../shared/corpus/logs, or $MXRAY_CORPUS/logs), read in place
// and never copied into the repository: every TLS error line in them is recognised by the rule for
// what it is, and the confirming command names the host (or, for a peer without a name, the
// address) the line names. A TLS error line this test has no expectation for fails it, so a new
// corpus file cannot slip through unexplained.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { explainLine } from '../../../src/kb/explain-text.js';
import { skipWithout } from '../../helpers/skip.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CORPUS = join(process.env.MXRAY_CORPUS ?? resolve(ROOT, '../shared/corpus'), 'logs');

/** Log lines of every file: plain logs line by line, the grok tests' YAML by their `data:` values. */
function logLines(dir: string): { file: string; line: string }[] {
  const out: { file: string; line: string }[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      out.push(...logLines(path).map((l) => ({ ...l, file: `${name}/${l.file}` })));
      continue;
    }
    for (const raw of readFileSync(path, 'utf8').split(/\r?\n/)) {
      if (name.endsWith('.yaml')) {
        const m = /^data: "(.*)"$/.exec(raw) ?? /^data: (.*)$/.exec(raw);
        if (m) out.push({ file: name, line: (m[1] as string).replace(/\\"/g, '"') });
      } else if (!raw.startsWith('#') && raw.trim()) out.push({ file: name, line: raw });
    }
  }
  return out;
}

/** A line about TLS that says something went wrong (or was not protected as asked). */
const TLS_WORDS = /SSL_|TLS|STARTTLS|certificate/i;
const TROUBLE = /error|fail|untrusted|not (?:trusted|verified|offered)|nocertmatch|no MAIL in SMTP connection|did not issue MAIL/i;

/**
 * What each kind of TLS error line is, and what the command must name: the named group `host` or
 * `ip` of `at` — the server that was tested (a client-side line) or this server's own address (a
 * server-side line that logs it) — or `self`: a server-side line that names only the client, whose
 * command tests this server and leaves its name to the reader, never naming the client.
 */
const EXPECTED: { at: RegExp; rule: string | null; reason?: string; self?: true }[] = [
  // Not a TLS error: TLS worked and the certificate verified (X=TLS… CV=yes); the failure is the message's. No TLS rule may claim it.
  { at: /X=TLS[^ ]{1,80} CV=yes .*SMTP error from remote mail server/, rule: null },
  { at: /SSL_accept error from (?<client>[^[\s]+)\[(?<clientip>[^\]]+)\]/, rule: 'postfix.ssl-accept-error', self: true },
  // Postfix 3.11's TLS features: a delivery that fell back below its level; the command tests the recipient's domain.
  { at: /to=<[^@>]{1,64}@(?<host>[^>]+)>.*, tls=[a-z-]{1,12}[?]?(?:\/!requiretls)?:[a-z]/, rule: 'postfix.tls-feature-downgrade' },
  { at: /SSL_connect error to (?<host>[^[\s]+)\[/, rule: 'postfix.ssl-connect-error' },
  { at: /certificate verification failed for (?<host>[^[\s]+)\[.*self-signed certificate/, rule: 'postfix.certificate-verification-failed', reason: 'openssl.self-signed' },
  { at: /Untrusted TLS connection established to (?<host>[^[\s]+)\[/, rule: 'postfix.untrusted-tls' },
  { at: /no MAIL in SMTP connection from \S+ \[.* I=\[(?<ip>[^\]]+)\].*C=EHLO,STARTTLS/, rule: 'exim.no-mail-after-starttls' },
  { at: /(?<client>\S+) \[(?<clientip>[0-9.]+)\].*did not issue MAIL\/EXPN\/VRFY\/ETRN during connection to TLSMTA/, rule: 'sendmail.no-mail-command', self: true },
];

describe('TLS error lines of the corpus logs', () => {
  it('each is recognised for what it is, the confirming command naming its host or address', (ctx) => {
    let lines: { file: string; line: string }[];
    try {
      lines = logLines(CORPUS);
    } catch {
      return skipWithout(ctx, 'corpus', `no log corpus at ${CORPUS} (set MXRAY_CORPUS to its parent folder)`);
    }
    const errors = lines.filter((l) => TLS_WORDS.test(l.line) && TROUBLE.test(l.line));
    expect(errors.length).toBeGreaterThan(5);
    for (const { file, line } of errors) {
      const expected = EXPECTED.find((e) => e.at.test(line));
      expect(expected, `a TLS error line this test does not know (${file}): add what it is to EXPECTED`).toBeDefined();
      const e = explainLine(line);
      if (expected?.rule === null) {
        expect(e.matches.map((m) => m.rule.id), `${file}: ${line}`).toEqual([]);
        continue;
      }
      const ids = e.matches.map((m) => m.rule.id);
      expect(ids, `${file}: ${line}`).toContain(expected?.rule);
      if (expected?.reason) expect(ids, `${file}: ${line}`).toContain(expected.reason);
      const groups = expected?.at.exec(line)?.groups ?? {};
      const main = e.matches.find((m) => m.rule.id === expected?.rule);
      const words = main?.confirm.split(' ') ?? [];
      if (expected?.self) {
        expect(main?.confirm, `${file}: ${line}`).toMatch(/^mxray check <your MX host>/);
        for (const client of [groups.client, groups.clientip]) expect(words, `${file}: ${line}`).not.toContain(client);
      } else expect(words, `${file}: ${line}`).toContain(groups.host ?? groups.ip);
    }
  });
});
