// `mxray cert`'s report as a Document: the certificate in a few lines (the facts administrators copy:
// names, dates, thumbprints as Get-ExchangeCertificate shows them, the DANE "3 1 1" value), the
// "who will accept it?" table, the findings, then the chain, its repair, revocation, names and
// TLSA records in the details.
import type { CertificateReport, CertInfo, CertSubject } from '../core/schema.js';
import { countLine, findingView, line, transcriptText, type Cell, type DetailSection, type Document, type DocumentOptions, type Line } from './document.js';
import { safe } from './style.js';

const DAY_MS = 86_400_000;

/** "2027-03-01 (87 days left)", "2025-01-01 (expired 30 days ago)". */
function until(notAfter: string, at: number): string {
  const days = Math.floor((Date.parse(notAfter) - at) / DAY_MS);
  const date = notAfter.slice(0, 10);
  if (days < 0) return `${date} (expired ${-days} day${days === -1 ? '' : 's'} ago)`;
  return `${date} (${days} day${days === 1 ? '' : 's'} left)`;
}

function keyText(c: CertInfo): string {
  const type = c.keyType === 'ec' ? `EC ${c.keyCurve ?? ''}`.trim() : c.keyType.toUpperCase();
  return c.keyBits ? `${type} ${c.keyBits} bits` : type;
}

/** The trust state in words, from the verdict (and its repair). */
function trustText(s: CertSubject): string {
  const v = s.verdict;
  if (v.trusted) return 'trusted';
  if (v.repair?.outcome === 'repaired') return 'incomplete as sent; complete with the issuer fetched from its AIA URL';
  switch (v.trustFailure) {
    case 'self-signed':
      return 'self-signed';
    case 'untrusted-root':
      return 'untrusted root';
    case 'chain-incomplete':
      return 'incomplete chain';
    case 'bad-signature':
      return 'bad signature';
    case 'chain-invalid':
      return 'chain breaks path validation';
    case 'chain-too-long':
      return 'chain too long';
    default:
      return 'not trusted';
  }
}

/** The few lines that answer "what is this certificate?" (first screen). */
function headLines(s: CertSubject, at: number): Line[] {
  const leaf = s.verdict.path[0] ?? s.verdict.sent[0];
  if (!leaf) return [line(0, { bold: safe(s.label, 120) }, ': no readable certificate')];
  const sans = [...leaf.dnsNames, ...leaf.ipAddresses];
  const out: Line[] = [
    line(0, { bold: safe(s.label, 120) }),
    line(1, { dim: 'Subject    ' }, safe(leaf.subject || '(empty)', 200)),
    line(1, { dim: 'Names      ' }, sans.length ? safe(sans.slice(0, 12).join(', '), 400) + (sans.length > 12 ? ` … (${sans.length} in all)` : '') : '(no subjectAltName)'),
    line(1, { dim: 'Issuer     ' }, safe(leaf.issuer, 200)),
    line(1, { dim: 'Valid      ' }, `${leaf.notBefore.slice(0, 10)} to ${until(leaf.notAfter, at)}`),
    line(1, { dim: 'Trust      ' }, trustText(s)),
    line(1, { dim: 'Thumbprint ' }, leaf.sha1, { dim: '  (SHA-1, as Get-ExchangeCertificate shows it)' }),
    line(1, { dim: 'SHA-256    ' }, leaf.sha256),
    line(1, { dim: 'DANE 3 1 1 ' }, leaf.spkiSha256.toLowerCase()),
    line(1, { dim: 'Key        ' }, `${keyText(leaf)}, signed with ${safe(leaf.signatureAlgorithm, 60)}`),
  ];
  if (s.leafWhy) out.push(line(1, { dim: 'Taken      ' }, safe(s.leafWhy, 300)));
  return out;
}

const ACCEPTS: Readonly<Record<string, string>> = { yes: 'yes', no: 'NO', unknown: 'unknown' };

function acceptCell(a: CertSubject['acceptance'][number] | undefined): Cell {
  if (!a) return { text: '-' };
  return { text: ACCEPTS[a.accepts] ?? a.accepts, verdict: a.accepts === 'yes' ? 'pass' : a.accepts === 'no' ? 'fail' : 'inconclusive' };
}

/** "Who will accept this?": one row per kind of sender; one column per certificate (the reason too when there is one). */
function acceptanceTable(subjects: readonly CertSubject[]): Document['summary'] {
  const shown = subjects.slice(0, 3);
  const first = shown[0];
  if (!first || first.acceptance.length === 0) return null;
  if (shown.length === 1) {
    return {
      header: ['Sender', 'Accepts', 'Why'],
      rows: first.acceptance.map((a) => [{ text: safe(a.name, 80) }, acceptCell(a), { text: safe(a.reasons[0] ?? '', 200) }]),
    };
  }
  return {
    header: ['Sender', ...shown.map((s, i) => `#${i + 1}`)],
    rows: first.acceptance.map((a) => [{ text: safe(a.name, 80) }, ...shown.map((s) => acceptCell(s.acceptance.find((x) => x.profile === a.profile)))]),
  };
}

function chainLines(s: CertSubject, at: number): Line[] {
  const v = s.verdict;
  const out: Line[] = [line(0, { bold: 'Path' }, { dim: ` (${safe(v.trustReason ?? 'trusted', 400)})` })];
  const role = (i: number, c: CertInfo) => (i === 0 ? 'leaf' : c.source === 'trust-store' ? 'root (trust store)' : c.source === 'aia' ? 'fetched (AIA)' : c.selfIssued ? 'root (sent)' : 'intermediate');
  v.path.forEach((c, i) => {
    out.push(line(1, `${i}. ${role(i, c)}: ${safe(c.subject || '(empty)', 160)}`));
    out.push(line(2, { dim: `until ${until(c.notAfter, at)}, ${keyText(c)}, ${safe(c.signatureAlgorithm, 60)}, SHA-256 ${c.sha256}` }));
  });
  // Exactly as given (the server's order, duplicates and strays included): what a verifier gets.
  const seen = new Map<string, number>();
  const given = v.sent.map((c, i) => {
    const dup = seen.get(c.sha256);
    if (dup === undefined) seen.set(c.sha256, i);
    return `${i}. ${safe(c.commonName ?? (c.subject || c.sha256.slice(0, 16)), 80)}${dup !== undefined ? ` (duplicate of ${dup})` : ''}`;
  });
  out.push(line(1, { dim: `${s.origin === 'file' ? 'as given' : 'as sent'} (${v.sentCount}): ${given.join(' | ')}` }));
  const sentOnly = v.sent.filter((c) => !v.path.some((p) => p.sha256 === c.sha256));
  if (sentOnly.length > 0) out.push(line(1, { dim: `also given, not on the path: ${sentOnly.map((c) => safe(c.subject || c.sha256, 120)).join(' | ')}` }));
  if (v.repair) {
    out.push(line(0, { bold: 'Repair from AIA' }, `: ${v.repair.outcome}${v.repair.reason ? ` (${safe(v.repair.reason, 300)})` : ''}`));
    for (const f of v.repair.fetches) out.push(line(1, `${safe(f.url, 200)}: ${f.ok ? `${f.certificates.length} certificate(s)` : safe(f.detail ?? 'failed', 200)}`));
    if (v.repair.outcome === 'repaired') v.repair.path.forEach((c, i) => out.push(line(1, { dim: `${i}. ${c.source}: ${safe(c.subject || '(empty)', 160)}` })));
  }
  return out;
}

function revocationLines(s: CertSubject, checked: boolean): Line[] {
  const r = s.verdict.revocation;
  if (!checked) return [line(0, { bold: 'Revocation' }, ': not checked (--no-revocation)')];
  if (r === null || r === undefined) return [line(0, { bold: 'Revocation' }, ': not checked (nothing could be fetched)')];
  if (r.length === 0) return [line(0, { bold: 'Revocation' }, ': nothing to check (no certificate on the path has an issuer to ask)')];
  const out: Line[] = [line(0, { bold: 'Revocation' })];
  for (const c of r) {
    out.push(line(1, `${c.index}. ${safe(c.subject, 120)}${c.mustStaple ? ' (must-staple)' : ''}`));
    if (c.lookups.length === 0) out.push(line(2, { dim: c.crlUrls.length + c.ocspUrls.length === 0 ? 'no CRL or OCSP URL in the certificate' : `only URLs mxray does not fetch: ${safe([...c.crlUrls, ...c.ocspUrls].join(', '), 300)}` }));
    for (const l of c.lookups) {
      const when = l.status === 'revoked' ? ` on ${l.revokedAt ?? '?'}${l.reason ? ` (${l.reason})` : ''}` : '';
      const next = l.nextUpdate ? `, next update ${l.nextUpdate.slice(0, 16).replace('T', ' ')}` : '';
      out.push(line(2, `${l.method} ${safe(l.url ?? 'stapled by the server', 200)}: ${l.status.toUpperCase()}${when}${next}${l.detail ? ` — ${safe(l.detail, 300)}` : ''}`));
    }
  }
  return out;
}

function extraLines(s: CertSubject): Line[] {
  const d = s.details;
  const out: Line[] = [];
  out.push(line(0, { bold: 'Usage' }, `: key usage ${d.keyUsage ? d.keyUsage.join(', ') : '(none)'}; extended ${d.extendedKeyUsage ? safe(d.extendedKeyUsage.join(', '), 200) : '(none: any)'}`));
  if (d.caIssuers.length) out.push(line(0, { bold: 'Issuer URL' }, `: ${safe(d.caIssuers.join(', '), 300)}`));
  if (d.crl.length) out.push(line(0, { bold: 'CRL' }, `: ${safe(d.crl.join(', '), 300)}`));
  if (d.ocsp.length) out.push(line(0, { bold: 'OCSP' }, `: ${safe(d.ocsp.join(', '), 300)}`));
  out.push(line(0, { bold: 'Transparency' }, `: ${d.scts.length} embedded SCT(s)${d.validation ? `; ${d.validation} certificate` : ''}${d.mustStaple ? '; must-staple' : ''}`));
  if (d.unreadable.length) out.push(line(0, { bold: 'Unreadable' }, `: ${safe(d.unreadable.join(', '), 200)}`));
  for (const n of s.names) out.push(line(0, { bold: 'Name' }, ` ${safe(n.name, 100)}: ${n.covered ? 'covered' : 'NOT covered'}`));
  if (s.key) out.push(line(0, { bold: 'Private key' }, ` ${safe(s.key.file, 100)}: ${s.key.matches ? 'belongs to the certificate' : 'does NOT belong to the certificate'}`));
  for (const t of s.tlsa) out.push(line(0, { bold: 'TLSA' }, ` ${safe(t.record, 160)}: ${t.matches ? 'matches' : 'no match'}${t.detail ? ` (${safe(t.detail, 200)})` : ''}`));
  for (const a of s.acceptance) if (a.reasons.length > 1) out.push(line(0, { bold: safe(a.name, 80) }, `: ${safe(a.reasons.join(' '), 600)}`));
  return out;
}

function reasonOf(report: CertificateReport): string {
  const s = report.body.subjects[0];
  const worst = report.findings.find((f) => f.severity !== 'ok' && f.severity !== 'info');
  if (!s) return worst ? safe(worst.title, 300) : 'no certificate was obtained';
  if (worst) return safe(worst.title, 300);
  const leaf = s.verdict.path[0];
  return leaf ? safe(`${s.label}: ${trustText(s)}, valid until ${leaf.notAfter.slice(0, 10)}`, 300) : 'no readable certificate';
}

export function certificateDocument(report: CertificateReport, options: DocumentOptions = {}): Document {
  const { body } = report;
  const at = Date.parse(report.judgedWith.at);
  const verbose = options.verbose === true;
  const input = body.input;
  const subject =
    input.kind === 'files'
      ? `certificate file${input.files.filter((f) => f.role === 'certificate').length > 1 ? 's' : ''} ${input.files.filter((f) => f.role === 'certificate').map((f) => f.name).join(', ')}`
      : `certificates of ${input.target?.kind === 'domain' ? `mail domain ${input.target.domain ?? ''}` : `server ${input.target?.host ?? report.target}:${input.target?.port ?? 25}`}`;
  const context: Line[] = body.subjects.flatMap((s, i) => (body.subjects.length > 1 ? [line(0, { dim: `#${i + 1}` }), ...headLines(s, at)] : headLines(s, at)));
  const sections: DetailSection[] = body.subjects.map((s, i) => ({
    heading: safe(`#${i + 1} ${s.label}`, 160),
    lines: [...chainLines(s, at), ...revocationLines(s, body.revocationChecked), ...extraLines(s)],
  }));
  for (const f of input.files) {
    sections.push({
      heading: safe(`file ${f.name}`, 160),
      lines: [line(0, `${f.format.toUpperCase()}, ${f.bytes} bytes, ${f.certificates} certificate(s), ${f.privateKeys} private key(s)${f.lockedKeys ? `, ${f.lockedKeys} locked` : ''}; SHA-256 ${f.sha256}`), ...f.notes.map((n) => line(1, { dim: safe(n, 300) }))],
    });
  }
  return {
    title: 'mxray certificate check',
    subject: safe(subject, 300),
    shortSubject: safe(report.target, 120),
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    meta: [`profile ${safe(report.judgedWith.profile.name, 80)}`, `trust store ${safe(report.judgedWith.trustStore.description, 120)}`],
    verdict: report.verdict,
    reason: reasonOf(report),
    verdictNote: countLine(report.findings.filter((f) => f.severity !== 'ok')),
    context,
    summary: acceptanceTable(body.subjects),
    findings: report.findings.map((f) => findingView(f)),
    details: options.brief && !verbose ? null : { heading: 'Details', sections },
    transcript: verbose ? transcriptText(report) : null,
    explain: verbose || options.explain === true,
    detailsHint: 'the path, AIA repair, revocation lookups, usages, URLs, names, TLSA',
  };
}
