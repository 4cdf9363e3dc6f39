// The sender's client certificate, judged at judging time (so `mxray report --rejudge` judges it
// again): the chain against the trust store with the client purpose (clientAuth, as OpenSSL's
// sslclient purpose checks it), its dates, and whether it names the host the sender greeted as.
// What the listener's own OpenSSL said is a fact of the session, shown in the report's details.
import type { TrustStore } from '../../core/context.js';
import type { CertVerdict, SenderBody } from '../../core/schema.js';
import { parseCertificate } from '../../pki/certificate.js';
import { EKU_NAMES, readElement } from '../../pki/chain-rules.js';
import { verifyChain } from '../../pki/verify.js';
import { fewOf } from '../words.js';
import type { Add } from './add.js';
import { listenerText } from './tls.js';

/** The EHLO name as a name to check ("mail.example.com"), or the address of a literal ("[192.0.2.1]"), or neither. */
function nameToCheck(body: SenderBody): { name: string | null; ip: string | null } {
  const g = body.session.greeting;
  if (g === null) return { name: null, ip: null };
  const literal = /^\[(?:ipv6:)?([^\]]+)\]$/i.exec(g.name);
  if (literal) return { name: null, ip: literal[1]!.toLowerCase() };
  return { name: g.name.toLowerCase().replace(/\.$/, ''), ip: null };
}

/** The client certificate's verdict (purpose client, the EHLO name), or null when none was presented. */
export function clientCertificateVerdict(body: SenderBody, trustStore: TrustStore, now: number): CertVerdict | null {
  const chain = body.session.tls.clientCertificate.chain;
  if (chain.length === 0) return null;
  const { name, ip } = nameToCheck(body);
  return verifyChain({ chain: chain.map((c) => Buffer.from(c, 'base64')), trustStore, now, name, domain: null, ipTarget: ip, purpose: 'client' });
}

/** The leaf's extended key usages by name ("serverAuth, clientAuth"), "none listed (any purpose)" without the extension. */
export function ekuOf(der: Buffer): string {
  const cert = parseCertificate(der);
  if (cert === null) return 'not readable';
  const eku = readElement(cert).eku;
  return eku === null ? 'none listed (any purpose)' : eku.map((o) => EKU_NAMES[o] ?? o).join(', ') || 'empty';
}

const day = (iso: string) => iso.slice(0, 10);

/** The facts every client-certificate finding carries: what the certificate is. */
function certificateFacts(v: CertVerdict, leafDer: Buffer) {
  const leaf = v.path[0] ?? v.sent[0];
  if (!leaf) return { subject: 'an unreadable certificate', issuer: '-', names: '-', notBefore: '-', notAfter: '-', eku: '-', sha256: '-' };
  return {
    subject: (leaf.subject || leaf.commonName || '(empty subject)').slice(0, 300),
    issuer: (leaf.issuer || '(empty issuer)').slice(0, 300),
    names: fewOf([...leaf.dnsNames, ...leaf.ipAddresses], 5) || 'none',
    notBefore: day(leaf.notBefore),
    notAfter: day(leaf.notAfter),
    eku: ekuOf(leafDer),
    sha256: leaf.sha256,
  };
}

/** Why the chain does not verify, apart from its purpose; null when it does. */
function trustProblem(v: CertVerdict, now: number): string | null {
  const reasons: string[] = [];
  const others = v.problems.filter((p) => p.rule !== 'not-for-client-auth');
  if (!v.trusted && v.trustFailure !== 'chain-invalid') reasons.push((v.trustReason ?? v.trustFailure).slice(0, 400));
  else if (others.length) reasons.push(others.slice(0, 2).map((p) => `"${p.subject}": ${p.detail}`).join('; '));
  const leaf = v.path[0];
  if (leaf && v.trustFailure !== 'no-certificate' && !v.timeValid) {
    reasons.push(Date.parse(leaf.notBefore) > now ? `it is valid only from ${day(leaf.notBefore)}` : `it expired on ${day(leaf.notAfter)}`);
  }
  return reasons.length ? reasons.join('; ') : null;
}

export function assessClientCertificate(body: SenderBody, trustStore: TrustStore, now: number, add: Add): void {
  const s = body.session;
  const required = s.listener.policy === 'require-client-cert';
  const v = clientCertificateVerdict(body, trustStore, now);
  if (v === null) {
    if (required) add('sender.client-cert-required', { listener: listenerText(s) });
    // Only when we asked: a sender presents one only then.
    else if (s.tls.established && s.tls.clientCertificate.requested) add('sender.no-client-cert', {});
    return;
  }
  const leafDer = Buffer.from(s.tls.clientCertificate.chain[0]!, 'base64');
  const facts = certificateFacts(v, leafDer);
  const { name, ip } = nameToCheck(body);
  const greeted = name ?? (ip !== null ? `[${ip}]` : 'no name');
  const purpose = v.problems.find((p) => p.rule === 'not-for-client-auth') ?? null;
  const trust = trustProblem(v, now);
  const nameProblem = v.nameMatches === false ? `it does not name ${greeted}` : null;
  if (purpose) add('sender.client-cert-no-clientauth', { ...facts, detail: `${purpose.index === 0 ? '' : `"${purpose.subject}": `}${purpose.detail}`.slice(0, 400) });
  if (required && (trust !== null || purpose !== null)) {
    add('sender.client-cert-rejected', { ...facts, why: [trust, purpose ? 'it is not for client authentication' : null].filter((x) => x !== null).join('; '), listener: listenerText(s) });
    if (nameProblem) add('sender.client-cert-invalid', { ...facts, why: nameProblem, name: greeted });
    return;
  }
  const why = [trust, nameProblem].filter((x) => x !== null);
  if (why.length) add('sender.client-cert-invalid', { ...facts, why: why.join('; '), name: greeted });
  else if (!purpose) add('sender.client-cert-ok', { ...facts, name: greeted });
}
