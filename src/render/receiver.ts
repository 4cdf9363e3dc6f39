// The receiver test's report as a Document: the summary row per MX address, the findings, and the
// details per address (what was measured, what the checks made of it).
import type { CertInfo, Finding, HostReport, LegacyCause, NotProbed, ReceiverReport } from '../core/schema.js';
import { OWN_CAP_REASONS } from '../core/status.js';
import { SEVERITY_RANK, sortFindings } from '../kb/index.js';
import { formatReply } from '../smtp/reply.js';
import { countLine, findingView, line, transcriptText, type Cell, type Document, type DocumentOptions, type Line } from './document.js';
import { dnsblDetails, dnsblLine, postureDetails, postureLine } from './posture.js';
import { daneDetails, daneLine } from './dane.js';
import { safe } from './style.js';

export const SUMMARY_HEADER = ['MX host', 'Pref', 'Address', 'STARTTLS', 'TLS', 'Cert', 'Name', 'Verdict'];

/** "TLSv1.3" → "1.3"; anything else as it came. */
function shortProtocol(p: string | null | undefined): string {
  return p ? p.replace(/^TLSv/, '') : '?';
}

/** A cipher suite as people scan it: "AES256-GCM", "CHACHA20", "NULL" (the full name is in the details). */
export function shortCipher(name: string | null | undefined): string {
  if (!name) return '';
  const n = name.toUpperCase();
  if (n.includes('NULL')) return 'NULL';
  if (n.includes('CHACHA20')) return 'CHACHA20';
  const aes = /AES[_-]?(\d{3})[_-](GCM|CCM|CBC)?/.exec(n);
  if (aes) return `AES${aes[1]}-${aes[2] ?? 'CBC'}`;
  if (n.includes('3DES') || n.includes('DES-CBC3')) return '3DES';
  if (n.includes('RC4')) return 'RC4';
  if (n.includes('CAMELLIA')) return 'CAMELLIA';
  return name.length > 20 ? `${name.slice(0, 19)}…` : name;
}

/**
 * The worst state of the certificate, in one word: what "trusted" alone hides. Weak keys and
 * signatures come from the host's findings (they depend on the judging profile).
 */
export function certState(h: Pick<HostReport, 'assessment' | 'findings'>): string {
  const cert = h.assessment.certificate;
  if (!cert) return '-';
  const has = (id: string) => h.findings.some((f) => f.id === id);
  if (has('cert.revoked')) return 'revoked';
  if (!cert.timeValid) return cert.daysLeft < 0 ? 'expired' : 'not yet valid';
  if (cert.trustFailure === 'bad-signature' || cert.trustFailure === 'chain-invalid') return 'bad chain';
  if (cert.trustFailure === 'chain-too-long') return 'too long';
  if (cert.trustFailure === 'self-signed') return 'self-signed';
  if (cert.trustFailure === 'untrusted-root') return 'untrusted';
  if (cert.trustFailure === 'chain-incomplete') return 'incomplete';
  if (cert.trustFailure === 'no-certificate') return 'none';
  if (!cert.trusted) return 'untrusted';
  if (has('cert.weak-key')) return 'weak key';
  if (has('cert.weak-signature')) return 'weak sig';
  return 'ok';
}


/** The probe stopped at one of mxray's own bounds (a reply cap, the deadline), not because of anything the server refused. */
function ownLimit(h: Pick<HostReport, 'status' | 'statusReason'>): string | null {
  if (h.status === 'deadline-reached') return 'stopped (deadline)';
  if ((h.status === 'protocol-error' || h.status === 'post-tls-error') && OWN_CAP_REASONS.has(h.statusReason)) return 'mxray limit';
  return null;
}

function starttlsCell(h: HostReport): string {
  if (h.implicitTls) return 'implicit';
  if (h.starttls.negotiated) return 'yes';
  if (h.starttls.offered) return h.starttls.reply && h.starttls.reply.code !== 220 ? `refused ${h.starttls.reply.code}` : 'offered';
  if (h.starttls.masked) return 'masked';
  if (h.greeting === 'HELO') return 'no (HELO)';
  if (h.greeting) return 'no';
  if (h.status === 'connection-refused') return 'refused';
  if (h.status === 'connection-timeout' || h.status === 'greeting-timeout') return 'timeout';
  // Cut short by mxray before EHLO was answered in full: what the server offers is unknown, and not refused.
  return ownLimit(h) ?? (h.banner ? `${h.banner.code}` : '-');
}

/** Why a handshake failed, in a word or two: from the cause the checks read off both attempts. */
const FAILED_BECAUSE: Record<LegacyCause, (h: HostReport) => string> = {
  'old-protocol': (h) => `${shortProtocol(h.legacyRetry?.protocol)} only`,
  'null-cipher': () => 'NULL ciphers',
  'no-shared-cipher': () => 'no shared cipher',
  'server-abort-after-certificate': () => 'aborted',
  'not-tls': () => 'not TLS',
  'client-certificate-required': () => 'client cert required',
  'certificate-too-large': () => 'cert too large',
  'handshake-timeout': () => 'stalled',
  unknown: () => '',
};

function tlsCell(h: HostReport): string {
  if (h.tls?.ok) return `${shortProtocol(h.tls.protocol)} ${shortCipher(h.tls.cipherStandard ?? h.tls.cipher)}`.trim();
  if (!h.tls) return '-';
  const cause = h.assessment.legacyCause ? FAILED_BECAUSE[h.assessment.legacyCause](h) : '';
  return cause ? `failed (${cause})` : 'failed';
}

/** The summary row of one MX address: compact, so the table fits a terminal. */
export function summaryRow(h: HostReport): Cell[] {
  const cert = h.assessment.certificate;
  const cells = [
    safe(h.mx, 60),
    h.preference === null ? '-' : String(h.preference),
    `${h.address.includes(':') ? `[${safe(h.address, 45)}]` : safe(h.address, 45)}${h.port === 25 ? '' : `:${h.port}`}`,
    starttlsCell(h),
    safe(tlsCell(h), 40),
    certState(h),
    cert ? (cert.nameMatches === null ? 'n/a' : cert.nameMatches ? 'ok' : 'wrong') : '-',
  ];
  return [...cells.map((text) => ({ text })), { text: h.verdict, verdict: h.verdict }];
}

/** Whole days from `now` to an ISO date, as the findings count them: floored ahead, floored behind ("expired 10 days ago" for 10.5). */
function daysFrom(iso: string, now: number): number {
  const ms = Date.parse(iso) - now;
  return ms >= 0 ? Math.floor(ms / 86_400_000) : -Math.max(1, Math.floor(-ms / 86_400_000));
}

function certLines(label: string, certs: CertInfo[], depth: number, now: number): Line[] {
  const out: Line[] = [line(depth, `${label}:`)];
  certs.forEach((c, i) => {
    const left = daysFrom(c.notAfter, now);
    out.push(line(depth + 1, `${i}. ${safe(c.subject.replace(/\n/g, ', '))}${c.source === 'trust-store' ? ' (from our trust store)' : ''}`));
    out.push(line(depth + 1, `   issuer ${safe(c.issuer.replace(/\n/g, ', '))}`));
    if (c.dnsNames.length || c.ipAddresses.length) out.push(line(depth + 1, `   names ${safe([...c.dnsNames, ...c.ipAddresses].join(', '), 600)}`));
    out.push(line(depth + 1, `   valid ${c.notBefore} → ${c.notAfter} (${left >= 0 ? `${left} days left` : `expired ${-left} days ago`})`));
    out.push(line(depth + 1, `   key ${safe(c.keyType, 40)}${c.keyBits ? ` ${c.keyBits}` : ''}${c.keyCurve ? ` ${safe(c.keyCurve, 40)}` : ''}; signature ${safe(c.signatureAlgorithm, 80)}`));
    out.push(line(depth + 1, { dim: `   SHA-1 ${safe(c.sha1, 40)}` }));
    out.push(line(depth + 1, { dim: `   SHA-256 ${safe(c.sha256, 64)}` }));
    // The SHA-256 of the public key: what a DANE "3 1 1" TLSA record holds.
    out.push(line(depth + 1, { dim: `   DANE 3 1 1 ${safe(c.spkiSha256, 64)}` }));
  });
  return out;
}

function hostLines(h: HostReport, now: number): Line[] {
  const out: Line[] = [];
  const a = h.assessment;
  if (h.connectMs !== null) out.push(line(1, `Connected in ${Math.round(h.connectMs)} ms`));
  if (a.software) out.push(line(1, `Software: ${safe(a.software.name, 60)} `, { dim: `(${a.software.confidence} confidence: ${safe(a.software.evidence, 200)})` }));
  if (h.ptr.length) out.push(line(1, `Reverse DNS: ${safe(h.ptr.join(', '))}${h.ptrMatchesBanner === true ? ' (matches the announced name)' : h.ptrMatchesBanner === false ? ' (differs from the announced name)' : ''}`));
  if (h.banner) out.push(line(1, `Banner: ${safe(formatReply(h.banner), 400)}`));
  if (h.ehloReply) out.push(line(1, `${h.greeting === 'HELO' ? 'EHLO refused, HELO' : 'EHLO'}: ${safe(formatReply(h.ehloReply).split(' / ')[0], 200)}`));
  const caps = h.capabilitiesInTls && !h.implicitTls ? h.capabilities : (h.capabilitiesInTls ?? h.capabilities);
  if (caps.length) {
    out.push(line(1, `Extensions${h.implicitTls ? ' (in TLS)' : ' (before TLS)'}:`));
    for (const c of caps) {
      out.push(line(2, `${safe([c.keyword, ...c.params].join(' '), 80).padEnd(28)} `, { dim: `${safe(c.meaning ?? 'unknown extension')}${c.rfc ? ` (${safe(c.rfc)})` : ''}` }));
    }
  }
  if (h.capabilitiesInTls && !h.implicitTls) {
    const before = new Set(h.capabilities.map((c) => c.keyword));
    const after = new Set(h.capabilitiesInTls.map((c) => c.keyword));
    const added = [...after].filter((k) => !before.has(k));
    const removed = [...before].filter((k) => !after.has(k));
    out.push(line(1, `After STARTTLS: ${added.length ? `added ${safe(added.join(', '))}` : 'nothing added'}${removed.length ? `; removed ${safe(removed.join(', '))}` : ''}`));
  }
  if (h.tls) {
    if (h.tls.ok) {
      const t = h.tls;
      out.push(line(1, safe(`TLS: ${t.protocol} ${t.cipherStandard ?? t.cipher}${t.group ? `, key exchange ${t.group}` : ''}, SNI ${t.sni ?? 'none'}, OCSP staple ${t.ocspStapled ? 'yes' : 'no'}, ${t.handshakeMs} ms`, 400)));
    } else {
      out.push(line(1, `TLS: failed: ${safe(h.tls.error)}`));
      const r = h.legacyRetry;
      if (r) {
        out.push(line(2, `Retry with legacy settings (TLS 1.0-1.2, all ciphers): ${r.ok ? `succeeded with ${safe(`${r.protocol} ${r.cipher}`)}` : `failed: ${safe(r.error)}`}; reading: ${a.legacyCause}`));
      }
    }
  }
  const cert = a.certificate;
  if (cert) {
    out.push(
      line(
        1,
        `Certificate${a.certificateFrom === 'legacy' ? ' (from the legacy handshake)' : ''}: ${cert.trusted ? 'chain trusted' : `NOT trusted: ${safe(cert.trustReason).replace(/\.$/, '')}`}${cert.opensslError ? `; OpenSSL verify error ${cert.opensslError.code} (${safe(cert.opensslError.name, 80)})` : ''}; name ${cert.checkedName ? `${safe(cert.checkedName)} ${cert.nameMatches ? 'matches' : 'does NOT match'}` : 'not checked (IP target)'}${cert.domainMatches !== null ? `; mail domain ${cert.domainMatches ? 'also matches' : 'not on it'}` : ''}; ${cert.daysLeft >= 0 ? `${cert.daysLeft} days left` : `expired ${-cert.daysLeft} days ago`}`,
      ),
    );
    out.push(...certLines('As sent by the server', cert.sent, 2, now));
    if (cert.sentCount > cert.sent.length) out.push(line(2, `The server sent ${cert.sentCount} certificates; mxray examined the first ${cert.sent.length}`));
    // Each rule of path validation a certificate on the path breaks, with OpenSSL's number for it.
    for (const p of cert.problems) {
      const where = p.role === 'leaf' ? 'leaf' : p.role === 'trust-anchor' ? 'trust anchor' : `intermediate ${p.index}`;
      out.push(line(2, `Problem: ${where} ${safe(p.subject, 120)}: ${safe(p.detail)} (OpenSSL ${p.opensslError.code} ${safe(p.opensslError.name, 80)})`));
    }
    for (const anchor of cert.path.filter((c) => c.source === 'trust-store')) out.push(line(2, `Anchored at: ${safe(anchor.subject.replace(/\n/g, ', '))} (in our trust store)`));
  }
  if (h.noSni) {
    const n = a.noSni;
    out.push(
      line(1, `Without SNI: ${n?.certificate ? (n.sameCertificate ? 'same certificate' : `different certificate: ${safe(n.certificate.sent[0]?.subject.replace(/\n/g, ', '))}`) : `handshake failed: ${safe(h.noSni.error)}`}`),
    );
    if (h.noSni.confirm) {
      const c = n?.confirm;
      out.push(
        line(
          1,
          `Again with SNI: ${c?.certificate ? (c.sameCertificate ? 'the first certificate again (chosen by SNI)' : `another certificate: ${safe(c.certificate.sent[0]?.subject.replace(/\n/g, ', '))} (a pool: it differs between connections)`) : `handshake failed: ${safe(h.noSni.confirm.error)}`}`,
        ),
      );
    }
  }
  for (const d of h.dane ?? []) {
    const leaf = d.leafSubject === null ? 'no certificate' : `${safe(d.leafKeyType ?? '?', 40)} key, ${safe(d.leafSubject.replace(/\n/g, ', '), 120)}`;
    const kind = d.algorithm === 'rsa' ? 'RSA' : 'ECDSA';
    // A server with one key type refuses the other's signatures: expected, and said so.
    const what =
      d.status === 'ok'
        ? `${safe(d.protocol ?? '?')}, ${leaf}`
        : d.status === 'tls-handshake-error'
          ? `no ${kind} certificate (expected if the server has only the other key type): ${safe(d.error ?? d.status, 160)}`
          : `no handshake: ${safe(d.error ?? d.status, 200)}`;
    out.push(line(1, `DANE handshake (${d.algorithm === 'rsa' ? 'RSA' : 'ECDSA'} signatures only, SNI ${safe(d.serverName, 120)}): ${what}`));
  }
  if (h.cleartext) {
    const verdict = a.cleartext?.requiresTls ?? null;
    const steps = h.cleartext.steps.map((s) => `${safe(s.command)} → ${safe(formatReply(s.reply), 160)}`).join('; ');
    out.push(line(1, `Without TLS: ${verdict === true ? 'refused (TLS is required)' : verdict === false ? 'accepted (TLS is not required)' : 'unclear'}${steps ? ` — ${steps}` : ''}`));
  }
  h.envelope.forEach((e, i) => out.push(line(1, `Envelope: ${safe(e.command)} → ${safe(formatReply(e.reply), 200)} (${a.envelope[i]?.outcome ?? 'unknown'})`)));
  if (h.status !== 'ok') {
    const own = ownLimit(h) === 'mxray limit' ? ": a limit of mxray's own (lines and bytes per reply), not of SMTP" : '';
    out.push(line(1, `Probe status: ${h.status}${h.statusDetail ? ` (${safe(h.statusDetail)}${own})` : ''}`));
  }
  return out;
}

/** What mxray's own bounds left out: MX hosts beyond --max-mx, addresses beyond those probed of a name, addresses the deadline came before. */
function notProbedLines(report: ReceiverReport): Line[] {
  const b = report.body.bounds;
  if (!b || b.notProbedCount === 0) return [];
  type Reason = NotProbed['reason'];
  const listed = (reason: Reason) => b.notProbed.filter((n) => n.reason === reason);
  // Entries beyond the listed ones (a list cut at its cap) are of the kind listed last.
  const unlisted = b.notProbedCount - b.notProbed.length;
  const last = b.notProbed.at(-1)?.reason;
  const count = (reason: Reason) => listed(reason).length + (reason === last ? unlisted : 0);
  const show = (reason: Reason) => {
    const list = listed(reason);
    const shown = list.slice(0, MAX_NAMED).map((n) => `${safe(n.mx, 80)}${n.address && n.address !== n.mx ? ` [${safe(n.address, 45)}]` : ''}${n.preference === null ? '' : ` (${n.preference})`}`);
    const more = count(reason) - shown.length;
    return `${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
  };
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const out: Line[] = [];
  if (count('max-mx')) out.push(line(0, `Not probed: ${plural(count('max-mx'), 'more MX host', 'more MX hosts')} (mxray probes the first ${b.maxMx} by preference; --max-mx): ${show('max-mx')}`));
  if (count('max-addresses')) {
    out.push(line(0, `Not probed: ${plural(count('max-addresses'), 'more address', 'more addresses')} of names with many (mxray probes at most ${b.addressesPerHost} of each): ${show('max-addresses')}`));
  }
  if (count('deadline')) out.push(line(0, `Not probed: ${plural(count('deadline'), 'address', 'addresses')} whose turn came after the deadline (--deadline): ${show('deadline')}`));
  return out;
}

/** A re-judged report (mxray report --rejudge), or one judged at another moment, says when and with which roots. */
function judgedLines(report: ReceiverReport): Line[] {
  const at = Date.parse(report.judgedWith.at);
  if (!report.judgedWith.rejudged && Math.abs(at - Date.parse(report.startedAt)) < 60_000) return [];
  const files = report.judgedWith.trustStore.extraCaFiles.map((f) => safe(f.name, 100));
  return [
    line(0, `Judged at ${report.judgedWith.at.replace('T', ' ').replace(/(:\d\d)?(\.\d+)?Z$/, ' UTC')}, trusting ${safe(report.judgedWith.trustStore.description, 100)}${files.length ? ` (${files.join(', ')})` : ''}`),
  ];
}

/** A finding's title with the host's long key ("mx[192.0.2.1]:25") shortened to its MX name. */
function shortTitle(f: Finding, hosts: readonly HostReport[]): string {
  let title = f.title;
  for (const h of hosts) if (title.includes(h.key)) title = title.split(h.key).join(h.mx);
  return title;
}

/** The worst problem (warning or worse) among these findings, or null. */
function worstProblem(findings: readonly Finding[]): Finding | null {
  const problems = sortFindings(findings.filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK.warning));
  return problems[0] ?? null;
}

/** How mail reaches an accepting host: "with verified TLS 1.3", "with TLS 1.2, certificate not verified", "in clear text". */
function howDelivered(h: HostReport): string {
  const proto = (p: string | null | undefined) => (p ?? 'TLS').replace(/^TLSv/, 'TLS ');
  const cert = h.assessment.certificate;
  const verified = cert !== null && cert.trusted && cert.timeValid && cert.nameMatches !== false;
  // DANE: the host's own DANE findings say what DANE senders get; the words here are about the others.
  const daneOk = h.findings.some((f) => f.id === 'dane.ok');
  const daneFails = h.findings.some((f) => f.id === 'dane.no-match' || f.id === 'dane.no-tls' || f.id === 'dane.tlsa-lookup-failed' || f.id === 'dane.bogus' || f.id === 'dane.ta-name-mismatch');
  if (h.tls?.ok) {
    const how = verified ? `with verified ${proto(h.tls.protocol)}` : `with ${proto(h.tls.protocol)}, certificate ${daneOk ? 'authenticated by DANE only' : 'not verified'}`;
    return daneFails ? `by senders without DANE, ${how}` : how;
  }
  if (h.legacyRetry?.ok) return `with ${proto(h.legacyRetry.protocol)} only by senders that still allow it, else in clear text`;
  // Stopped before TLS was measured: how is unknown, not "in clear text".
  if (h.status === 'deadline-reached') return '(TLS not measured: mxray stopped at its deadline)';
  return 'in clear text';
}

const MAX_NAMED = 3;
function names(list: readonly string[]): string {
  const shown = list.slice(0, MAX_NAMED).join(', ');
  return list.length > MAX_NAMED ? `${shown} and ${list.length - MAX_NAMED} more` : shown;
}

/**
 * The verdict's reason, in one sentence: what senders get. The hosts senders skip (with their
 * worst problem), then where mail is delivered and how, or why it is not delivered at all.
 */
export function verdictReason(report: ReceiverReport): string {
  const { body } = report;
  // Nothing to connect to (null MX, NXDOMAIN, DNS failures): the worst finding says why.
  if (!body.hosts.length) return safe(report.findings[0]?.title ?? 'nothing was tested', 300);
  const d = body.delivery;
  const byKey = new Map(body.hosts.map((h) => [h.key, h]));
  const parts: string[] = [];
  const unreachable = report.findings.find((f) => f.id === 'net.all-unreachable');
  if (unreachable) return safe(unreachable.title, 300);
  // The hosts senders skip, before or beside the delivery, with their worst problem (once per MX).
  const skipped = new Map<string, string>();
  for (const a of d.attempts) {
    if (a.outcome === 'accepts' || skipped.has(a.mx)) continue;
    const h = byKey.get(a.key);
    const worst = h ? worstProblem(h.findings) : null;
    skipped.set(a.mx, worst ? shortTitle(worst, body.hosts) : `${a.mx} is not tried (${a.outcome})`);
  }
  parts.push(...[...skipped.values()].slice(0, MAX_NAMED));
  if (skipped.size > MAX_NAMED) parts.push(`${skipped.size - MAX_NAMED} more MX hosts cannot be used`);
  if (d.state === 'none') {
    const beyond = report.findings.find((f) => f.id === 'delivery.beyond-limits' || f.id === 'delivery.untested-hosts');
    parts.push(beyond ? shortTitle(beyond, body.hosts) : 'no MX host accepts mail');
    return safe(sentence(parts), 600);
  }
  // The accepting hosts: the worst problem among them, then where mail lands and how.
  const accepting = body.hosts.filter((h) => d.attempts.some((a) => a.key === h.key && a.outcome === 'accepts'));
  const worst = worstProblem(accepting.flatMap((h) => h.findings));
  const problem = worst ? shortTitle(worst, body.hosts) : null;
  if (problem) parts.push(problem);
  // A policy problem (MTA-STS, TLS-RPT) that fails the domain on its own: said before where mail goes.
  const policy = report.findings.find((f) => (/^(mta-sts|tls-rpt)\./.test(f.id) || (f.id.startsWith('dane.') && f.hosts.length === 0)) && (f.severity === 'error' || f.severity === 'critical'));
  if (policy) parts.push(policy.title);
  const first = accepting.find((h) => d.deliveredTo.includes(h.mx));
  // One host, already named by its problem: "there" says where without repeating it.
  const where = d.deliveredTo.length === 1 && problem?.includes(d.deliveredTo[0]!) && parts.length === 1 ? 'there' : `to ${names(d.deliveredTo)}`;
  parts.push(`mail is delivered ${where}${first ? ` ${howDelivered(first)}` : ''}`);
  return safe(sentence(parts), 600);
}

/** Parts joined into one sentence: a title that starts a sentence ("The certificate of …") reads on mid-sentence. */
function sentence(parts: readonly string[]): string {
  return parts.map((p, i) => (i > 0 ? p.replace(/^(The|A|An|No|Senders) /, (w) => w.toLowerCase()) : p)).join('; ');
}

/** The software recognised on every host of a finding, when it is the same everywhere. */
function softwareFor(f: Finding, hosts: readonly HostReport[]): { name: string; remediationKey: 'exchange' | 'postfix' | 'exim' | null } | null {
  const on = hosts.filter((h) => f.hosts.includes(h.key)).map((h) => h.assessment.software);
  const first = on[0];
  if (!first || on.some((s) => s?.id !== first.id)) return null;
  return { name: first.name, remediationKey: first.remediationKey };
}

/** Each host's own detail of a merged finding (from the per-host findings the JSON keeps). */
function perHostDetails(f: Finding, hosts: readonly HostReport[]): { host: string; detail: string }[] {
  const out: { host: string; detail: string }[] = [];
  for (const h of hosts) for (const own of h.findings) if (own.id === f.id) out.push({ host: h.key, detail: own.detail });
  return out;
}

export function receiverDocument(report: ReceiverReport, options: DocumentOptions = {}): Document {
  const { body } = report;
  const t = body.target;
  // An IPv6 server in brackets, so that its port reads as a port: "[::1]:25".
  const server = t.host && t.host.includes(':') ? `[${t.host}]` : t.host;
  const subject = t.kind === 'domain' ? `mail domain ${t.domain}` : `server ${server}:${t.port}${t.domain ? ` for ${t.domain}` : ''}`;
  const dns = body.dns;
  const dnsLine =
    dns.status === 'ok' && dns.mx.length
      ? `MX: ${dns.mx.map((m) => `${m.preference} ${safe(m.exchange)}`).join(', ')}`
      : dns.status === 'not-applicable' || dns.status === 'ok'
        ? ''
        : `DNS: ${dns.status}${dns.error ? ` (${safe(dns.error)})` : ''}`;
  const judgedAt = Date.parse(report.judgedWith.at);
  const verbose = options.verbose === true;
  return {
    title: 'mxray receiver test',
    subject: safe(subject),
    shortSubject: safe(t.domain ?? t.host ?? t.input),
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    meta: [`profile ${safe(report.judgedWith.profile.name, 80)}`],
    verdict: report.verdict,
    reason: verdictReason(report),
    verdictNote: countLine(report.findings.filter((f) => f.severity !== 'ok')),
    context: [
      ...(dnsLine ? [line(0, `${dnsLine}  `, { dim: `(resolver: ${safe(dns.resolver, 100)})` })] : []),
      ...(body.posture ? [postureLine(body.posture)] : []),
      ...(body.dane ? [daneLine(body.dane)] : []),
      ...(body.dnsbl ? [dnsblLine(body.dnsbl)] : []),
      ...notProbedLines(report),
      ...judgedLines(report),
    ],
    summary: body.hosts.length ? { header: SUMMARY_HEADER, rows: body.hosts.map(summaryRow) } : null,
    findings: report.findings.map((f) => findingView(f, { perHost: perHostDetails(f, body.hosts), software: softwareFor(f, body.hosts) })),
    details:
      (options.brief && !verbose) || !body.hosts.length
        ? null
        : {
            heading: 'Details per address',
            sections: [...body.hosts.map((h) => ({ heading: safe(h.key, 120), lines: hostLines(h, judgedAt) })), ...(body.posture ? postureDetails(body.posture) : []), ...(body.dane ? [daneDetails(body.dane)] : []), ...(body.dnsbl ? [dnsblDetails(body.dnsbl)] : [])],
          },
    transcript: verbose ? transcriptText(report) : null,
    explain: verbose || options.explain === true,
  };
}
