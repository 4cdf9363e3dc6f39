// Exchange Server, Exchange Online / EOP and the Windows pieces under them (the certificate
// validation statuses Exchange quotes, Schannel's events): their TLS- and certificate-related
// replies, NDR codes, queue errors and event-log texts.
//
// Layers: a product message says what failed ("450 4.4.317 Cannot connect to remote server
// [Message=…]", "454 4.7.5 Certificate validation failure", event 11022 …); the certificate
// validation status it quotes (UntrustedRoot, SubjectMismatch, CertificateExpired …, the values of
// Exchange's CertificateValidationStatus) is a rule of its own marked `reason`, so one status rule
// explains it under every message that quotes it. Wrapped replies ("451 4.4.0 Primary target IP
// address responded with: "…"", "450 4.4.101 Proxy session setup failed on Frontend with '…'") have
// no rule of their own: the engine decodes every code and takes the innermost as the root, and the
// rule for the inner text recognises it wherever it sits.
import { HOST, IP, re, type ErrorRule } from './rule.js';

/** A mail domain a text names (the confirming command's {domain}). */
const DOMAIN = '(?<domain>[A-Za-z0-9][A-Za-z0-9.-]{0,252})';

/** What Exchange Online appends to a deferral: the server it tried last and its address (with the port). */
const EXO_TARGET = `(?: \\[LastAttemptedServerName=${HOST}\\])?(?: \\[LastAttemptedIP=${IP}(?::[0-9]{1,5})?\\])?`;

/** Where an Exchange wrapper names the last address it tried: "… The last endpoint attempted was 192.0.2.25:25'". */
const LAST_ENDPOINT = `.{0,400}?The last endpoint attempted was ${HOST}`;

/** An event as the log shows it: "Event ID: 12014" (with Windows' padding) or "MSExchangeTransport 12014". */
const eventId = (id: number): RegExp => re(`\\b(?:Event ID:?\\s{0,8}|MSExchange(?:FrontEnd)?Transport[\\s,]{1,4})${id}\\b`);

/** A certificate validation status as Exchange quotes it: in "… certificate for <domain> failed with status '<s>'", "[Message=<s>", "reason:<s>". */
const statusPatterns = (names: string): RegExp[] => [
  re(`certificate for ${DOMAIN} failed with status '(?:${names})'`),
  re(`status '(?:${names})'`),
  re(`\\[Message=(?:${names})[\\] ]`),
  // Exchange Online's "{reason:untrustedroot};{MSG=}…": the status ends at its brace (a password "reason: expired" is not one).
  re(`reason: ?(?:${names})(?:[};'".]|$)`),
];

const CERT_VALIDATION_STATUS_REF = 'Microsoft Learn: CertificateValidationStatus enumeration (Microsoft.Exchange.Data.Transport)';
const TROUBLESHOOT_VALIDATION_REF = 'Microsoft Learn: Troubleshooting Certificate Validation Errors (Exchange Server 2010)';
const HYBRID_TLS_BLOG = 'Exchange Team Blog: TLS Certificates in Exchange Hybrid - Common Issues & How to Fix them (2025)';
const NDR_EXO = 'Microsoft Learn: Email non-delivery reports and SMTP errors in Exchange Online';
const MFI = 'Microsoft Learn: Mail flow intelligence in EOP';
/** The Windows chain engine's status names (PartialChain, OfflineRevocation, RevocationStatusUnknown, NotTimeValid, Revoked …) that Exchange passes on. */
const X509_CHAIN_STATUS_REF = 'Microsoft Learn: X509ChainStatusFlags Enum (System.Security.Cryptography.X509Certificates)';
/** The status words of the issue that asked for these rules, as administrators quote them. */
const ISSUE_QUOTE = 'Status names as quoted from Exchange’s "failed with status" texts in mxray issue 21';
/** The stored copies of Microsoft's pages predate the MTA-STS rows; this issue quotes them from the live table. */
const MTA_STS_TABLE = 'sisimai/p5-sisimai issue 550: "MTA-STS related error codes in Exchange Online" (quotes the 4.4.8, 5.4.8, 4.7.5, 5.7.5 rows of Microsoft’s table)';

export const EXCHANGE_RULES: readonly ErrorRule[] = [
  // ── Replies Exchange and Exchange Online give about STARTTLS ─────────────────────────────────
  {
    id: 'exchange.starttls-required',
    platform: 'exchange',
    keywords: ['starttls is required to send mail'],
    patterns: [
      re(`\\[Message=451 5\\.7\\.3 STARTTLS is required to send mail\\]${EXO_TARGET}`),
      re(`\\b451 5\\.7\\.3 STARTTLS is required to send mail${LAST_ENDPOINT}`),
      // As a sender's NDR quotes it (some put it under their own 5xx): the words and the status are Exchange's.
      re(`\\b[45][0-9]{2}[ -]5\\.7\\.3 STARTTLS is required to send mail${EXO_TARGET}`),
    ],
    meaning:
      'An Exchange receive connector that requires TLS got a mail command without STARTTLS first. The sender may never have been offered STARTTLS: a receive connector whose certificate is missing (TlsCertificateName naming a removed certificate, or no certificate enabled for SMTP) stops advertising STARTTLS, and then refuses the cleartext mail it asked for. Exchange Online shows it as "450 4.4.317 Cannot connect to remote server [Message=451 5.7.3 …]", Exchange Server as "451 4.4.0 Primary target IP address responded with: …".',
    fault: 'either',
    causes: [
      { cause: 'The receiving Exchange server no longer offers STARTTLS: its certificate was renewed or removed and the receive connector’s TlsCertificateName (or the certificate enabled for SMTP) no longer matches — event 12014 on that server.', findings: ['starttls.not-offered'] },
      { cause: 'The sending server does not use STARTTLS towards this receiver (a send connector or relay without TLS).', findings: ['policy.requires-tls'] },
      { cause: 'A firewall’s SMTP inspection hides the STARTTLS offer.', findings: ['starttls.masked'] },
    ],
    confirm: 'mxray check {domain} --dnsbl',
    fixes: {
      exchange: [
        'Receiver: Enable-ExchangeCertificate -Thumbprint <t> -Services SMTP for the renewed certificate, then set the receive connector’s TlsCertificateName to it ("<I>$($cert.Issuer)<S>$($cert.Subject)") or clear it (Set-ReceiveConnector … -TlsCertificateName $null) and rerun the Hybrid Configuration Wizard.',
        'Sender: make the send connector use TLS (Set-SendConnector <name> -RequireTLS $true).',
      ],
      'exchange-online': ['If Exchange Online is the sender, check with mxray check that the on-premises server offers STARTTLS and presents the certificate the outbound connector’s TlsDomain names.'],
    },
    refs: ['Microsoft Learn: Can’t receive mail in a hybrid environment after you install a new certificate on the server (KB 2989382)', HYBRID_TLS_BLOG, 'RFC 3207 §4'],
    samples: [
      '450 4.4.101 Proxy session setup failed on Frontend with \'451 4.4.0 Primary target IP address responded with "451 5.7.3 STARTTLS is required to send mail." Attempted failover to alternate host, but that did not succeed. Either there are no alternate hosts, or delivery failed to all alternate hosts. The last endpoint attempted was 192.0.2.25:25\'.',
      '451 5.7.3 STARTTLS is required to send mail',
    ],
  },
  {
    id: 'exchange-online.must-issue-starttls',
    platform: 'exchange-online',
    keywords: ['must issue a starttls command first'],
    patterns: [re(`\\b5\\.7\\.3 Must issue a STARTTLS command first${LAST_ENDPOINT}`), re('\\b5\\.7\\.3 Must issue a STARTTLS command first')],
    meaning:
      'Exchange Online (EOP) wants TLS from this sender and got a mail command in clear text. It is misleading: EOP does not offer STARTTLS to a sending address on a block list, so a sender that always uses STARTTLS when offered gets this too — its protocol log shows an EHLO reply without STARTTLS.',
    fault: 'either',
    causes: [
      { cause: 'The sending address is on a block list (Microsoft’s case: the CBL), and EOP stopped offering STARTTLS to it.', findings: ['dnsbl.listed', 'starttls.not-offered'] },
      { cause: 'The sender does not use STARTTLS (a connector or relay configured without TLS), while an inbound connector requires it.', findings: ['policy.requires-tls'] },
      { cause: 'A firewall between them hides the STARTTLS offer.', findings: ['starttls.masked'] },
    ],
    confirm: 'mxray check {domain} --dnsbl',
    fixes: {
      exchange: ['Look at the send connector’s protocol log (Set-SendConnector <name> -ProtocolLoggingLevel Verbose): no 250-STARTTLS in the EHLO reply means EOP did not offer it — check the sending address with mxray blocklist and have it delisted.'],
      any: ['If STARTTLS is missing only for you, your address is listed: delist it; otherwise enable TLS on the sending side.'],
    },
    refs: ['Microsoft (TechNet archive, John Bai): O365: On-Premises Transport Queuing Lessons Learned from CBL', 'RFC 3207 §4'],
    samples: [
      '451 4.4.0 Primary target IP address responded with: "451 5.7.3 Must issue a STARTTLS command first." Attempted failover to alternate host, but that did not succeed. Either there are no alternate hosts, or delivery failed to all alternate hosts.',
    ],
  },

  // ── Exchange Server: replies and queue errors when its own TLS fails ──────────────────────────
  {
    id: 'exchange.cert-validation-failure-reply',
    platform: 'exchange',
    keywords: ['4.7.5 certificate validation failure'],
    patterns: [
      re(`\\b4\\.7\\.5 Certificate validation failure.{0,400}?\\{FQDN=${HOST}\\}`),
      re(`\\b4\\.7\\.5 Certificate validation failure${LAST_ENDPOINT}`),
      re('\\b4\\.7\\.5 Certificate validation failure'),
    ],
    meaning:
      'The TLS certificate of the other side did not validate for a connector that requires a validated certificate (a send connector with TlsAuthLevel CertificateValidation or DomainValidation, as the hybrid connector to Exchange Online is). The reason after it (e.g. "reason:untrustedroot") is the certificate validation status. Exchange shows it in the queue, or wrapped: "451 4.4.0 Primary target IP address responded with: "454 4.7.5 …"".',
    fault: 'either',
    causes: [
      { cause: 'The chain does not reach a root the validating server trusts: the peer sends no intermediates, or the validating Exchange server lacks the root (for Exchange Online: the Microsoft 365 certificate chains).', findings: ['cert.untrusted-root', 'cert.chain-incomplete'] },
      { cause: 'The certificate does not name the host or domain the connector expects (TlsDomain / TlsCertificateName).', findings: ['cert.name-mismatch'] },
      { cause: 'The certificate expired.', findings: ['cert.expired'] },
    ],
    confirm: 'mxray cert {host} --profile exchange-server',
    fixes: {
      exchange: [
        'Install the missing root and intermediate certificates on the Exchange server (for Exchange Online, the Microsoft 365 certificate chains), then restart the Microsoft Exchange Transport and Frontend Transport services.',
        'Check the send connector: Get-SendConnector | fl Name,TlsAuthLevel,TlsDomain,TlsCertificateName.',
      ],
      any: ['Receiver: send the full chain (leaf and intermediates).'],
    },
    refs: ['Microsoft Q&A: Hybrid environment problem Ex2019 - Exchange Online 365 (queue LastError quoted, Microsoft moderator’s answer)', TROUBLESHOOT_VALIDATION_REF],
    samples: ['454 4.7.5 Certificate validation failure, reason:untrustedroot};{MSG=};{FQDN=contoso-mail-onmicrosoft-com.mail.protection.outlook.com};{IP=192.0.2.10}'],
  },
  {
    id: 'exchange.tls-certificate-name-not-found',
    platform: 'exchange',
    keywords: ['tlscertificatename of the sendconnector'],
    patterns: [re('\\b4\\.7\\.5 The certificate specified in TlsCertificateName of the SendConnector could not be found')],
    meaning:
      'The send connector names a certificate (TlsCertificateName "<I>issuer<S>subject") that is not on this server or is not valid: Exchange does not connect, and the mail waits in the queue. Typical after a certificate renewal whose issuer or subject changed.',
    fault: 'sender',
    causes: [
      { cause: 'The certificate was renewed or replaced, and the send connector still names the old issuer/subject.', findings: [] },
      { cause: 'The certificate it names is on another server only, or has expired.', findings: ['cert.expired'] },
    ],
    confirm: 'mxray cert <the certificate the send connector should present (.pfx)>',
    fixes: {
      exchange: [
        '$cert = Get-ExchangeCertificate -Thumbprint <new thumbprint>; Set-SendConnector "<name>" -TlsCertificateName "<I>$($cert.Issuer)<S>$($cert.Subject)"',
        'Hybrid: rerun the Hybrid Configuration Wizard with "Update Secure Mail Certificate for Connectors".',
      ],
    },
    refs: [HYBRID_TLS_BLOG],
    samples: ['454 4.7.5 The certificate specified in TlsCertificateName of the SendConnector could not be found.'],
  },
  {
    id: 'exchange.tls-negotiation-no-credentials',
    platform: 'exchange',
    keywords: ['tls negotiation failed with error nocredentials'],
    patterns: [re('TLS negotiation failed with error NoCredentials\\b')],
    meaning:
      'Exchange (in the send connector’s protocol log) could not start TLS because the certificate it is told to present has no usable private key. The queue meanwhile shows only a time-out ("421 4.4.1 Connection timed out").',
    fault: 'sender',
    causes: [
      { cause: 'The certificate used for outbound TLS (the one TlsCertificateName names) is missing its private key — imported without it, or its key is not readable by the transport service.', findings: [] },
      { cause: 'The connector names a certificate by issuer and subject, and the copy found first on this server is one without a key.', findings: [] },
    ],
    confirm: 'mxray cert <the certificate exported with its private key (.pfx)>',
    fixes: {
      exchange: [
        'Get-ChildItem Cert:\\LocalMachine\\My | where Thumbprint -eq <t> | select Thumbprint,HasPrivateKey; remove the copy without a key, import the certificate with its key, Enable-ExchangeCertificate -Thumbprint <t> -Services SMTP, then retry the queue (Get-Queue | where Status -eq Retry | Retry-Queue).',
      ],
    },
    refs: ['Microsoft Learn: TLS negotiation failed with error NoCredentials error if messages to external domains are deferred (KB 4495258)'],
    samples: ['Date/Time.ConnectorId,Outbound to Office 365,SessionId,22,192.168.0.78:28252,172.16.38.36:25,*,,TLS negotiation failed with error NoCredentials', 'TLS negotiation failed with error NoCredentials'],
  },
  {
    id: 'exchange.tls-negotiation-unknown-credentials',
    platform: 'exchange',
    keywords: ['tls negotiation failed with error unknowncredentials'],
    patterns: [re('TLS negotiation failed with error UnknownCredentials\\b')],
    meaning:
      'Exchange (in the send connector’s protocol log) could not use the certificate it selected for TLS: the certificate, typically a third-party one, is not bound to the SMTP service. The queue shows only "451 4.4.0 Primary target IP address responded with: "421 4.4.1 Connection timed out."".',
    fault: 'sender',
    causes: [{ cause: 'The third-party certificate installed on the Exchange server is not enabled for the SMTP service.', findings: [] }],
    confirm: 'mxray cert <the certificate the send connector presents (.pfx)>',
    fixes: {
      exchange: [
        'Find the thumbprint in the send connector’s protocol log (Set-SendConnector <name> -ProtocolLoggingLevel Verbose), then Enable-ExchangeCertificate -Thumbprint <t> -Services SMTP (answer No to replacing the default certificate).',
      ],
    },
    refs: ['Microsoft Learn: Outbound email messages are not sent on the Exchange Hub Transport or Edge server (KB 4051498)'],
    samples: ['2017-10-07T04:42:56.804Z,Outbound to Office 365,08D50D3D9730A8D2,21,10.10.248.7:16547,216.32.181.234:25,*,,TLS negotiation failed with error UnknownCredentials'],
  },
  {
    id: 'exchange.tls-negotiation-failed',
    platform: 'exchange',
    keywords: ['tls negotiation failed with error'],
    patterns: [
      re(`\\[Message=451 4\\.4\\.0 TLS negotiation failed with error (?!NoCredentials\\b|UnknownCredentials\\b)(?<why>[A-Za-z]{3,40})\\]${EXO_TARGET}`),
      re('TLS negotiation failed with error (?!NoCredentials\\b|UnknownCredentials\\b)(?<why>[A-Za-z]{3,40})'),
    ],
    meaning:
      'An Exchange server could not complete the TLS handshake; the word after "error" is Windows’ (Schannel’s) reason. Exchange Online reports its own attempts as "450 4.4.317 Cannot connect to remote server [Message=451 4.4.0 TLS negotiation failed with error …]". SocketError means the connection broke during the handshake.',
    fault: 'either',
    causes: [
      { cause: 'The two sides share no TLS version or cipher suite (an Exchange server without TLS 1.2 enabled, for one).', findings: ['tls.old-protocol', 'tls.no-shared-cipher'] },
      { cause: 'The connection breaks during the handshake: a firewall or SMTP proxy in between.', findings: ['tls.handshake-failed', 'starttls.masked'] },
      { cause: 'The receiving server refused the certificate presented, or its own.', findings: ['tls.handshake-failed'] },
    ],
    confirm: 'mxray check {host}',
    fixes: {
      exchange: ['Enable TLS 1.2 for Schannel and .NET on every Exchange server (the Exchange Server TLS guidance), and compare the protocol logs of both sides.'],
    },
    refs: ['Microsoft Q&A: Lost connectivity between Exchange 2013 on prem and Office 365 in a hybrid environment (message trace quoted)', 'Exchange Team Blog: Exchange Server TLS Guidance, Part 1: Getting Ready for TLS 1.2'],
    samples: ['TLS negotiation failed with error SocketError'],
  },
  {
    id: 'exchange.primary-target-connection-timed-out',
    platform: 'exchange',
    keywords: ['4.4.1 connection timed out'],
    patterns: [re(`\\b421 4\\.4\\.1 Connection timed out\\.?"? Attempted failover to alternate host${LAST_ENDPOINT}`), re('\\b421 4\\.4\\.1 Connection timed out\\.?"? Attempted failover to alternate host')],
    meaning:
      'Exchange Server’s queue reports that every host it tried timed out. When the port is reachable (telnet to it works), Microsoft documents this as the face of a TLS failure on the send connector: its protocol log then says "TLS negotiation failed with error NoCredentials" or "UnknownCredentials".',
    fault: 'either',
    causes: [
      { cause: 'The send connector’s TLS fails: its certificate has no private key (NoCredentials) or is not enabled for SMTP (UnknownCredentials) — see its protocol log.', findings: [] },
      { cause: 'The connection really times out: a firewall, the provider blocking port 25, or the remote host down.', findings: ['net.connect-timeout'] },
    ],
    confirm: 'mxray check {host}',
    fixes: {
      exchange: ['Set-SendConnector "<name>" -ProtocolLoggingLevel Verbose and read the log in %ExchangeInstallPath%TransportRoles\\Logs\\Hub\\ProtocolLog\\SmtpSend for "TLS negotiation failed".'],
    },
    refs: ['Microsoft Learn: Outbound email messages are not sent on the Exchange Hub Transport or Edge server (KB 4051498)', 'Microsoft Learn: TLS negotiation failed with error NoCredentials error if messages to external domains are deferred (KB 4495258)'],
    samples: [
      '451 4.4.0 Primary target IP address responded with: "421 4.4.1 Connection timed out." Attempted failover to alternate host, but that did not succeed. Either there are no alternate hosts, or delivery failed to all alternate hosts.',
    ],
  },

  // ── Exchange Server: transport events about its TLS certificates ──────────────────────────────
  {
    id: 'exchange.event-12014',
    platform: 'exchange',
    keywords: ['find a certificate that contains the domain name', 'event id', 'msexchange'],
    patterns: [
      re(`could(?:n't| not) find a certificate that contains the domain name <I>[^\\r\\n]{0,500}?<S>CN=${HOST}`),
      re(`could(?:n't| not) find a certificate that contains the domain name ${HOST}`),
      eventId(12014),
    ],
    meaning:
      'Exchange event 12014 (MSExchangeTransport or MSExchangeFrontEndTransport): no certificate enabled for SMTP names the FQDN (or matches the TlsCertificateName) of a connector, so that connector cannot use STARTTLS — a receive connector stops advertising it, and a sender that requires TLS (Exchange Online’s hybrid connector) then fails with 451 5.7.3.',
    fault: 'receiver',
    causes: [
      { cause: 'The certificate with that name was renewed or removed and the new one is not enabled for SMTP, or the connector’s TlsCertificateName still names the old one.', findings: ['starttls.not-offered'] },
      { cause: 'A connector’s FQDN names a host that no installed certificate covers (subject or subject alternative names).', findings: ['cert.name-mismatch'] },
      { cause: 'The certificate is there but the transport service cannot read its private key.', findings: [] },
    ],
    confirm: 'mxray check {host}',
    fixes: {
      exchange: [
        'Get-ExchangeCertificate | fl Thumbprint,Services,Subject,CertificateDomains,NotAfter — find one covering the FQDN; Enable-ExchangeCertificate -Thumbprint <t> -Services SMTP.',
        'Or set the connector’s FQDN to a name the certificate covers, or its TlsCertificateName to the new certificate (Set-ReceiveConnector/Set-SendConnector).',
      ],
    },
    refs: [
      'Microsoft Learn (Exchange 2007): How to Troubleshoot STARTTLS Certificate Error 12014',
      'Microsoft Learn: Can’t receive mail in a hybrid environment after you install a new certificate on the server (KB 2989382)',
    ],
    samples: [
      'Microsoft Exchange could not find a certificate that contains the domain name <I>CN=Certificate Name, OU=<CertificateIssuer>, O=Certificate Provider, C=US<S>CN=mail.contoso.com, OU=IT, O=contoso, L=location, S=location, C=US in the personal store on the local computer.',
      'Event ID:      12014',
    ],
  },
  {
    id: 'exchange.event-12016',
    platform: 'exchange',
    keywords: ['no valid smtp transport layer security', 'event id', 'msexchange'],
    patterns: [re(`There is no valid SMTP Transport Layer Security \\(TLS\\) certificate for the FQDN of ${HOST}`), eventId(12016)],
    meaning: 'Exchange event 12016 (STARTTLSCertificateExpired): the certificate a connector uses for TLS with that FQDN has expired. Senders that validate certificates refuse it; opportunistic ones still encrypt.',
    fault: 'receiver',
    causes: [{ cause: 'The SMTP certificate expired and its renewal was not installed or not enabled for SMTP.', findings: ['cert.expired'] }],
    confirm: 'mxray cert {host}',
    fixes: { exchange: ['Install the renewed certificate (with its chain), Enable-ExchangeCertificate -Thumbprint <t> -Services SMTP, point TlsCertificateName at it where a connector names one, and remove the expired one.'] },
    refs: ['Microsoft Learn (Exchange 2010): MSExchangeTransport 12016'],
    samples: [
      'There is no valid SMTP Transport Layer Security (TLS) certificate for the FQDN of mail.contoso.com. The existing certificate for that FQDN has expired. The continued use of that FQDN will cause mail flow problems.',
      'MSExchangeTransport 12016',
    ],
  },
  {
    id: 'exchange.event-12018',
    platform: 'exchange',
    keywords: ['starttls certificate will expire soon', 'event id', 'msexchange'],
    patterns: [re(`The STARTTLS certificate will expire soon: subject: (?:CN=)?${HOST}`), re('The STARTTLS certificate will expire soon'), eventId(12018)],
    meaning: 'Exchange event 12018 (STARTTLSCertificateExpiresSoon): the certificate used for STARTTLS expires soon. Nothing fails yet; when it does, senders that validate certificates will refuse it.',
    fault: 'receiver',
    causes: [{ cause: 'The SMTP certificate is near its end date and no renewal is enabled for SMTP.', findings: ['cert.expiring-soon'] }],
    confirm: 'mxray cert {host}',
    fixes: { exchange: ['Renew the certificate now (New-ExchangeCertificate or your CA), enable the new one for SMTP, update TlsCertificateName on connectors that name it, and check with mxray cert that the server presents it.'] },
    refs: ['Microsoft Learn (Exchange 2010): MSExchangeTransport 12018'],
    samples: ['The STARTTLS certificate will expire soon: subject: mail.contoso.com, thumbprint: 0123456789ABCDEF0123456789ABCDEF01234567, hours remaining: 240. Run the New-ExchangeCertificate cmdlet to create a new certificate.'],
  },
  {
    id: 'exchange.event-12015',
    platform: 'exchange',
    keywords: ['an internal transport certificate expired', 'event id', 'msexchange'],
    patterns: [re('An internal transport certificate expired'), eventId(12015)],
    meaning: 'Exchange event 12015 (InternalTransportCertificateExpired): this server’s internal transport certificate — the one Exchange servers use for TLS and authentication among themselves (and Edge subscriptions) — has expired.',
    fault: 'either',
    causes: [{ cause: 'The internal transport (self-signed by default, five years) certificate reached its end date.', findings: ['cert.expired'] }],
    confirm: 'mxray cert <this server’s FQDN>',
    fixes: { exchange: ['New-ExchangeCertificate (it replaces the internal transport certificate when you accept), then re-create Edge subscriptions that used the old one.'] },
    refs: ['Microsoft Learn (Exchange 2010): MSExchangeTransport 12015'],
    samples: ['An internal transport certificate expired. Thumbprint:0123456789ABCDEF0123456789ABCDEF01234567'],
  },
  {
    id: 'exchange.event-12019',
    platform: 'exchange',
    keywords: ['remote internal transport certificate expired', 'event id', 'msexchange'],
    patterns: [re(`The remote internal transport certificate expired\\. Certificate subject: (?:CN=)?${HOST}`), re('The remote internal transport certificate expired'), eventId(12019)],
    meaning: 'Exchange event 12019 (RemoteInternalTransportCertificateExpired): another Exchange server’s (or an Edge server’s) internal transport certificate has expired; TLS between the Hub/Mailbox and Edge Transport servers may fail.',
    fault: 'either',
    causes: [{ cause: 'The other server’s internal transport certificate expired, and its replacement has not reached Active Directory / the Edge subscription.', findings: ['cert.expired'] }],
    confirm: 'mxray cert {host}',
    fixes: { exchange: ['On the server the subject names: New-ExchangeCertificate for its FQDN; for an Edge Transport server, re-create the Edge subscription afterwards.'] },
    refs: ['Microsoft Learn (Exchange 2010): MSExchangeTransport 12019'],
    samples: ['The remote internal transport certificate expired. Certificate subject: CN=edge01.contoso.com.'],
  },
  {
    id: 'exchange.internal-transport-certificate-unloadable',
    platform: 'exchange',
    keywords: ['could not load the certificate with thumbprint of', 'event id', 'msexchange'],
    patterns: [re('Microsoft Exchange could not load the certificate with thumbprint of [0-9A-F]{1,64} from the personal store on the local computer'), eventId(12013), eventId(12024)],
    meaning:
      'Exchange events 12013 (CannotLoadInternalTransportCertificateFromStore) and 12024 (…FallbackEphemeralCertificate): the certificate configured for TLS and authentication with other Exchange servers is not in the computer’s personal store or cannot be read; with 12024 Exchange meanwhile uses an ephemeral self-signed one. Mail flow to other Exchange servers and Edge servers may fail.',
    fault: 'either',
    causes: [
      { cause: 'The certificate was deleted from the personal store (or replaced) without enabling another for SMTP.', findings: [] },
      { cause: 'Its private key is not accessible to the transport service.', findings: [] },
    ],
    confirm: 'mxray cert <the certificate with that thumbprint (.pfx)>',
    fixes: {
      exchange: ['If it is still in the store: Enable-ExchangeCertificate <thumbprint> -Services SMTP; otherwise Import-ExchangeCertificate from a backup, or New-ExchangeCertificate -DomainName <server FQDN> -Services SMTP.'],
    },
    refs: ['Microsoft Learn (Exchange 2010): MSExchangeTransport 12013', 'Microsoft Learn (Exchange 2010): MSExchangeTransport 12024'],
    samples: [
      'Microsoft Exchange could not load the certificate with thumbprint of 0123456789ABCDEF0123456789ABCDEF01234567 from the personal store on the local computer. This certificate was configured for authentication with other Exchange servers. Mail flow to other Exchange servers could be affected by this error.',
      'Microsoft Exchange could not load the certificate with thumbprint of 0123456789ABCDEF0123456789ABCDEF01234567 from the personal store on the local computer. This certificate was configured for authentication with other Exchange servers. Mail flow to other Exchange servers could be affected by this error. If the certificate with this thumbprint still exists in the personal store, run Enable-ExchangeCertificate 0123456789ABCDEF0123456789ABCDEF01234567 -services SMTP to resolve the issue. If the certificate does not exist in the personal store, restore it from backup by using the Import-ExchangeCertificate cmdlet, or create a new certificate for the FQDN or the server enabled for SMTP by running the following command: New-ExchangeCertificate -DomainName serverfqdn -Services SMTP. Meanwhile, an ephemeral, self-signed certificate with thumbprint 89ABCDEF0123456789ABCDEF0123456789ABCDEF is being used.',
    ],
  },
  {
    id: 'exchange.event-12012',
    platform: 'exchange',
    keywords: ['internal transport certificate that is used for smtp authentication', 'event id', 'msexchange'],
    patterns: [re('The internal transport certificate that is used for SMTP authentication by Microsoft Exchange could not be read from Active Directory'), eventId(12012)],
    meaning: 'Exchange event 12012 (InternalTransportCertificateMissingInAD): the certificate this server uses to authenticate to other Exchange servers is newer on the server than in Active Directory, or missing there; other servers cannot validate it.',
    fault: 'either',
    causes: [
      { cause: 'Enable-ExchangeCertificate was not run after the new certificate was installed, so it was not published to Active Directory.', findings: [] },
      { cause: 'Active Directory has not replicated the change yet.', findings: [] },
    ],
    confirm: 'mxray cert <this server’s FQDN>',
    fixes: { exchange: ['Run Enable-ExchangeCertificate -Thumbprint <t> -Services SMTP for the certificate matching the server’s FQDN (or New-ExchangeCertificate for it), then wait for Active Directory replication.'] },
    refs: ['Microsoft Learn (Exchange 2010): MSExchangeTransport 12012'],
    samples: ['The internal transport certificate that is used for SMTP authentication by Microsoft Exchange could not be read from Active Directory. The certificate may be missing.'],
  },
  {
    id: 'exchange.revocation-check-failed',
    platform: 'exchange',
    keywords: ['revocation check failed', 'revocationcheckfailure'],
    patterns: [re('The certificate status could not be determined because the revocation check failed'), re('\\bRevocationCheckFailure\\b')],
    meaning:
      'Exchange (Get-ExchangeCertificate’s Status RevocationCheckFailure; in the console "The certificate status could not be determined because the revocation check failed") could not reach the CRL of its own certificate. This is not a revoked certificate; the Exchange Management Console will not assign services to it until the check succeeds.',
    fault: 'either',
    causes: [
      { cause: 'The server cannot reach the CRL: proxy or firewall rules, or no Internet access on purpose.', findings: ['cert.crl-unreachable'] },
      { cause: 'The CA’s CRL server is down, or a transient network failure.', findings: ['cert.crl-unreachable'] },
    ],
    confirm: 'mxray cert <this server’s FQDN>',
    fixes: { exchange: ['Allow the server (its WinHTTP proxy, netsh winhttp show proxy) to reach the CRL and OCSP URLs in the certificate, or assign the services with Enable-ExchangeCertificate in the Shell.'] },
    refs: ['Exchange Team Blog: EMC and certificates with failed revocation checks in Exchange 2010'],
    samples: ['The certificate status could not be determined because the revocation check failed.', 'Status : RevocationCheckFailure'],
  },

  // ── Exchange Server: Domain Security and TLS-authenticated connectors ─────────────────────────
  {
    id: 'exchange.event-11012',
    platform: 'exchange',
    keywords: ['did not use transport layer security', 'event id', 'msexchange'],
    patterns: [re(`A message from domain-secured domain '${DOMAIN}' on connector '[^'\\r\\n]{1,200}' could not be authenticated because the server did not use Transport Layer Security`), eventId(11012)],
    meaning:
      'Exchange event 11012 (MessageNotAuthenticatedTlsNotStarted): a message from a domain on the Domain Security (mutual TLS) list arrived without TLS, so it could not be authenticated. Domain Security needs both organisations configured for each other.',
    fault: 'sender',
    causes: [
      { cause: 'The partner organisation does not send to this domain with TLS (its side of Domain Security is not configured).', findings: ['policy.requires-tls'] },
      { cause: 'This server did not offer STARTTLS (no certificate for the receive connector — see event 12014).', findings: ['starttls.not-offered'] },
    ],
    confirm: 'mxray check <your MX host>',
    fixes: {
      exchange: [
        'Ask the partner to add your domain to its TLSSendDomainSecureList (Set-TransportConfig) and enable DomainSecureEnabled on its send connector; or remove the domain from TLSReceiveDomainSecureList.',
      ],
    },
    refs: ['Microsoft Learn (Exchange 2010): MSExchangeTransport 11012'],
    samples: ["A message from domain-secured domain 'fabrikam.com' on connector 'Internet Receive Connector' could not be authenticated because the server did not use Transport Layer Security (TLS)."],
  },
  {
    id: 'exchange.event-11015',
    platform: 'exchange',
    keywords: ['certificate does not contain the domain name', 'event id', 'msexchange'],
    patterns: [
      re(`A message from domain-secured domain '${DOMAIN}' on connector '[^'\\r\\n]{1,200}' failed to authenticate because the Transport Layer Security \\(TLS\\) certificate does not contain the domain name`),
      eventId(11015),
    ],
    meaning: 'Exchange event 11015 (TlsDomainClientCertificateSubjectMismatch): a Domain Security partner presented a TLS certificate that names neither its domain in the subject nor in the subject alternative names.',
    fault: 'sender',
    causes: [{ cause: 'The partner’s sending server presents a certificate without its domain (a host-only or default self-signed certificate).', findings: ['cert.domain-mismatch', 'cert.name-mismatch'] }],
    confirm: 'mxray cert {domain} --name {domain}',
    fixes: {
      exchange: ['Partner: a certificate whose subject or SAN contains the domain, set on the send connector (TlsCertificateName). Receiver: or remove the domain from TLSReceiveDomainSecureList.'],
    },
    refs: ['Microsoft Learn (Exchange 2010): MSExchangeTransport 11015'],
    samples: ["A message from domain-secured domain 'fabrikam.com' on connector 'Internet Receive Connector' failed to authenticate because the Transport Layer Security (TLS) certificate does not contain the domain name."],
  },
  {
    id: 'exchange.event-11022',
    platform: 'exchange',
    keywords: ['failed to confirm domain capabilities', 'event id', 'msexchange'],
    patterns: [
      re(
        `Failed to confirm domain capabilities '[^'\\r\\n]{1,200}' on connector '[^'\\r\\n]{1,200}' because validation of the Transport Layer Security \\(TLS\\) certificate failed with status '(?<status>[A-Za-z]{2,40})'(?:\\. Contact the administrator of '${DOMAIN}')?`,
      ),
      eventId(11022),
    ],
    meaning:
      'Exchange event 11022 (TlsDomainCapabilitiesCertificateValidationFailure): a receive connector offers extra rights (TlsDomainCapabilities — in hybrid, AcceptCloudServicesMail for mail.protection.outlook.com) only to hosts whose TLS certificate validates, and this one did not; the status says why. Mail from that host is then treated as anonymous Internet mail.',
    fault: 'either',
    causes: [
      { cause: 'This Exchange server does not trust the sender’s root CA, or cannot build the chain (missing intermediates).', findings: ['cert.untrusted-root', 'cert.chain-incomplete'] },
      { cause: 'The certificate does not name the domain listed in TlsDomainCapabilities.', findings: ['cert.domain-mismatch'] },
      { cause: 'The certificate expired or its revocation status could not be checked.', findings: ['cert.expired', 'cert.crl-unreachable'] },
    ],
    confirm: 'mxray cert {domain} --profile exchange-server',
    fixes: { exchange: ['Install the sender’s root and intermediate certificates in the computer store, or correct the domain in TlsDomainCapabilities (Set-ReceiveConnector).'] },
    refs: ['Microsoft Learn (Exchange 2010): MSExchangeTransport 11022', HYBRID_TLS_BLOG],
    samples: [
      "Failed to confirm domain capabilities 'AcceptCloudServicesMail' on connector 'EX01\\Default Frontend EX01' because validation of the Transport Layer Security (TLS) certificate failed with status 'UntrustedRoot'. Contact the administrator of 'mail.protection.outlook.com' to resolve the problem, or remove the domain from the TlsDomainCapabilities list of the Receive connector.",
    ],
  },
  {
    id: 'exchange.certificate-validation-failed',
    platform: 'exchange',
    keywords: ['transport layer security (tls) certificate for'],
    patterns: [re(`validation of the Transport Layer Security \\(TLS\\) certificate for ${DOMAIN} failed with status '(?<status>[A-Za-z]{2,40})'`)],
    meaning:
      'Exchange could not connect to that domain because a connector that requires a validated certificate (TlsAuthLevel CertificateValidation or DomainValidation, Domain Security) refused its TLS certificate; the status names why — Exchange’s documented statuses include UntrustedRoot, SubjectMismatch, CertificateExpired, SignatureFailure, WrongUsage, EmptyCertificate.',
    fault: 'either',
    causes: [
      { cause: 'UntrustedRoot: the chain ends at a root Exchange does not trust — a private CA, or missing intermediates.', findings: ['cert.untrusted-root', 'cert.chain-incomplete'] },
      { cause: 'SubjectMismatch: the certificate does not name the domain the connector expects (TlsDomain).', findings: ['cert.name-mismatch', 'cert.domain-mismatch'] },
      { cause: 'CertificateExpired: the certificate is out of date.', findings: ['cert.expired'] },
      { cause: 'A revocation status (the CRL or OCSP responder not reachable from Exchange).', findings: ['cert.crl-unreachable', 'cert.ocsp-unreachable'] },
    ],
    confirm: 'mxray cert {domain} --profile exchange-server',
    fixes: {
      any: ['Receiver: fix what the status names (full chain, a name that covers the domain, a current certificate).'],
      exchange: ['Sender: check the connector’s TlsDomain and TlsAuthLevel, the computer’s trusted roots, and that the transport service can reach the CRL/OCSP URLs (its proxy settings).'],
    },
    refs: [CERT_VALIDATION_STATUS_REF, TROUBLESHOOT_VALIDATION_REF, 'The "… certificate for <domain> failed with status" wording as quoted in mxray issue 21 (not found in Microsoft’s documentation)'],
    samples: ["The connection to example.com could not be established because the validation of the Transport Layer Security (TLS) certificate for example.com failed with status 'UntrustedRoot'"],
  },

  // ── Exchange Online: connectors (mail flow intelligence), tenant attribution ──────────────────
  {
    id: 'exchange-online.cannot-connect-4.4.317',
    platform: 'exchange-online',
    keywords: ['4.4.317 cannot connect to remote server'],
    patterns: [re(`\\b4\\.4\\.317 Cannot connect to remote server(?: \\[Message=(?<why>[^\\]\\r\\n]{1,500})\\])?${EXO_TARGET}`)],
    meaning:
      'Exchange Online connected to the destination (a connector’s smart host, or a partner’s MX) but the server answered with an error or did not meet the connection’s requirements; the [Message=…] part says which — a certificate validation status, the remote server’s own reply, or a TLS error. Exchange Online retries for 24 hours, then bounces ("550 5.4.317 Message expired").',
    fault: 'receiver',
    causes: [
      { cause: 'The connector requires TLS but the destination does not offer it or the handshake fails.', findings: ['starttls.not-offered', 'tls.handshake-failed'] },
      { cause: 'The destination’s certificate does not validate: only the leaf sent (Exchange Online fetches no intermediates — UntrustedRoot), the wrong certificate on the receive connector (SubjectMismatch), or expired.', findings: ['cert.chain-incomplete', 'cert.untrusted-root', 'cert.name-mismatch', 'cert.expired'] },
      { cause: 'The destination answered with an error (e.g. "Service not available").', findings: [] },
    ],
    confirm: 'mxray check {host}',
    fixes: {
      'exchange-online': ['Verify the TLS settings on the connector (TlsSettings, TlsDomain) against the certificate the destination presents; Get-OutboundConnector | fl Name,SmartHosts,TlsSettings,TlsDomain.'],
      exchange: ['Destination: send the full chain, and put the certificate the outbound connector expects on the receive connector that answers (TlsCertificateName on "Default Frontend <server>").'],
    },
    refs: [MFI, 'Microsoft Learn: NDR error code 450 4.4.317 "Cannot connect to remote server [Message=UntrustedRoot]"', HYBRID_TLS_BLOG],
    samples: [
      '450 4.4.317 Cannot connect to remote server [Message=UntrustedRoot] [LastAttemptedServerName=mail.contoso.com] [LastAttemptedIP=192.0.2.10:25]',
      'Reason: [{LED=450 4.4.317 Cannot connect to remote server [Message=SubjectMismatch Expected Subject: *.contoso.com. Presented Subject: CN=ExchangeServer01. Thumbprint: D0AC2FC63B9C5798828B45D849BE8D33.] [LastAttemptedServerName=mail.contoso.com] [LastAttemptedIP=192.0.2.72:25] [SmtpSecurity=-1;-1]',
    ],
  },
  {
    id: 'exchange-online.certificate-validation-failed-4.7.320',
    platform: 'exchange-online',
    keywords: ['4.7.320 certificate validation failed'],
    patterns: [re(`\\b4\\.7\\.320 Certificate validation failed(?: \\[Message=(?<why>[^\\]\\r\\n]{1,500})\\])?${EXO_TARGET}`)],
    meaning:
      'Exchange Online could not validate the certificate of the destination server of a connector (your on-premises server or a partner’s); the [Message=…] status names why. Mail stays queued and bounces after 24 hours.',
    fault: 'receiver',
    causes: [
      { cause: 'The certificate does not match what the connector expects (SubjectMismatch): a receive connector on one of several servers still presents another certificate.', findings: ['cert.name-mismatch'] },
      { cause: 'The certificate expired or is no longer valid.', findings: ['cert.expired', 'cert.revoked'] },
      { cause: 'Its chain does not reach a trusted root (intermediates missing).', findings: ['cert.chain-incomplete', 'cert.untrusted-root'] },
    ],
    confirm: 'mxray cert {host} --profile exchange-online',
    fixes: {
      'exchange-online': ['Fix the certificate, or the connector’s TlsDomain / TlsSettings, so that queued messages can be delivered.'],
      exchange: ['Set TlsCertificateName (and TlsDomainCapabilities in hybrid) the same on the receive connector of every server the connector reaches.'],
    },
    refs: [MFI, 'Blog (xostmoen): 450 4.7.320 Certificate validation failed (message trace quoted)'],
    samples: ['Reason: [{LED=450 4.7.320 Certificate validation failed [Message=SubjectMismatch] [LastAttemptedServerName=mail.contoso.com] [LastAttemptedIP=172.16.254.1:25] [XXXEUR01FTXXX.eop-EUR01.prod.protection.outlook.com]}'],
  },
  {
    id: 'exchange-online.connection-closed-4.4.318',
    platform: 'exchange-online',
    keywords: ['4.4.318 connection'],
    patterns: [re(`\\b4\\.4\\.318 Connection (?:was )?closed abruptly(?: \\[Message=(?<why>[^\\]\\r\\n]{1,500})\\])?${EXO_TARGET}`)],
    meaning: 'Exchange Online’s connection to the destination was dropped mid-session. Microsoft names an SMTP-inspecting firewall first — the kind that also masks STARTTLS.',
    fault: 'path',
    causes: [
      { cause: 'A firewall’s SMTP packet examination (Cisco "fixup smtp" / ESMTP inspection and the like) does not work correctly.', findings: ['starttls.masked', 'smtp.banner-masked'] },
      { cause: 'The destination server is failing (hangs, crashes, low resources) and times out.', findings: ['smtp.io-timeout'] },
      { cause: 'Network problems between the destination and Microsoft 365.', findings: [] },
    ],
    confirm: 'mxray check {host}',
    fixes: { any: ['Turn off SMTP/ESMTP inspection for the mail server on the firewall (Cisco: no fixup protocol smtp 25 / no inspect esmtp).'] },
    refs: [MFI, 'Microsoft Learn: Can’t send or receive email messages behind a Cisco PIX or Cisco ASA firewall with the Mailguard feature turned on'],
    samples: ['450 4.4.318 Connection was closed abruptly'],
  },
  {
    id: 'exchange-online.tenant-attribution',
    platform: 'exchange-online',
    keywords: ['tenantattribution', 'attr36'],
    patterns: [re('\\b5\\.7\\.64 TenantAttribution'), re('\\b5\\.7\\.64 Relay Access Denied ATTR36')],
    meaning:
      'Exchange Online refused to relay mail from your on-premises server because no inbound connector of OnPremises type matched it: the certificate the server presents (its TlsSenderCertificateName) or its sending IP address no longer matches the connector, or the certificate’s domain is not an accepted domain of the tenant (ATTR36).',
    fault: 'sender',
    causes: [
      { cause: 'The on-premises certificate was renewed or changed name and no longer matches the inbound connector’s TlsSenderCertificateName.', findings: ['cert.name-mismatch'] },
      { cause: 'The sending IP address is no longer the one the connector lists.', findings: ['policy.partner-connector'] },
      { cause: 'The certificate’s domain (CN/SAN) is not a domain registered in the tenant (ATTR36).', findings: ['cert.domain-mismatch'] },
    ],
    confirm: 'mxray cert {host} --profile exchange-online --name <TlsSenderCertificateName>',
    fixes: {
      exchange: ['Rerun the Hybrid Configuration Wizard with the new certificate, or set the send connector’s TlsCertificateName to the certificate whose name the inbound connector expects (Set-SendConnector -TlsCertificateName "<I>issuer<S>subject").'],
      'exchange-online': ['Get-InboundConnector | fl Name,ConnectorType,TlsSenderCertificateName,SenderIPAddresses — use a name registered in the tenant (*.contoso.com rather than mail.contoso.com).'],
    },
    refs: [
      'Microsoft Learn: "550 5.7.64 TenantAttribution; Relay Access Denied SMTP" error when users send mail externally',
      'Microsoft Learn: Fix email delivery issues for error code 5.7.64 in Exchange Online',
      'Microsoft Learn: Configure a certificate-based connector to relay email messages through Office 365',
      NDR_EXO,
    ],
    samples: ['550 5.7.64 TenantAttribution; Relay Access Denied', '550 5.7.64 Relay Access Denied ATTR36. For more details please refer to: https://support.microsoft.com/kb/3169958'],
  },
  {
    id: 'exchange-online.tenant-inbound-attribution',
    platform: 'exchange-online',
    keywords: ['tenantinboundattribution'],
    patterns: [re('\\b5\\.7\\.51 TenantInboundAttribution')],
    meaning:
      'Exchange Online rejected the message because the recipient domain has a partner connector restricted to certain servers (RestrictDomainsToCertificate: the TLS certificate’s subject must match TlsSenderCertificateName; or RestrictDomainsToIPAddresses) and this connection met neither.',
    fault: 'sender',
    causes: [
      { cause: 'The sending server presents no certificate, or one whose name differs from the connector’s TlsSenderCertificateName (a send connector’s TlsCertificateName not updated after renewal).', findings: ['send.client-cert-required', 'cert.name-mismatch'] },
      { cause: 'The sending IP address is not one the connector allows.', findings: ['policy.partner-connector'] },
    ],
    confirm: 'mxray cert {host} --profile exchange-online --name <TlsSenderCertificateName>',
    fixes: {
      exchange: ['Set-SendConnector "<name>" -TlsCertificateName "<I>$($cert.Issuer)<S>$($cert.Subject)" with the certificate the inbound connector expects.'],
      'exchange-online': ['Get-InboundConnector | fl Name,RestrictDomainsToCertificate,RestrictDomainsToIPAddresses,TlsSenderCertificateName,SenderIPAddresses — match them to the partner’s real servers.'],
    },
    refs: [HYBRID_TLS_BLOG, 'Microsoft Learn: Set-InboundConnector (RestrictDomainsToCertificate, RestrictDomainsToIPAddresses)'],
    samples: [
      "550 5.7.51 TenantInboundAttribution; There is a partner connector configured that matched the message's recipient domain. The connector had either the RestrictDomainsToIPAddresses or RestrictDomainsToCertificate set",
    ],
  },

  // ── Exchange Online: outbound MTA-STS and DANE ────────────────────────────────────────────────
  {
    id: 'exchange-online.mta-sts-mx',
    platform: 'exchange-online',
    keywords: ['failed mta-sts validation'],
    patterns: [re(`MX hosts of ${DOMAIN} failed MTA-STS validation`)],
    meaning:
      'Exchange Online (4.4.8 while it retries, 5.4.8 when it gives up) did not deliver because the recipient domain’s MTA-STS policy is in enforce mode and none of its MX hosts is one the policy lists. For outbound connectors with smart hosts, the check is made against the smart host’s domain.',
    fault: 'receiver',
    causes: [
      { cause: 'The MX records changed (a new provider, an added backup MX) and the policy’s mx: lines were not updated.', findings: ['mta-sts.mx-not-covered', 'mta-sts.enforce-blocks-delivery'] },
      { cause: 'The policy file lists the MX wrongly (a typo, a wildcard where it does not fit).', findings: ['mta-sts.mx-not-covered'] },
    ],
    confirm: 'mxray posture {domain}',
    fixes: { any: ['Recipient domain: list every MX host in https://mta-sts.<domain>/.well-known/mta-sts.txt (mx: lines) and change the id in the _mta-sts TXT record so senders fetch it again.'] },
    refs: [NDR_EXO, 'Microsoft Learn: Enhancing mail flow with MTA-STS', MTA_STS_TABLE, 'RFC 8461 §4.1, §5'],
    samples: ['5.4.8 MX hosts of contoso.com failed MTA-STS validation', '4.4.8 MX hosts of contoso.com failed MTA-STS validation'],
  },
  {
    id: 'exchange-online.mta-sts-certificate',
    platform: 'exchange-online',
    keywords: ['failed mta-sts validation'],
    patterns: [re('Remote certificate failed MTA-STS validation\\. Reason: (?<why>[A-Za-z]{2,40})')],
    meaning:
      'Exchange Online (4.7.5 while it retries, 5.7.5 when it gives up) did not deliver because the recipient domain’s MTA-STS policy is in enforce mode and the MX host’s certificate fails it: it must chain to a trusted root and name the MX host in its CN or SAN. The reason is the validation status.',
    fault: 'receiver',
    causes: [
      { cause: 'The chain does not reach a trusted root: intermediates not sent, or a private or self-signed certificate.', findings: ['cert.chain-incomplete', 'cert.untrusted-root', 'cert.self-signed'] },
      { cause: 'The certificate does not name the MX host.', findings: ['cert.name-mismatch'] },
      { cause: 'The certificate expired.', findings: ['cert.expired'] },
    ],
    confirm: 'mxray check {domain}',
    fixes: { any: ['Recipient domain: a certificate from a public CA naming every MX host, served with its full chain; or switch the policy to testing mode while it is fixed.'] },
    refs: [NDR_EXO, 'Microsoft Learn: Enhancing mail flow with MTA-STS', MTA_STS_TABLE, 'RFC 8461 §4.2'],
    samples: ['5.7.5 Remote certificate failed MTA-STS validation. Reason: UntrustedRoot'],
  },
  {
    id: 'exchange-online.dane-starttls-not-supported',
    platform: 'exchange-online',
    keywords: ['starttls-not-supported: destination mail server'],
    patterns: [re('\\b[45]\\.7\\.321 starttls-not-supported: Destination mail server must support TLS to receive mail')],
    meaning:
      'Exchange Online’s outbound DANE check: the recipient domain has DNSSEC-authentic TLSA records, so TLS is mandatory, and its mail server did not answer STARTTLS or the TLS handshake failed.',
    fault: 'receiver',
    causes: [
      { cause: 'The destination server does not offer STARTTLS (to Exchange Online’s addresses at least).', findings: ['dane.no-tls', 'starttls.not-offered'] },
      { cause: 'STARTTLS is offered but the handshake fails.', findings: ['tls.handshake-failed'] },
    ],
    confirm: 'mxray check {domain}',
    fixes: { any: ['Recipient domain: offer STARTTLS on every MX host, or remove the TLSA records (with DNSSEC) if TLS cannot be offered.'] },
    refs: [NDR_EXO, 'Microsoft Learn: How SMTP DNS-based Authentication of Named Entities (DANE) works to secure email communications', 'RFC 7672 §2.2'],
    samples: ['5.7.321 starttls-not-supported: Destination mail server must support TLS to receive mail.'],
  },
  {
    id: 'exchange-online.dane-certificate-expired',
    platform: 'exchange-online',
    keywords: ['certificate-expired: destination mail server'],
    patterns: [re("\\b[45]\\.7\\.322 certificate-expired: Destination mail server's certificate is expired")],
    meaning: 'Exchange Online’s outbound DANE check passed DNSSEC, but the destination server presented an expired certificate.',
    fault: 'receiver',
    causes: [{ cause: 'The MX host’s certificate expired (and, with DANE-EE, a renewal must come with a new TLSA record if the key changed).', findings: ['cert.expired'] }],
    confirm: 'mxray check {domain}',
    fixes: { any: ['Recipient domain: renew the certificate; publish the new TLSA record before the new key is used (RFC 7671 rollover).'] },
    refs: [NDR_EXO, 'RFC 7671 §8'],
    samples: ["5.7.322 certificate-expired: Destination mail server's certificate is expired."],
  },
  {
    id: 'exchange-online.dane-tlsa-invalid',
    platform: 'exchange-online',
    keywords: ['tlsa-invalid: the domain failed dane'],
    patterns: [re('\\b[45]\\.7\\.323 tlsa-invalid: The domain failed DANE validation')],
    meaning:
      'Exchange Online’s outbound DANE check: the TLSA records are DNSSEC-authentic but the destination certificate matches none of them (a key or certificate change without a TLSA update, a misconfigured record, a certificate valid only in the future, or an attack).',
    fault: 'receiver',
    causes: [
      { cause: 'The server’s certificate or key changed and the TLSA record was not updated.', findings: ['dane.no-match', 'dane.no-rollover'] },
      { cause: 'The TLSA record is wrong (usage, selector or matching type do not fit).', findings: ['dane.unusable-records', 'dane.no-match'] },
      { cause: 'The certificate’s start date is in the future.', findings: ['cert.not-yet-valid'] },
    ],
    confirm: 'mxray check {domain}',
    fixes: { any: ['Recipient domain: publish TLSA records matching the current certificate (3 1 1 of the public key is the common choice), keeping the old one during a rollover.'] },
    refs: [NDR_EXO, 'RFC 7671 §5, §8'],
    samples: ['4.7.323 tlsa-invalid: The domain failed DANE validation.'],
  },
  {
    id: 'exchange-online.dane-dnssec-invalid',
    platform: 'exchange-online',
    keywords: ['dnssec-invalid: destination domain'],
    patterns: [re('\\b[45]\\.7\\.324 dnssec-invalid: Destination domain returned invalid DNSSEC records')],
    meaning: 'Exchange Online’s outbound DANE check: the destination domain claims DNSSEC, but its records did not validate.',
    fault: 'receiver',
    causes: [{ cause: 'A broken DNSSEC chain: expired signatures, a DS record that does not match the key, or a botched key rollover.', findings: ['dane.bogus'] }],
    confirm: 'mxray check {domain}',
    fixes: { any: ['Recipient domain: fix DNSSEC signing at the DNS provider (or remove the DS record at the registrar while it is fixed).'] },
    refs: [NDR_EXO, 'RFC 7672 §2.1'],
    samples: ['5.7.324 dnssec-invalid: Destination domain returned invalid DNSSEC records'],
  },
  {
    id: 'exchange-online.dane-certificate-host-mismatch',
    platform: 'exchange-online',
    keywords: ['certificate-host-mismatch: remote certificate'],
    patterns: [re('\\b[45]\\.7\\.325 certificate-host-mismatch: Remote certificate MUST have a common name or subject alternative name matching the hostname')],
    meaning: 'Exchange Online’s outbound DANE check: the certificate’s names (CN and SAN) match neither the domain nor the MX host.',
    fault: 'receiver',
    causes: [{ cause: 'The certificate presented does not name the MX host (another certificate on this address, or a DANE-TA chain whose leaf names another host).', findings: ['dane.ta-name-mismatch', 'cert.name-mismatch'] }],
    confirm: 'mxray check {domain}',
    fixes: { any: ['Recipient domain: present a certificate that names the MX host, on every address of it.'] },
    refs: [NDR_EXO, 'Microsoft Learn: How SMTP DNS-based Authentication of Named Entities (DANE) works to secure email communications', 'RFC 7672 §3.2'],
    samples: ['5.7.325 certificate-host-mismatch: Remote certificate MUST have a common name or subject alternative name matching the hostname (DANE)'],
  },

  // ── Windows Schannel (the TLS under Exchange) ─────────────────────────────────────────────────
  {
    id: 'windows.schannel-alert-received',
    platform: 'windows',
    keywords: ['fatal alert was received from the remote endpoint'],
    patterns: [re('A fatal alert was received from the remote endpoint\\.(?: The TLS protocol defined fatal alert code is (?<num>[0-9]{1,3}))?')],
    meaning:
      'Schannel event 36887: the other side aborted a TLS handshake with a fatal alert; the code is TLS’s (RFC 5246 §7.2): 40 handshake_failure (nothing in common), 42 bad_certificate, 46 certificate_unknown, 48 unknown_ca (it does not trust our certificate’s CA), 70 protocol_version.',
    fault: 'either',
    causes: [
      { cause: '40 or 70: no TLS version or cipher suite in common (TLS 1.2 not enabled on one side).', findings: ['tls.old-protocol', 'tls.no-shared-cipher'] },
      { cause: '42, 46 or 48: the peer refused the certificate this server presented (untrusted CA, expired, wrong names).', findings: ['send.client-cert-refused', 'tls.handshake-failed'] },
    ],
    confirm: 'mxray check <the peer’s host>',
    fixes: { exchange: ['Enable TLS 1.2 for Schannel and .NET (the Exchange Server TLS guidance); compare with the peer’s log at the same time.'] },
    refs: ['Microsoft Learn: Schannel Events (Windows Server)', 'Microsoft Learn: Schannel error codes for TLS and SSL alerts', 'RFC 5246 §7.2', 'Stack Overflow 62586983 (event texts quoted)'],
    samples: ['A fatal alert was received from the remote endpoint. The TLS protocol defined fatal alert code is 40.'],
  },
  {
    id: 'windows.schannel-alert-generated',
    platform: 'windows',
    keywords: ['fatal alert was generated and sent to the remote endpoint'],
    patterns: [re('A fatal alert was generated and sent to the remote endpoint\\.(?:.{0,120}?fatal (?:error|alert) code is (?<num>[0-9]{1,3}))?')],
    meaning:
      'Schannel event 36888: this server aborted a TLS handshake and told the peer why; the code is TLS’s (RFC 5246 §7.2): 70 protocol_version (the peer offered only a version this server has disabled), 40 handshake_failure, 10 unexpected_message.',
    fault: 'either',
    causes: [
      { cause: '70: the peer speaks only TLS versions this server has disabled (TLS 1.0/1.1 clients or servers).', findings: ['tls.old-protocol'] },
      { cause: '40: no cipher suite in common.', findings: ['tls.no-shared-cipher'] },
    ],
    confirm: 'mxray check <the peer’s host>',
    fixes: { any: ['Find the peer (the Schannel log does not name it: correlate with the SMTP protocol log) and have it use TLS 1.2 or later.'] },
    refs: ['Microsoft Learn: Schannel Events (Windows Server)', 'Microsoft Learn: Schannel error codes for TLS and SSL alerts', 'RFC 5246 §7.2', 'Stack Overflow 62586983 (event texts quoted)'],
    samples: ['A fatal alert was generated and sent to the remote endpoint. This may result in termination of the connection. The TLS protocol defined fatal error code is 70. The SChannel error state is 105.'],
  },
  {
    id: 'windows.schannel-no-common-cipher',
    platform: 'windows',
    keywords: ['none of the cipher suites supported by the client'],
    patterns: [re('An? (?<why>TLS 1\\.[0-3]|SSL 3\\.0|SSL 2\\.0) connection request was received from a remote client application, but none of the cipher suites supported by the client application are supported by the server')],
    meaning: 'Schannel event 36874: a client (for SMTP, a sending server or a mail client) offered only cipher suites, at the version named, that this server does not allow; the handshake failed.',
    fault: 'either',
    causes: [
      { cause: 'The client is old and offers TLS 1.0/1.1 or weak ciphers this server has disabled.', findings: ['tls.old-protocol', 'tls.no-shared-cipher'] },
      { cause: 'The server’s cipher suite order or registry settings were hardened too far for its clients.', findings: ['tls.no-shared-cipher'] },
    ],
    confirm: 'mxray check <this server’s host>',
    fixes: { exchange: ['Keep TLS 1.2 with its AEAD suites enabled (the Exchange Server TLS guidance); update or reconfigure the client rather than re-enabling old protocols.'] },
    refs: ['Microsoft Learn: Schannel Events (Windows Server)', 'Exchange Team Blog: Exchange Server TLS Guidance, Part 1: Getting Ready for TLS 1.2'],
    samples: ['A TLS 1.2 connection request was received from a remote client application, but none of the cipher suites supported by the client application are supported by the server. The TLS connection request has failed.'],
  },

  // ── The certificate validation statuses Exchange quotes (reasons, under the messages above) ───
  {
    id: 'exchange.status-untrusted-root',
    platform: 'exchange',
    reason: true,
    keywords: ['untrustedroot'],
    patterns: statusPatterns('UntrustedRoot'),
    meaning:
      'UntrustedRoot: the certificate chain was built but ends in a root the validating server does not trust. Exchange Online fetches no missing intermediates, so a server sending only its leaf certificate gets this too, even with a public CA.',
    fault: 'either',
    causes: [
      { cause: 'The server sends only its leaf certificate, without the intermediate CA certificates (Exchange Online does not fetch them).', findings: ['cert.chain-incomplete'] },
      { cause: 'A private CA or self-signed certificate.', findings: ['cert.untrusted-root', 'cert.self-signed'] },
      { cause: 'The validating Exchange server lacks the root in its computer store (for Exchange Online’s certificates: the Microsoft 365 certificate chains).', findings: [] },
    ],
    confirm: 'mxray cert {domain} --profile exchange-online --profile exchange-server',
    fixes: {
      any: ['Server presenting the certificate: send the full chain (leaf, then intermediates).'],
      exchange: ['Validating server: import the root CA into Local Computer\\Trusted Root Certification Authorities, then restart the transport services.'],
    },
    refs: [CERT_VALIDATION_STATUS_REF, TROUBLESHOOT_VALIDATION_REF, 'Microsoft Learn: NDR error code 450 4.4.317 "Cannot connect to remote server [Message=UntrustedRoot]"'],
    samples: ['450 4.4.317 Cannot connect to remote server [Message=UntrustedRoot]', '454 4.7.5 Certificate validation failure, reason:untrustedroot};{MSG=};{FQDN=contoso-mail-onmicrosoft-com.mail.protection.outlook.com};{IP=192.0.2.10}'],
  },
  {
    id: 'exchange.status-subject-mismatch',
    platform: 'exchange',
    reason: true,
    keywords: ['subjectmismatch', 'cnnotmatch'],
    patterns: statusPatterns('SubjectMismatch|CNNotMatch'),
    meaning: 'SubjectMismatch: the certificate’s subject and subject alternative names do not contain the name the connector expects (Exchange Online’s TlsDomain, a send connector’s TlsDomain, a Domain Security domain).',
    fault: 'receiver',
    causes: [
      { cause: 'The receive connector answering presents another certificate (the self-signed one, or an old one): TlsCertificateName not set or not updated, or set on only some of the servers.', findings: ['cert.name-mismatch'] },
      { cause: 'The connector expects a name the certificate does not carry (TlsDomain set to a host name instead of *.domain).', findings: ['cert.domain-mismatch'] },
    ],
    confirm: 'mxray cert {domain} --profile exchange-online --profile exchange-server',
    fixes: {
      exchange: ['$cert = Get-ExchangeCertificate -Thumbprint <t>; Set-ReceiveConnector "<server>\\Default Frontend <server>" -TlsCertificateName "<I>$($cert.Issuer)<S>$($cert.Subject)" on every server the connector reaches.'],
      'exchange-online': ['Set the outbound connector’s TlsDomain to a name the certificate contains (Set-OutboundConnector -TlsDomain).'],
    },
    refs: [CERT_VALIDATION_STATUS_REF, TROUBLESHOOT_VALIDATION_REF, HYBRID_TLS_BLOG],
    samples: ['450 4.4.317 Cannot connect to remote server [Message=SubjectMismatch Expected Subject: *.contoso.com. Presented Subject: CN=ExchangeServer01. Thumbprint: D0AC2FC63B9C5798828B45D849BE8D33.] [LastAttemptedServerName=mail.contoso.com]'],
  },
  {
    id: 'exchange.status-certificate-expired',
    platform: 'exchange',
    reason: true,
    keywords: ['certificateexpired', "status 'expired", '[message=expired', 'reason:expired', 'reason: expired', 'nottimevalid'],
    patterns: statusPatterns('CertificateExpired|Expired|NotTimeValid'),
    meaning: 'CertificateExpired (Windows’ chain engine: NotTimeValid; shortened in some texts to Expired): a certificate in the chain is not within its validity period by the validating server’s clock.',
    fault: 'receiver',
    causes: [
      { cause: 'The server certificate expired (renewed but not enabled for SMTP, or not put on the connector).', findings: ['cert.expired'] },
      { cause: 'An intermediate it sends expired.', findings: ['cert.intermediate-expired'] },
    ],
    confirm: 'mxray cert {domain} --profile exchange-online --profile exchange-server',
    fixes: { exchange: ['Install the renewed certificate, Enable-ExchangeCertificate -Thumbprint <t> -Services SMTP, update TlsCertificateName on the connectors, rerun the Hybrid Configuration Wizard in hybrid.'] },
    refs: [CERT_VALIDATION_STATUS_REF, 'Microsoft Q&A: 450 4.4.317 [Message=CertificateExpired …] when validating the hybrid connector'],
    samples: ['450 4.4.317 Cannot connect to remote server [Message=CertificateExpired Expected Subject: email.contoso.com. Presented Subject: CN=email.contoso.com. Thumbprint: 94E711DD84BC285CD2911DAC3D0C9E3ABB29671E.] [LastAttemptedServerName=email.contoso.com] [LastAttemptedIP=192.0.2.25:25]'],
  },
  {
    id: 'exchange.status-revocation-offline',
    platform: 'exchange',
    reason: true,
    keywords: ['revocationoffline', 'offlinerevocation', 'revocationstatusunknown'],
    patterns: statusPatterns('RevocationOffline|OfflineRevocation|RevocationStatusUnknown'),
    meaning:
      'The revocation status of a certificate in the chain could not be learnt: the validating server could not reach the CRL or OCSP responder the certificate names (Windows: OfflineRevocation, RevocationStatusUnknown). A connector that requires validation treats it as a failure.',
    fault: 'either',
    causes: [
      { cause: 'The validating Exchange server cannot reach the CRL/OCSP URLs (no Internet access for the transport service, a proxy it does not use, a firewall).', findings: [] },
      { cause: 'The CA’s CRL or OCSP responder is down or the certificate names none that answers.', findings: ['cert.crl-unreachable', 'cert.ocsp-unreachable'] },
    ],
    confirm: 'mxray cert {domain} --profile exchange-online --profile exchange-server',
    fixes: {
      exchange: ['Validating server: let the transport service reach the CRL and OCSP URLs (netsh winhttp set proxy for the machine account, firewall rules); certutil -url <cert> tests them from that server.'],
      any: ['Server presenting the certificate: a certificate from a CA whose CRL/OCSP answers publicly.'],
    },
    refs: [X509_CHAIN_STATUS_REF, TROUBLESHOOT_VALIDATION_REF, ISSUE_QUOTE],
    samples: ["The connection to partner.example could not be established because the validation of the Transport Layer Security (TLS) certificate for partner.example failed with status 'RevocationOffline'", '450 4.4.317 Cannot connect to remote server [Message=OfflineRevocation]'],
  },
  {
    id: 'exchange.status-partial-chain',
    platform: 'exchange',
    reason: true,
    keywords: ['partialchain'],
    patterns: statusPatterns('PartialChain'),
    meaning: 'PartialChain: the chain could not be built up to a root: an intermediate certificate is missing — the server does not send it, and the validating server neither has it nor may fetch it.',
    fault: 'receiver',
    causes: [
      { cause: 'The server sends only its leaf certificate, without the intermediate CA certificates.', findings: ['cert.chain-incomplete'] },
      { cause: 'The validating server cannot fetch the intermediate (AIA) and does not have it installed.', findings: [] },
    ],
    confirm: 'mxray cert {domain} --profile exchange-online --profile exchange-server',
    fixes: { any: ['Server presenting the certificate: send the full chain (leaf, then intermediates).'], exchange: ['Validating server: install the intermediate in Local Computer\\Intermediate Certification Authorities.'] },
    refs: [X509_CHAIN_STATUS_REF, ISSUE_QUOTE],
    samples: ["The connection to partner.example could not be established because the validation of the Transport Layer Security (TLS) certificate for mx1.partner.example failed with status 'PartialChain'"],
  },
  {
    id: 'exchange.status-revoked',
    platform: 'exchange',
    reason: true,
    keywords: ["status 'revoked", '[message=revoked', 'reason:revoked', 'reason: revoked'],
    patterns: statusPatterns('Revoked'),
    meaning: 'Revoked: the CA has revoked a certificate in the chain (its CRL or OCSP says so); no validating sender will accept it.',
    fault: 'receiver',
    causes: [{ cause: 'The server still presents a certificate its CA revoked (replaced after a key compromise or re-issue, but not installed).', findings: ['cert.revoked'] }],
    confirm: 'mxray cert {domain} --profile exchange-online --profile exchange-server',
    fixes: { any: ['Server presenting the certificate: install the re-issued certificate and enable it for SMTP.'] },
    refs: [X509_CHAIN_STATUS_REF, ISSUE_QUOTE],
    samples: ["The connection to partner.example could not be established because the validation of the Transport Layer Security (TLS) certificate for partner.example failed with status 'Revoked'"],
  },
  {
    id: 'exchange-online.no-partner-connector',
    platform: 'exchange-online',
    keywords: ['partner connector configured'],
    patterns: [re("There is no partner connector configured that matched the message'?s recipient domain")],
    meaning:
      'Exchange Online looked for an inbound connector of type Partner whose sender domains match this message, to apply its TLS requirements (RequireTls, TlsSenderCertificateName) or its IP restrictions, and found none: the message is handled as ordinary Internet mail, or refused where the tenant restricts that domain to its connector.',
    fault: 'receiver',
    causes: [
      { cause: 'The partner connector’s SenderDomains do not list the domain the message comes from (or the connector is disabled).', findings: [] },
      { cause: 'The partner’s certificate does not carry the name the connector expects, so the message was not attributed to it.', findings: ['cert.name-mismatch'] },
    ],
    confirm: 'mxray cert <the sending server> --profile exchange-online',
    fixes: { 'exchange-online': ['Get-InboundConnector | fl Name,ConnectorType,SenderDomains,RequireTls,TlsSenderCertificateName,RestrictDomainsToCertificate,RestrictDomainsToIPAddresses — add the domain to SenderDomains, or correct TlsSenderCertificateName.'] },
    refs: ['Microsoft Learn: Configure mail flow using connectors in Exchange Online', 'Microsoft Learn: Fix NDR error 5.7.51 in Exchange Online', 'The text as quoted in mxray issue 21'],
    samples: ["There is no partner connector configured that matched the message's recipient domain"],
  },
  {
    id: 'exchange.status-signature-failure',
    platform: 'exchange',
    reason: true,
    keywords: ['signaturefailure'],
    patterns: statusPatterns('SignatureFailure'),
    meaning: 'SignatureFailure: a signature in the certificate chain does not verify — the chain could not be validated, or the wrong public key was used to check it.',
    fault: 'receiver',
    causes: [{ cause: 'A damaged or mismatched chain: an intermediate that is not the one that signed the leaf (a stale chain after the CA changed intermediates).', findings: ['cert.bad-signature', 'cert.chain-incomplete'] }],
    confirm: 'mxray cert {domain} --profile exchange-online --profile exchange-server',
    fixes: { any: ['Install the intermediate certificates the CA issues with the current certificate.'] },
    refs: [CERT_VALIDATION_STATUS_REF, TROUBLESHOOT_VALIDATION_REF],
    samples: ["Failed to confirm domain capabilities 'AcceptCloudServicesMail' on connector 'EX01\\Default Frontend EX01' because validation of the Transport Layer Security (TLS) certificate failed with status 'SignatureFailure'. Contact the administrator of 'mail.protection.outlook.com' to resolve the problem, or remove the domain from the TlsDomainCapabilities list of the Receive connector."],
  },
  {
    id: 'exchange.status-wrong-usage',
    platform: 'exchange',
    reason: true,
    keywords: ['wrongusage', 'purposeerror'],
    patterns: statusPatterns('WrongUsage|PurposeError'),
    meaning: 'WrongUsage / PurposeError: the certificate is not valid for the use it is put to — its key usage or extended key usage does not allow TLS server (or, for a sending server’s certificate, client) authentication.',
    fault: 'receiver',
    causes: [{ cause: 'A certificate issued for another purpose (code signing, e-mail signing) or without serverAuth/clientAuth in its extended key usage.', findings: ['cert.not-for-server-auth', 'cert.client-auth-ending'] }],
    confirm: 'mxray cert {domain} --profile exchange-online --profile exchange-server',
    fixes: { any: ['Request a TLS server certificate (EKU serverAuth, and clientAuth where the server also authenticates as a sender).'] },
    refs: [CERT_VALIDATION_STATUS_REF],
    samples: ["Failed to confirm domain capabilities 'AcceptCloudServicesMail' on connector 'EX01\\Default Frontend EX01' because validation of the Transport Layer Security (TLS) certificate failed with status 'WrongUsage'. Contact the administrator of 'mail.protection.outlook.com' to resolve the problem, or remove the domain from the TlsDomainCapabilities list of the Receive connector.", "Failed to confirm domain capabilities 'AcceptCloudServicesMail' on connector 'EX01\\Default Frontend EX01' because validation of the Transport Layer Security (TLS) certificate failed with status 'PurposeError'. Contact the administrator of 'mail.protection.outlook.com' to resolve the problem, or remove the domain from the TlsDomainCapabilities list of the Receive connector."],
  },
  {
    id: 'exchange.status-empty-certificate',
    platform: 'exchange',
    reason: true,
    keywords: ['emptycertificate'],
    patterns: statusPatterns('EmptyCertificate'),
    meaning: 'EmptyCertificate: there was no certificate to validate — the other side presented none. For a receive connector that validates senders (Domain Security, TlsDomainCapabilities), the sending server did not present a client certificate.',
    fault: 'sender',
    causes: [{ cause: 'The sending server presents no certificate (a send connector without TlsCertificateName, or an MTA without a client certificate).', findings: ['send.client-cert-required'] }],
    confirm: 'mxray cert {domain} --profile exchange-online --profile exchange-server',
    fixes: { exchange: ['Sender: Set-SendConnector "<name>" -TlsCertificateName "<I>issuer<S>subject" naming a certificate enabled for SMTP.'] },
    refs: [CERT_VALIDATION_STATUS_REF],
    samples: ["Failed to confirm domain capabilities 'AcceptCloudServicesMail' on connector 'EX01\\Default Frontend EX01' because validation of the Transport Layer Security (TLS) certificate failed with status 'EmptyCertificate'. Contact the administrator of 'mail.protection.outlook.com' to resolve the problem, or remove the domain from the TlsDomainCapabilities list of the Receive connector."],
  },
  {
    id: 'exchange.status-valid-self-signed',
    platform: 'exchange',
    reason: true,
    keywords: ['validselfsigned'],
    patterns: statusPatterns('ValidSelfSigned'),
    meaning: 'ValidSelfSigned: the certificate is intact but self-signed — the certificate Exchange setup creates. Enough for opportunistic TLS, not for a connector that requires a validated certificate.',
    fault: 'receiver',
    causes: [{ cause: 'The server still uses Exchange’s default self-signed certificate for SMTP.', findings: ['cert.self-signed'] }],
    confirm: 'mxray cert {domain} --profile exchange-online --profile exchange-server',
    fixes: { exchange: ['Use a certificate from a trusted third-party CA for connectors to other organisations and to Exchange Online; keep the self-signed one for internal transport.'] },
    refs: [CERT_VALIDATION_STATUS_REF, TROUBLESHOOT_VALIDATION_REF],
    samples: ["Failed to confirm domain capabilities 'AcceptCloudServicesMail' on connector 'EX01\\Default Frontend EX01' because validation of the Transport Layer Security (TLS) certificate failed with status 'ValidSelfSigned'. Contact the administrator of 'mail.protection.outlook.com' to resolve the problem, or remove the domain from the TlsDomainCapabilities list of the Receive connector."],
  },
];
