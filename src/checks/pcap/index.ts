// `mxray pcap`'s judge: the flows of a PcapBody → findings (pure). The totals count every flow the
// capture held; the flows named in a finding come from those the body keeps.
import type { Finding } from '../../core/schema.js';
import type { PcapBody, PcapFlow, PcapVerdict } from '../../core/pcap-schema.js';
import { makeFinding } from '../../kb/index.js';
import type { Check } from '../check.js';
import { fewOf } from '../words.js';

export interface PcapCheckInput {
  body: PcapBody;
}

const OLD = new Set(['SSLv3', 'TLSv1', 'TLSv1.0', 'TLSv1.1']);

const endpoint = (e: { ip: string; port: number }): string => (e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`);
export const flowLabel = (f: PcapFlow): string => `#${f.id} ${endpoint(f.client)} → ${endpoint(f.server)}`;

function named(flows: readonly PcapFlow[], total: number): string {
  const shown = flows.slice(0, 3).map(flowLabel);
  const more = total - shown.length;
  return shown.join(', ') + (more > 0 ? ` and ${more} more` : '');
}

/** What crossed in clear, shortly: "MAIL FROM a@b, RCPT TO c@d, e@f; the message (12 kB)". */
export function exposedText(f: PcapFlow): string {
  const e = f.exposed;
  const parts: string[] = [];
  if (e.mailFrom.length) parts.push(`MAIL FROM <${fewOf(e.mailFrom, 2)}>`);
  if (e.rcptTo.length) parts.push(`RCPT TO <${fewOf(e.rcptTo, 3, '>, <')}>${e.notListed ? ` (+${e.notListed})` : ''}`);
  if (e.data) parts.push(`the message itself (${e.dataBytes} bytes)`);
  return parts.length ? parts.join(', ') : 'no envelope (the connection ended before MAIL FROM)';
}

/** Why a handshake failed, from what the flow showed. */
export function failureText(f: PcapFlow): string {
  const t = f.tls;
  // A fatal alert says why; a warning beside it (unrecognized_name next to a ServerHello) does not.
  const alert = t?.alerts.find((a) => a.description !== null && a.level === 'fatal') ?? t?.alerts.find((a) => a.description !== null);
  if (alert) return `${alert.from} sent the alert ${alert.level === 'fatal' ? 'fatal ' : ''}${alert.description}`;
  if (t?.encryptedAlertSuspected) return 'the client sent one short encrypted record and closed: it most likely refused the certificate (TLS 1.3 encrypts the alert)';
  switch (f.handshakeEvidence) {
    case 'encrypted-server-alert':
      return 'the server answered the client’s Finished with an encrypted alert and closed';
    case 'not-tls':
      return 'after the 220 the bytes were not TLS';
    case 'client-closed':
      return 'the client closed the connection right after the 220, without a handshake';
    case 'closed':
      return `the connection closed in the middle of the handshake${t?.serverHello ? ` (after ServerHello, ${t.serverHello.version})` : t?.clientHello ? ' (no ServerHello)' : ''}`;
    default:
      return f.handshakeEvidence ?? 'the handshake did not complete';
  }
}

const byVerdict = (body: PcapBody, v: PcapVerdict): PcapFlow[] => body.flows.filter((f) => f.verdict === v);

export const pcapCheck: Check<PcapCheckInput> = {
  name: 'pcap',
  assess({ body }) {
    const out: Finding[] = [];
    const t = body.totals;
    const after = byVerdict(body, 'cleartext-after-starttls');
    if (t['cleartext-after-starttls'] > 0) out.push(makeFinding('pcap.cleartext-after-starttls', { count: t['cleartext-after-starttls'], flows: named(after, t['cleartext-after-starttls']), exposed: after[0] ? exposedText(after[0]) : '' }));
    const auth = body.flows.filter((f) => f.exposed.auth.length > 0);
    if (auth.length) out.push(makeFinding('pcap.auth-in-clear', { count: auth.length, flows: named(auth, auth.length), mechanisms: [...new Set(auth.flatMap((f) => f.exposed.auth))].join(', ') }));
    const retried = body.flows.filter((f) => f.retriedBy !== null);
    if (retried.length) {
      const first = retried[0]!;
      const retry = body.flows.find((f) => f.id === first.retriedBy);
      const pairs = retried.slice(0, 3).map((f) => `${flowLabel(f)} then #${f.retriedBy} in clear`);
      out.push(makeFinding('pcap.clear-retry', { count: retried.length, flows: pairs.join('; ') + (retried.length > 3 ? ` and ${retried.length - 3} more` : ''), exposed: retry ? exposedText(retry) : '', how: first.verdict === 'starttls-refused' ? `STARTTLS refused: ${first.starttls?.reply?.code ?? ''} ${first.starttls?.reply?.text ?? ''}`.trim() : failureText(first) }));
    }
    const failed = byVerdict(body, 'handshake-failed');
    if (t['handshake-failed'] > 0) out.push(makeFinding('pcap.handshake-failed', { count: t['handshake-failed'], flows: named(failed, t['handshake-failed']), how: failed[0] ? failureText(failed[0]) : 'see the flows' }));
    const refused = byVerdict(body, 'starttls-refused');
    if (t['starttls-refused'] > 0) {
      const r = refused[0]?.starttls?.reply;
      out.push(makeFinding('pcap.starttls-refused', { count: t['starttls-refused'], flows: named(refused, t['starttls-refused']), reply: r ? `${r.code} ${r.text}`.slice(0, 200) : 'a refusal' }));
    }
    // A retry in clear is said by pcap.clear-retry: not again as a client that does not use TLS.
    const firstTries = (v: PcapVerdict): [PcapFlow[], number] => {
      const all = byVerdict(body, v);
      const own = all.filter((f) => f.retryOf === null);
      return [own, t[v] - (all.length - own.length)];
    };
    const [notOffered, notOfferedCount] = firstTries('starttls-not-offered');
    if (notOfferedCount > 0) out.push(makeFinding('pcap.starttls-not-offered', { count: notOfferedCount, flows: named(notOffered, notOfferedCount), exposed: notOffered[0] ? exposedText(notOffered[0]) : '' }));
    const [notAttempted, notAttemptedCount] = firstTries('not-attempted');
    if (notAttemptedCount > 0) out.push(makeFinding('pcap.not-attempted', { count: notAttemptedCount, flows: named(notAttempted, notAttemptedCount), exposed: notAttempted[0] ? exposedText(notAttempted[0]) : '' }));
    const old = body.flows.filter((f) => f.tls?.serverHello && OLD.has(f.tls.serverHello.version) && (f.verdict === 'tls' || f.verdict === 'implicit-tls'));
    if (old.length) out.push(makeFinding('pcap.old-protocol', { count: old.length, flows: named(old, old.length), protocols: [...new Set(old.map((f) => f.tls!.serverHello!.version))].join(', ') }));
    if (t.incomplete > 0) out.push(makeFinding('pcap.incomplete', { count: t.incomplete, flows: named(byVerdict(body, 'incomplete'), t.incomplete) }));
    const problems = Object.entries(body.capture.problems).filter(([k, v]) => v && v.count > 0 && k !== 'gap');
    if (problems.length) out.push(makeFinding('pcap.capture-problems', { problems: problems.map(([k, v]) => `${k} ×${v!.count} (${v!.first.slice(0, 120)})`).join('; ') }));
    if (body.flowCount === 0) out.push(makeFinding('pcap.no-smtp', { ports: body.ports.join(', '), packets: body.capture.packets }));
    const good = t.tls + t['implicit-tls'];
    const bad = t['cleartext-after-starttls'] + t['handshake-failed'] + t['starttls-refused'] + t['starttls-not-offered'] + t['not-attempted'];
    if (good > 0 && bad === 0) {
      const versions = [...new Set(body.flows.map((f) => f.tls?.serverHello?.version).filter((v): v is string => typeof v === 'string'))].sort().reverse();
      out.push(makeFinding('pcap.all-tls', { count: good, protocols: versions.join(', ') || 'versions not seen' }));
    }
    return out;
  },
};
