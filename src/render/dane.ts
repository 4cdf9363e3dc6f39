// DANE in every report that has it: one summary line ("DANE  match: mx1 · NO MATCH: mx2") and a
// details section (the resolver and whether its AD bit is believed, each lookup with its DNSSEC
// status, the TLSA records, and the certificates each handshake showed).
import type { DaneSection, DaneState, SecureLookup } from '../core/schema.js';
import { line, type DetailSection, type Line } from './document.js';
import { safe } from './style.js';

const STATE_WORDS: Readonly<Record<DaneState, string>> = {
  match: 'matches',
  'no-match': 'NO MATCH',
  'no-tls': 'NO TLS (required by DANE)',
  'lookup-failed': 'TLSA LOOKUP FAILS',
  bogus: 'BOGUS',
  unusable: 'only unusable records',
  'no-records': 'no TLSA records',
  insecure: 'not signed',
  'not-tested': 'not tested',
};

function names(items: readonly string[], max = 3): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} +${items.length - max}`;
}

/** "DANE  matches: mx1.example.com · NO MATCH: mx2.example.com" — or why DANE does not apply. */
export function daneText(section: DaneSection): string {
  if (section.resolver.trust === null) return `not judged (resolver ${safe(section.resolver.description, 60)} not trusted: --trust-ad)`;
  const mx = section.mx;
  if (mx && mx.status !== 'secure') return mx.status === 'insecure' ? 'not in use (the MX records are not DNSSEC-signed)' : `MX lookup ${mx.status} (${safe(mx.rcode ?? mx.error ?? '?', 40)})`;
  if (section.hosts.length === 0) return 'no MX hosts';
  const byState = new Map<string, string[]>();
  for (const h of section.hosts) {
    const words = h.state === null ? 'records published, to be matched by mxray check' : STATE_WORDS[h.state];
    byState.set(words, [...(byState.get(words) ?? []), safe(h.mx, 80)]);
  }
  if (byState.size === 1) {
    const [words, hosts] = [...byState.entries()][0] as [string, string[]];
    return section.hosts.length === 1 ? `${words} (${hosts[0]})` : `${words} (all ${hosts.length} MX hosts)`;
  }
  return [...byState.entries()].map(([words, hosts]) => `${words}: ${names(hosts)}`).join(' · ');
}

export function daneLine(section: DaneSection): Line {
  return line(0, { dim: 'DANE  ' }, daneText(section));
}

function lookupLine(l: SecureLookup, depth: number): Line {
  const answer = l.rcode === null ? safe(l.error ?? 'no answer', 100) : `${l.rcode}${l.ad ? ' (AD)' : ''}`;
  const extra = [
    ...(l.cnames.length ? [`via CNAME ${safe(l.cnames.join(' → '), 200)}`] : []),
    ...l.ede.map((e) => `EDE ${e.code}${e.text ? ` ${safe(e.text, 120)}` : ''}`),
    ...(l.cdRcode ? [`with CD: ${l.cdRcode}`] : []),
  ];
  return line(depth, `${l.type} ${safe(l.name, 200)} `, { dim: `→ ${answer}${extra.length ? `, ${extra.join(', ')}` : ''}: ` }, l.status === 'secure' ? 'secure' : { bold: l.status });
}

export function daneDetails(section: DaneSection): DetailSection {
  const trust = section.resolver.trust === 'loopback' ? 'on this machine: its AD bit is believed' : section.resolver.trust === 'named' ? 'named as validating (--trust-ad)' : 'NOT trusted: its AD bit is ignored';
  const lines: Line[] = [line(0, { dim: `resolver ${safe(section.resolver.description, 80)} (${trust}); TLSA for port ${section.port}` })];
  if (section.mx) lines.push(lookupLine(section.mx, 0));
  for (const h of section.hosts) {
    const about = [...(h.state === null ? [] : [STATE_WORDS[h.state]]), ...(h.skipped ? [`(TLSA not looked up: ${h.skipped})`] : [])].join(' ');
    lines.push(line(0, { bold: safe(h.mx, 200) }, { dim: about ? ` ${about}` : '' }));
    for (const l of [...h.addresses, ...h.tlsa]) lines.push(lookupLine(l, 1));
    if (h.base && h.base !== h.mx) lines.push(line(1, { dim: 'TLSA base domain (and SNI) ' }, safe(h.base, 200)));
    for (const r of h.records.slice(0, 20)) lines.push(line(2, `${r.usage} ${r.selector} ${r.matchingType} ${safe(r.data, 200)}`));
    if (h.records.length > 20) lines.push(line(2, { dim: `… ${h.records.length - 20} more` }));
  }
  return { heading: 'DANE', lines };
}
