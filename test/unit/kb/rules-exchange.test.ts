// The Exchange / Exchange Online / Windows rules (kb/error-rules/exchange.ts) on real texts: for
// each, which rules recognise it (the product message first, the validation status it quotes as a
// reason after it), whose fault it is, what the first cause points to, and the confirming command
// with the host, domain or address taken from the text. The texts are Microsoft's (documentation,
// support articles, the Exchange Team Blog, Microsoft Q&A message traces), with their host names
// and addresses varied where the text names one, so that the captures are what is being tested.
import { describe, expect, it } from 'vitest';
import { EXCHANGE_RULES } from '../../../src/kb/error-rules/exchange.js';
import { explainLine } from '../../../src/kb/explain-text.js';

interface Case {
  text: string;
  /** Every rule that recognises the text, in order (a reason rule marked with "(reason)"). */
  ids: string[];
  fault: string;
  /** The first cause's findings, of the first match. */
  findings: string[];
  /** The first match's confirming command. */
  confirm: string;
  /** Captures the first match must have. */
  captures?: Record<string, string>;
}

const ids = (text: string) => explainLine(text).matches.map((m) => (m.rule.reason ? `${m.rule.id}(reason)` : m.rule.id));

const CASES: Case[] = [
  // The texts quoted in issue 21.
  {
    text: "There is no partner connector configured that matched the message's recipient domain",
    ids: ['exchange-online.no-partner-connector'],
    fault: 'receiver',
    findings: [],
    confirm: 'mxray cert <the sending server> --profile exchange-online',
  },
  {
    text: '451 4.4.0 Primary target IP address responded with: "451 5.7.3 STARTTLS is required to send mail."',
    ids: ['exchange.starttls-required'],
    fault: 'either',
    findings: ['starttls.not-offered'],
    confirm: 'mxray check {domain} --dnsbl',
  },
  {
    text: '451 4.4.0 Primary target IP address responded with: "454 4.7.5 Certificate validation failure" Attempted failover to alternate host, but that did not succeed. Reason: UntrustedRoot',
    ids: ['exchange.cert-validation-failure-reply', 'exchange.status-untrusted-root(reason)'],
    fault: 'either',
    findings: ['cert.untrusted-root', 'cert.chain-incomplete'],
    confirm: 'mxray cert {host} --profile exchange-server',
  },
  {
    text: `450 4.4.101 Proxy session setup failed on Frontend with '451 4.4.0 Primary target IP address responded with: "454 4.7.5 Certificate validation failure" Attempted failover to alternate host, but that did not succeed. Either there are no alternate hosts, or delivery failed to all alternate hosts. The last endpoint attempted was 198.51.100.25:25'`,
    ids: ['exchange.cert-validation-failure-reply'],
    fault: 'either',
    findings: ['cert.untrusted-root', 'cert.chain-incomplete'],
    confirm: 'mxray cert 198.51.100.25 --profile exchange-server',
    captures: { host: '198.51.100.25' },
  },
  {
    text: '451 4.4.0 Primary target IP address responded with: "451 5.7.3 Must issue a STARTTLS command first." Attempted failover to alternate host, but that did not succeed.',
    ids: ['exchange-online.must-issue-starttls'],
    fault: 'either',
    findings: ['dnsbl.listed', 'starttls.not-offered'],
    confirm: 'mxray check {domain} --dnsbl',
  },
  {
    text: '450 4.4.317 Cannot connect to remote server [Message=451 5.7.3 STARTTLS is required to send mail] [LastAttemptedServerName=mx.partner.example] [LastAttemptedIP=192.0.2.10:25] [MW2NAM12FT041.eop-nam12.prod.protection.outlook.com]',
    // The inner reply says what failed; Exchange Online's deferral around it is a second message.
    ids: ['exchange.starttls-required', 'exchange-online.cannot-connect-4.4.317'],
    fault: 'either',
    findings: ['starttls.not-offered'],
    confirm: 'mxray check mx.partner.example --dnsbl',
    captures: { host: 'mx.partner.example', ip: '192.0.2.10' },
  },
  {
    text: "The connection to partner.example could not be established because the validation of the Transport Layer Security (TLS) certificate for partner.example failed with status 'UntrustedRoot'",
    ids: ['exchange.certificate-validation-failed', 'exchange.status-untrusted-root(reason)'],
    fault: 'either',
    findings: ['cert.untrusted-root', 'cert.chain-incomplete'],
    confirm: 'mxray cert partner.example --profile exchange-server',
    captures: { domain: 'partner.example', status: 'UntrustedRoot' },
  },
  {
    text: 'TLS negotiation failed with error NoCredentials',
    ids: ['exchange.tls-negotiation-no-credentials'],
    fault: 'sender',
    findings: [],
    confirm: 'mxray cert <the certificate exported with its private key (.pfx)>',
  },
  {
    text: 'TLS negotiation failed with error UnknownCredentials',
    ids: ['exchange.tls-negotiation-unknown-credentials'],
    fault: 'sender',
    findings: [],
    confirm: 'mxray cert <the certificate the send connector presents (.pfx)>',
  },
  {
    text: '550 5.7.51 TenantInboundAttribution; There is a partner connector configured that matched the message\'s recipient domain. The connector had either the RestrictDomainsToIPAddresses or RestrictDomainsToCertificate set [CH3PEPF00000016.namprd21.prod.outlook.com]',
    ids: ['exchange-online.tenant-inbound-attribution'],
    fault: 'sender',
    findings: ['send.client-cert-required', 'cert.name-mismatch'],
    confirm: 'mxray cert {host} --profile exchange-online --name <TlsSenderCertificateName>',
  },
  {
    text: '550 5.7.64 TenantAttribution; Relay Access Denied SMTP.',
    ids: ['exchange-online.tenant-attribution'],
    fault: 'sender',
    findings: ['cert.name-mismatch'],
    confirm: 'mxray cert {host} --profile exchange-online --name <TlsSenderCertificateName>',
  },

  // Exchange Online: connectors, MTA-STS, DANE.
  {
    text: 'Reason: [{LED=450 4.4.317 Cannot connect to remote server [Message=UntrustedRoot] [LastAttemptedServerName=mail.fabrikam.example] [LastAttemptedIP=203.0.113.7:25] [SmtpSecurity=-1;-1]};{MSG=};{FQDN=mail.fabrikam.example};{IP=203.0.113.7}]',
    ids: ['exchange-online.cannot-connect-4.4.317', 'exchange.status-untrusted-root(reason)'],
    fault: 'receiver',
    findings: ['starttls.not-offered', 'tls.handshake-failed'],
    confirm: 'mxray check mail.fabrikam.example',
    captures: { why: 'UntrustedRoot', host: 'mail.fabrikam.example', ip: '203.0.113.7' },
  },
  {
    text: 'LED=450 4.4.317 Cannot connect to remote server [Message=451 4.4.0 TLS negotiation failed with error SocketError] [LastAttemptedServerName=hybrid.fabrikam.example] [LastAttemptedIP=203.0.113.8:25]',
    ids: ['exchange.tls-negotiation-failed', 'exchange-online.cannot-connect-4.4.317'],
    fault: 'either',
    findings: ['tls.old-protocol', 'tls.no-shared-cipher'],
    confirm: 'mxray check hybrid.fabrikam.example',
    captures: { why: 'SocketError' },
  },
  {
    text: 'Reason: [{LED=450 4.7.320 Certificate validation failed [Message=SubjectMismatch] [LastAttemptedServerName=mail.fabrikam.example] [LastAttemptedIP=172.16.254.1:25]}',
    ids: ['exchange-online.certificate-validation-failed-4.7.320', 'exchange.status-subject-mismatch(reason)'],
    fault: 'receiver',
    findings: ['cert.name-mismatch'],
    confirm: 'mxray cert mail.fabrikam.example --profile exchange-online',
    captures: { why: 'SubjectMismatch', host: 'mail.fabrikam.example', ip: '172.16.254.1' },
  },
  {
    text: '450 4.4.318 Connection was closed abruptly [LastAttemptedServerName=mx1.fabrikam.example]',
    ids: ['exchange-online.connection-closed-4.4.318'],
    fault: 'path',
    findings: ['starttls.masked', 'smtp.banner-masked'],
    confirm: 'mxray check mx1.fabrikam.example',
  },
  {
    text: '550 5.4.8 MX hosts of fabrikam.example failed MTA-STS validation',
    ids: ['exchange-online.mta-sts-mx'],
    fault: 'receiver',
    findings: ['mta-sts.mx-not-covered', 'mta-sts.enforce-blocks-delivery'],
    confirm: 'mxray posture fabrikam.example',
    captures: { domain: 'fabrikam.example' },
  },
  {
    text: '451 4.7.5 Remote certificate failed MTA-STS validation. Reason: SubjectMismatch',
    ids: ['exchange-online.mta-sts-certificate', 'exchange.status-subject-mismatch(reason)'],
    fault: 'receiver',
    findings: ['cert.chain-incomplete', 'cert.untrusted-root', 'cert.self-signed'],
    confirm: 'mxray check {domain}',
    captures: { why: 'SubjectMismatch' },
  },
  {
    text: '451 4.7.321 starttls-not-supported: Destination mail server must support TLS to receive mail.',
    ids: ['exchange-online.dane-starttls-not-supported'],
    fault: 'receiver',
    findings: ['dane.no-tls', 'starttls.not-offered'],
    confirm: 'mxray check {domain}',
  },
  {
    text: "550 5.7.322 certificate-expired: Destination mail server's certificate is expired.",
    ids: ['exchange-online.dane-certificate-expired'],
    fault: 'receiver',
    findings: ['cert.expired'],
    confirm: 'mxray check {domain}',
  },
  {
    text: '550 5.7.323 tlsa-invalid: The domain failed DANE validation.',
    ids: ['exchange-online.dane-tlsa-invalid'],
    fault: 'receiver',
    findings: ['dane.no-match', 'dane.no-rollover'],
    confirm: 'mxray check {domain}',
  },
  {
    text: '451 4.7.324 dnssec-invalid: Destination domain returned invalid DNSSEC records',
    ids: ['exchange-online.dane-dnssec-invalid'],
    fault: 'receiver',
    findings: ['dane.bogus'],
    confirm: 'mxray check {domain}',
  },
  {
    text: '550 5.7.325 certificate-host-mismatch: Remote certificate MUST have a common name or subject alternative name matching the hostname (DANE)',
    ids: ['exchange-online.dane-certificate-host-mismatch'],
    fault: 'receiver',
    findings: ['dane.ta-name-mismatch', 'cert.name-mismatch'],
    confirm: 'mxray check {domain}',
  },
  {
    text: '550 5.7.64 Relay Access Denied ATTR36. For more details please refer to: https://support.microsoft.com/kb/3169958',
    ids: ['exchange-online.tenant-attribution'],
    fault: 'sender',
    findings: ['cert.name-mismatch'],
    confirm: 'mxray cert {host} --profile exchange-online --name <TlsSenderCertificateName>',
  },

  // Exchange Server: queue errors and protocol-log lines.
  {
    text: '454 4.7.5 Certificate validation failure, reason:untrustedroot};{MSG=};{FQDN=fabrikam-mail-onmicrosoft-com.mail.protection.outlook.com};{IP=52.101.194.15};{LRT=1/29/2025 7:07:29 PM}]',
    ids: ['exchange.cert-validation-failure-reply', 'exchange.status-untrusted-root(reason)'],
    fault: 'either',
    findings: ['cert.untrusted-root', 'cert.chain-incomplete'],
    confirm: 'mxray cert fabrikam-mail-onmicrosoft-com.mail.protection.outlook.com --profile exchange-server',
  },
  {
    text: '454 4.7.5 The certificate specified in TlsCertificateName of the SendConnector could not be found.',
    ids: ['exchange.tls-certificate-name-not-found'],
    fault: 'sender',
    findings: [],
    confirm: 'mxray cert <the certificate the send connector should present (.pfx)>',
  },
  {
    text: '2019-05-02T06:32:14.804Z,Outbound to Office 365,08D50D3D9730A8D2,21,10.10.248.7:16547,203.0.113.34:25,*,,TLS negotiation failed with error UnknownCredentials',
    ids: ['exchange.tls-negotiation-unknown-credentials'],
    fault: 'sender',
    findings: [],
    confirm: 'mxray cert <the certificate the send connector presents (.pfx)>',
  },
  {
    text: '451 4.4.0 Primary target IP address responded with: "421 4.4.1 Connection timed out." Attempted failover to alternate host, but that did not succeed. Either there are no alternate hosts, or delivery failed to all alternate hosts. The last endpoint attempted was 203.0.113.9:25',
    ids: ['exchange.primary-target-connection-timed-out'],
    fault: 'either',
    findings: [],
    confirm: 'mxray check 203.0.113.9',
  },

  // Exchange Server: transport events.
  {
    text: "Microsoft Exchange could not find a certificate that contains the domain name mail1.fabrikam.example in the personal store on the local computer. Therefore, it is unable to support the STARTTLS SMTP verb for the connector Default internal receive connector MAILGATE with a FQDN parameter of mail1.fabrikam.example.",
    ids: ['exchange.event-12014'],
    fault: 'receiver',
    findings: ['starttls.not-offered'],
    confirm: 'mxray check mail1.fabrikam.example',
    captures: { host: 'mail1.fabrikam.example' },
  },
  {
    text: 'Microsoft Exchange could not find a certificate that contains the domain name <I>CN=R3, O=Let\'s Encrypt, C=US<S>CN=hybrid.fabrikam.example in the personal store on the local computer.',
    ids: ['exchange.event-12014'],
    fault: 'receiver',
    findings: ['starttls.not-offered'],
    confirm: 'mxray check hybrid.fabrikam.example',
    captures: { host: 'hybrid.fabrikam.example' },
  },
  {
    text: 'Log Name: Application Source: MSExchangeFrontEndTransport Event ID: 12014 Task Category: TransportService Level: Error',
    ids: ['exchange.event-12014'],
    fault: 'receiver',
    findings: ['starttls.not-offered'],
    confirm: 'mxray check {host}',
  },
  {
    text: 'There is no valid SMTP Transport Layer Security (TLS) certificate for the FQDN of zoo.hq.fabrikam.example. The existing certificate for that FQDN has expired.',
    ids: ['exchange.event-12016'],
    fault: 'receiver',
    findings: ['cert.expired'],
    confirm: 'mxray cert zoo.hq.fabrikam.example',
  },
  {
    text: 'The STARTTLS certificate will expire soon: subject: CN=mail.fabrikam.example, thumbprint: 78E1BE82F683EE6D8CB9B9266FC1185AE0890C41, hours remaining: 71.',
    ids: ['exchange.event-12018'],
    fault: 'receiver',
    findings: ['cert.expiring-soon'],
    confirm: 'mxray cert mail.fabrikam.example',
  },
  {
    text: 'An internal transport certificate expired. Thumbprint:78E1BE82F683EE6D8CB9B9266FC1185AE0890C41',
    ids: ['exchange.event-12015'],
    fault: 'either',
    findings: ['cert.expired'],
    confirm: 'mxray cert <this server’s FQDN>',
  },
  {
    text: 'The remote internal transport certificate expired. Certificate subject: CN=edge02.fabrikam.example.',
    ids: ['exchange.event-12019'],
    fault: 'either',
    findings: ['cert.expired'],
    confirm: 'mxray cert edge02.fabrikam.example',
  },
  {
    text: 'Microsoft Exchange could not load the certificate with thumbprint of 78E1BE82F683EE6D8CB9B9266FC1185AE0890C41 from the personal store on the local computer.',
    ids: ['exchange.internal-transport-certificate-unloadable'],
    fault: 'either',
    findings: [],
    confirm: 'mxray cert <the certificate with that thumbprint (.pfx)>',
  },
  {
    text: 'Source: MSExchangeTransport Event ID: 12012 The internal transport certificate that is used for SMTP authentication by Microsoft Exchange could not be read from Active Directory.',
    ids: ['exchange.event-12012'],
    fault: 'either',
    findings: [],
    confirm: 'mxray cert <this server’s FQDN>',
  },
  {
    text: 'The certificate status could not be determined because the revocation check failed.',
    ids: ['exchange.revocation-check-failed'],
    fault: 'either',
    findings: ['cert.crl-unreachable'],
    confirm: 'mxray cert <this server’s FQDN>',
  },
  {
    text: "A message from domain-secured domain 'partner.example' on connector 'Domain Secure Receive' could not be authenticated because the server did not use Transport Layer Security (TLS). Contact the administrator for partner.example to resolve the problem.",
    ids: ['exchange.event-11012'],
    fault: 'sender',
    findings: ['policy.requires-tls'],
    confirm: 'mxray check <your MX host>',
    captures: { domain: 'partner.example' },
  },
  {
    text: "A message from domain-secured domain 'partner.example' on connector 'Domain Secure Receive' failed to authenticate because the Transport Layer Security (TLS) certificate does not contain the domain name.",
    ids: ['exchange.event-11015'],
    fault: 'sender',
    findings: ['cert.domain-mismatch', 'cert.name-mismatch'],
    confirm: 'mxray cert partner.example --name partner.example',
  },
  {
    text: "Failed to confirm domain capabilities 'AcceptCloudServicesMail' on connector 'EX02\\Default Frontend EX02' because validation of the Transport Layer Security (TLS) certificate failed with status 'CertificateExpired'. Contact the administrator of 'mail.protection.outlook.com' to resolve the problem.",
    ids: ['exchange.event-11022', 'exchange.status-certificate-expired(reason)'],
    fault: 'either',
    findings: ['cert.untrusted-root', 'cert.chain-incomplete'],
    confirm: 'mxray cert mail.protection.outlook.com --profile exchange-server',
    captures: { status: 'CertificateExpired', domain: 'mail.protection.outlook.com' },
  },

  // Windows Schannel.
  {
    text: 'A fatal alert was received from the remote endpoint. The TLS protocol defined fatal alert code is 48.',
    ids: ['windows.schannel-alert-received'],
    fault: 'either',
    findings: ['tls.old-protocol', 'tls.no-shared-cipher'],
    confirm: 'mxray check <the peer’s host>',
    captures: { num: '48' },
  },
  {
    text: 'A fatal alert was generated and sent to the remote endpoint. This may result in termination of the connection. The TLS protocol defined fatal error code is 40. The SChannel error state is 1205.',
    ids: ['windows.schannel-alert-generated'],
    fault: 'either',
    findings: ['tls.old-protocol'],
    confirm: 'mxray check <the peer’s host>',
    captures: { num: '40' },
  },
  {
    text: 'An TLS 1.0 connection request was received from a remote client application, but none of the cipher suites supported by the client application are supported by the server. The TLS connection request has failed.',
    ids: ['windows.schannel-no-common-cipher'],
    fault: 'either',
    findings: ['tls.old-protocol', 'tls.no-shared-cipher'],
    confirm: 'mxray check <this server’s host>',
    captures: { why: 'TLS 1.0' },
  },
];

/** The validation statuses, each under a message that names the host, so the reason's command names it too. */
const STATUSES: [status: string, id: string, findings: string[]][] = [
  ['UntrustedRoot', 'exchange.status-untrusted-root', ['cert.chain-incomplete']],
  ['SubjectMismatch', 'exchange.status-subject-mismatch', ['cert.name-mismatch']],
  ['CertificateExpired', 'exchange.status-certificate-expired', ['cert.expired']],
  ['SignatureFailure', 'exchange.status-signature-failure', ['cert.bad-signature', 'cert.chain-incomplete']],
  ['WrongUsage', 'exchange.status-wrong-usage', ['cert.not-for-server-auth', 'cert.client-auth-ending']],
  ['PurposeError', 'exchange.status-wrong-usage', ['cert.not-for-server-auth', 'cert.client-auth-ending']],
  ['EmptyCertificate', 'exchange.status-empty-certificate', ['send.client-cert-required']],
  ['ValidSelfSigned', 'exchange.status-valid-self-signed', ['cert.self-signed']],
  // The status words issue 21 quotes, and the Windows chain engine's names for the same.
  ['Expired', 'exchange.status-certificate-expired', ['cert.expired']],
  ['NotTimeValid', 'exchange.status-certificate-expired', ['cert.expired']],
  ['CNNotMatch', 'exchange.status-subject-mismatch', ['cert.name-mismatch']],
  ['RevocationOffline', 'exchange.status-revocation-offline', []],
  ['OfflineRevocation', 'exchange.status-revocation-offline', []],
  ['PartialChain', 'exchange.status-partial-chain', ['cert.chain-incomplete']],
  ['Revoked', 'exchange.status-revoked', ['cert.revoked']],
];

describe('the Exchange rules on real texts', () => {
  it.each(CASES.map((c) => [c.text.slice(0, 70), c] as const))('%s', (_, c) => {
    const e = explainLine(c.text);
    expect(ids(c.text)).toEqual(c.ids);
    const first = e.matches[0];
    expect(first?.rule.fault).toBe(c.fault);
    expect(first?.rule.causes[0]?.findings).toEqual(c.findings);
    expect(first?.confirm).toBe(c.confirm);
    if (c.captures) expect(first?.captures).toMatchObject(c.captures);
  });

  it.each(STATUSES)('status %s: the reason rule under Exchange Online’s deferral, its command naming the host the deferral names', (status, id, findings) => {
    const e = explainLine(`450 4.4.317 Cannot connect to remote server [Message=${status}] [LastAttemptedServerName=smtp.partner.example] [LastAttemptedIP=198.51.100.4:25]`);
    expect(ids(e.text)).toEqual(['exchange-online.cannot-connect-4.4.317', `${id}(reason)`]);
    const reason = e.matches[1];
    expect(reason?.rule.causes[0]?.findings).toEqual(findings);
    expect(reason?.confirm).toBe('mxray cert smtp.partner.example --profile exchange-online --profile exchange-server');
  });

  it('a status quoted in the "certificate for <domain>" wording: the reason captures the domain itself', () => {
    const e = explainLine("the validation of the Transport Layer Security (TLS) certificate for mx.partner.example failed with status 'SubjectMismatch'");
    expect(e.matches.map((m) => [m.rule.id, m.captures.domain, m.confirm])).toEqual([
      ['exchange.certificate-validation-failed', 'mx.partner.example', 'mxray cert mx.partner.example --profile exchange-server'],
      ['exchange.status-subject-mismatch', 'mx.partner.example', 'mxray cert mx.partner.example --profile exchange-online --profile exchange-server'],
    ]);
  });

  it('every rule of the file is asserted above on a text of its own', () => {
    const asserted = new Set([...CASES.flatMap((c) => c.ids.map((i) => i.replace('(reason)', ''))), ...STATUSES.map((s) => s[1])]);
    expect(EXCHANGE_RULES.map((r) => r.id).filter((id) => !asserted.has(id))).toEqual([]);
  });

  it('texts that only look alike are not claimed', () => {
    // Direct Send refused (5.7.68) is not a TLS matter; the partner-connector rule is 5.7.51 only.
    expect(ids('550 5.7.68 TenantInboundAttribution; Direct Send not allowed for this organization from unauthorized sources')).toEqual([]);
    // The generic TLS-negotiation rule leaves the two documented errors to their own rules.
    expect(ids('TLS negotiation failed with error NoCredentials')).not.toContain('exchange.tls-negotiation-failed');
    // A status word outside the frames Exchange quotes it in is not a status.
    expect(ids('UntrustedRoot')).toEqual([]);
    // An internal transport certificate (12015) is not the remote one (12019), and neither is the other.
    expect(ids('The remote internal transport certificate expired. Certificate subject: CN=edge01.')).toEqual(['exchange.event-12019']);
    // The event id alone, under another source, on another number.
    expect(ids('Event ID: 120140')).toEqual([]);
  });

  it('every pattern ends quickly on hostile lines (16 KiB made of its own keywords and fragments)', () => {
    const fragments = [
      'certificate for ',
      'a.',
      '[Message=',
      ']',
      ' [LastAttemptedServerName=',
      'The last endpoint attempted was ',
      '<I>',
      "on connector '",
      'Event ID: ',
      ' ',
      '1',
      "failed with status '",
      'reason: ',
      '{FQDN=',
      '4.7.5 Certificate validation failure ',
      'MX hosts of ',
    ];
    const hostile: string[] = [];
    for (const r of EXCHANGE_RULES) {
      for (const k of r.keywords) {
        hostile.push(`${k} ${'a'.repeat(16_000)}`);
        hostile.push(`${k}${' a.'.repeat(5_000)}`);
        for (const f of fragments) hostile.push(`${k}${f.repeat(Math.ceil(16_000 / f.length))}`.slice(0, 16 * 1024));
      }
    }
    for (const line of hostile) {
      for (const r of EXCHANGE_RULES) {
        for (const p of r.patterns) {
          // Ends (a catastrophic pattern would hold the test past its time-out); the bound itself is the lint step's (scripts/check-patterns.js) and bench/explain.js measures the worst line.
          expect(() => p.exec(line), `${r.id} ${p.source.slice(0, 60)} on ${line.slice(0, 40)}…`).not.toThrow();
        }
      }
    }
  });
});
