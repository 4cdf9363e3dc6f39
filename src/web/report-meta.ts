// What History keeps beside a report: its meta (kind, target, domain, hosts, verdict) and the
// certificates it saw (the expiry timeline), read from the Report itself. The report is ours, but
// it is walked with bounds all the same: a scan of hundreds of hosts is large.
import type { StoredCertificate, StoredReportMeta } from '../core/report-store.js';
import type { Report } from '../core/schema.js';

const MAX_HOSTS = 50;
const MAX_CERTIFICATES = 200;
const MAX_NODES = 200_000;

/** A host name or address as History searches it: lower case, no final dot, at most 255 characters. */
const hostText = (s: string) => s.toLowerCase().replace(/\.$/, '').slice(0, 255);

function domainOf(report: Report): string | null {
  const body = report.body as { target?: { domain?: unknown }; input?: { target?: { domain?: unknown } | null }; domain?: unknown };
  const domain = body.target?.domain ?? body.input?.target?.domain ?? (typeof body.domain === 'string' ? body.domain : null);
  return typeof domain === 'string' && domain ? hostText(domain) : null;
}

interface Walked {
  hosts: Set<string>;
  certificates: Map<string, Omit<StoredCertificate, 'reportId'>>;
}

/** Every host (the `mx` of a receiver's host, a target's host) and every leaf certificate under them. */
function walk(report: Report): Walked {
  const out: Walked = { hosts: new Set(), certificates: new Map() };
  const body = report.body as { target?: { host?: unknown }; input?: { target?: { host?: unknown } | null } };
  const top = body.target?.host ?? body.input?.target?.host;
  const fallback = typeof top === 'string' && top ? hostText(top) : hostText(report.target);
  if (typeof top === 'string' && top) out.hosts.add(fallback);
  let visited = 0;
  // `first`: the node is the first of a list — a chain's leaf, also when it is a CA certificate of its own (a self-signed one).
  const stack: { node: unknown; host: string; first?: boolean }[] = [{ node: report.body, host: fallback }];
  while (stack.length && visited < MAX_NODES) {
    const { node, host: inherited, first = false } = stack.pop()!;
    visited++;
    if (Array.isArray(node)) {
      node.forEach((item, i) => {
        if (item && typeof item === 'object') stack.push({ node: item, host: inherited, first: i === 0 });
      });
      continue;
    }
    if (!node || typeof node !== 'object') continue;
    const o = node as Record<string, unknown>;
    let host = inherited;
    if (typeof o.mx === 'string' && o.mx) {
      host = hostText(o.mx);
      if (out.hosts.size < MAX_HOSTS) out.hosts.add(host);
      if (typeof o.address === 'string' && out.hosts.size < MAX_HOSTS) out.hosts.add(hostText(o.address));
    }
    if (typeof o.notAfter === 'string' && typeof o.sha256 === 'string' && (o.isCa === false || first) && typeof o.subject === 'string') {
      const key = `${host}|${o.sha256}`;
      if (!out.certificates.has(key) && out.certificates.size < MAX_CERTIFICATES) {
        out.certificates.set(key, { host, subject: o.subject.slice(0, 500), notAfter: o.notAfter, sha256: o.sha256.toLowerCase() });
      }
    }
    for (const value of Object.values(o)) if (value && typeof value === 'object') stack.push({ node: value, host });
  }
  return out;
}

export interface ReportIndex {
  meta: StoredReportMeta;
  certificates: StoredCertificate[];
}

/** The meta and certificates of a finished report, ready for ReportStore.addReport. */
export function indexReport(
  report: Report,
  json: string,
  stored: { id: string; storedAt: string; owner: string | null; request: string | null },
): ReportIndex {
  const walked = walk(report);
  return {
    meta: {
      id: stored.id,
      kind: report.kind,
      target: report.target.slice(0, 500),
      domain: domainOf(report),
      hosts: [...walked.hosts].slice(0, MAX_HOSTS),
      verdict: report.verdict,
      startedAt: report.startedAt,
      storedAt: stored.storedAt,
      durationMs: Math.round(report.durationMs),
      owner: stored.owner,
      request: stored.request,
      bytes: Buffer.byteLength(json),
    },
    certificates: [...walked.certificates.values()].map((c) => ({ ...c, reportId: stored.id })),
  };
}
