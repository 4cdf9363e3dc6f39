// Catalogue entries headers.*: what a delivered message's header says about how it travelled
// (mxray headers). The reader is usually the receiving organisation's administrator; a hop is
// written by the server that received it, so "by" is the receiving side of the hop and "from"
// the sending side. `{scope}` is empty for one message, and says how many of the messages read
// showed it ("; in 3 of 20 messages, first a.eml") for many.
import { defineFindings } from '../types.js';

const PAST = 'Not applicable: the message was already delivered; this says how it travelled.';
const CHECK_RECEIVER = 'Run `mxray check {byDomain}`: it connects to the receiving side of the hop as a sender does and says whether STARTTLS is offered and works.';

export const HEADERS_FINDINGS = defineFindings([
  {
    id: 'headers.cleartext-hop',
    severity: 'error',
    actor: 'either',
    facts: ['hop', 'claim', 'from', 'by', 'with', 'software', 'why', 'byDomain', 'scope'],
    title: 'Hop {hop} went in clear text between organisations{claim}: {from} → {by}{scope}',
    detail:
      'The server that received this hop ({by}, {software}) recorded it without TLS (with {with}): {why}. Anyone on the path between the two organisations could ' +
      'read the message and change it. Either the ' +
      'receiving server did not offer STARTTLS (or its TLS failed and the sender retried in clear text), or the sending server does not use TLS.',
    opportunistic: 'An opportunistic sender sends in clear text when STARTTLS is not offered or fails: this is what happened here.',
    verifying: 'A sender that requires TLS (MTA-STS enforce, DANE, a TLS-only connector) would have refused to send this way.',
    remediation: {
      summary: 'Find which side did not use TLS: make the receiving server offer STARTTLS, and the sending server use it (and require it towards partners).',
      steps: [
        CHECK_RECEIVER,
        'If the receiver offers STARTTLS, the sender did not use it: check its outbound TLS setting (below), and its log for a failed handshake followed by a retry in clear text.',
        'To stop it happening again towards this domain: publish MTA-STS in enforce mode or DANE (`mxray posture {byDomain}`), or require TLS for the partner on the sending server.',
      ],
      exchange: [
        'Receiving: Exchange offers STARTTLS when a valid certificate enabled for SMTP matches the receive connector’s FQDN (`Get-ExchangeCertificate`, `Enable-ExchangeCertificate -Services SMTP`).',
        'Sending: `Set-SendConnector <name> -RequireTLS $true` (with `-TlsAuthLevel DomainValidation -TlsDomain <partner>` for a partner); Exchange Online: an outbound connector with TLS required.',
      ],
      postfix: [
        'Receiving: `smtpd_tls_security_level = may` with `smtpd_tls_chain_files` set, then `postfix reload`.',
        'Sending: `smtp_tls_security_level = may` (opportunistic) or `encrypt`/`secure` for the partner in `smtp_tls_policy_maps`.',
      ],
      exim: [
        'Receiving: `tls_certificate` and `tls_privatekey` set, `tls_advertise_hosts = *`.',
        'Sending: the smtp transport with `hosts_try_tls = *` (the default) and `hosts_require_tls` for partners.',
      ],
    },
    refs: ['RFC 3848', 'RFC 3207', 'RFC 8461', 'RFC 7672'],
  },
  {
    id: 'headers.old-protocol-hop',
    severity: 'warning',
    actor: 'either',
    facts: ['hop', 'from', 'by', 'version', 'byDomain', 'scope'],
    title: 'Hop {hop} used {version}: {from} → {by}{scope}',
    detail:
      '{version} is deprecated (RFC 8996): it protects less than TLS 1.2 and 1.3, and servers that turned it off (Exchange Online, most current ' +
      'distributions) refuse it, so one of these two servers may soon fall back to clear text or fail to deliver.',
    opportunistic: 'Delivers, with weaker protection; a sender whose peer refuses old protocols falls back to clear text.',
    verifying: 'Refuses the old protocol where its own minimum is TLS 1.2: delivery fails.',
    remediation: {
      summary: 'Update or reconfigure whichever of the two servers could not agree on TLS 1.2 or later.',
      steps: [CHECK_RECEIVER, 'Windows Server 2012 R2 and older need TLS 1.2 enabled for Schannel and .NET before Exchange uses it.'],
      exchange: ['Enable TLS 1.2 (and 1.3 on Windows Server 2022 and later) in Schannel and for .NET (`SchUseStrongCrypto`), following Microsoft’s "Exchange Server TLS configuration best practices".'],
      postfix: ['`smtpd_tls_protocols = >=TLSv1.2` and `smtp_tls_protocols = >=TLSv1.2` only once every partner can; first make sure the OpenSSL build supports TLS 1.2 and 1.3.'],
      exim: ['`tls_require_ciphers` / `openssl_options` to allow TLS 1.2 and 1.3; update an Exim built against an old TLS library.'],
    },
    refs: ['RFC 8996', 'RFC 8997'],
  },
  {
    id: 'headers.tls-unknown-hop',
    severity: 'warning',
    // Nothing says whether this hop was protected: the message's verdict cannot be "protected".
    inconclusive: true,
    actor: 'either',
    facts: ['hop', 'from', 'by', 'why', 'scope'],
    title: 'Hop {hop} does not say whether TLS was used: {from} → {by} ({why}){scope}',
    detail:
      'Only software that marks TLS in its Received line (RFC 3848: ESMTPS, or a TLS comment) proves either way; this line does not. The hop may have ' +
      'used TLS or not; the sending or the receiving organisation’s logs can tell.',
    opportunistic: PAST,
    verifying: PAST,
    remediation: {
      summary: 'Look at the logs of the server that wrote the line for this message (its id is in the hop), or ask its administrator.',
      steps: ['`mxray logs <its log>` reads Postfix, Exim, Exchange and Sendmail logs and says per session whether TLS was used.', 'Postfix: `smtpd_tls_received_header = yes` makes the line carry the protocol and cipher.'],
    },
    refs: ['RFC 3848', 'RFC 5321 §4.4'],
  },
  {
    id: 'headers.clock-skew',
    severity: 'info',
    actor: 'either',
    facts: ['hop', 'previous', 'skew', 'by', 'scope'],
    title: 'Hop {hop} is dated {skew} before {previous}: a server’s clock is wrong ({by}){scope}',
    detail:
      'Hops stand in the order the servers wrote them, so a later hop dated earlier means one of the two clocks is off (or a time zone is written wrong). ' +
      'The delays shown around it are not real; the hop order is kept as written.',
    opportunistic: PAST,
    verifying: PAST,
    remediation: {
      summary: 'Synchronise the clocks of the servers named (NTP); a skewed clock also breaks certificate checks and DKIM expiry.',
      steps: ['Linux: `timedatectl status` (System clock synchronized: yes).', 'Windows: `w32tm /query /status`.'],
    },
    refs: ['RFC 5322 §3.3', 'RFC 5321 §4.4'],
  },
  {
    id: 'headers.unverified-hops',
    severity: 'info',
    actor: 'them',
    facts: ['lines', 'are', 'border', 'ip', 'scope'],
    title: '{lines} {border} {are}: only {ip} is verified{scope}',
    detail:
      'Your own server wrote the border line, so the address it names as the sender ({ip}) is what it saw. Every line below it was written before the ' +
      'message reached you, by servers you cannot check: anyone can put made-up Received lines into a message, so read their hosts, times and TLS ' +
      'details as what the sender says.',
    opportunistic: PAST,
    verifying: PAST,
    remediation: {
      summary: 'Nothing to fix: trust the lines above the border, and judge the rest by the authentication results (DKIM, ARC) of your own server.',
      steps: ['Name your own hosts with `--domain` and `--internal` when mxray took the wrong border, and your authserv-id with `--authserv-id`.'],
    },
    refs: ['RFC 5321 §4.4', 'RFC 8601 §5'],
  },
  {
    id: 'headers.tls-required-ignored',
    severity: 'warning',
    actor: 'them',
    facts: ['value', 'scope'],
    title: 'The sender asked to relax TLS for this message (TLS-Required: {value}, RFC 8689){scope}',
    detail:
      'With `TLS-Required: No` a sender asks every server on the way to deliver even where its TLS policy (MTA-STS, DANE) would refuse — meant for ' +
      'reporting a broken TLS setup. A message that carries it for ordinary mail gives up the protection the receiving domain asked for.',
    opportunistic: 'Not affected: it delivers without checking anyway.',
    verifying: 'A sender that honours the field delivers even when its MTA-STS or DANE check fails.',
    remediation: {
      summary: 'Find what adds the field (a mail client, a script, a gateway) and remove it unless it was meant for this message.',
      steps: ['Receiving servers may ignore the field; RFC 8689 §4.2 says to honour it only when a policy would otherwise stop delivery.'],
    },
    refs: ['RFC 8689'],
  },
  {
    id: 'headers.all-protected',
    severity: 'ok',
    actor: 'either',
    facts: ['hops', 'weakest', 'scope'],
    title: 'Every hop between organisations used TLS ({hops}; weakest {weakest}){scope}',
    detail: 'Each hop that crossed between organisations says it used TLS. Where a line below the border says so, it is the sender’s claim.',
    opportunistic: 'Delivered with TLS.',
    verifying: 'Delivered with TLS.',
    remediation: { summary: 'Nothing to fix.', steps: [] },
    refs: ['RFC 3848'],
  },
  {
    id: 'headers.no-internet-hop',
    severity: 'ok',
    actor: 'either',
    facts: ['org', 'scope'],
    title: 'No hop crossed between organisations: the message stayed inside {org}{scope}',
    detail: 'Every Received line names hosts of one organisation, private or loopback addresses, or a local hand-off.',
    opportunistic: PAST,
    verifying: PAST,
    remediation: { summary: 'Nothing to fix.', steps: ['If one of the names belongs to another organisation, name yours with `--domain`.'] },
    refs: ['RFC 5321 §4.4'],
  },
  {
    id: 'headers.no-received',
    severity: 'warning',
    inconclusive: true,
    actor: 'us',
    facts: ['scope'],
    title: 'No Received line: nothing shows how the message travelled{scope}',
    detail:
      'A message as sent (before any server handled it), a draft, or a copy whose header was cut. Outlook’s "Internet headers" box is empty for mail sent ' +
      'inside one Exchange organisation.',
    opportunistic: PAST,
    verifying: PAST,
    remediation: {
      summary: 'Give the header of the message as the recipient got it.',
      steps: ['Outlook: File → Properties → Internet headers. OWA / Outlook on the web: … → View → View message details. Gmail: ⋮ → Show original.'],
    },
    refs: ['RFC 5321 §4.4'],
  },
  {
    id: 'headers.unreadable-input',
    severity: 'warning',
    inconclusive: true,
    actor: 'us',
    facts: ['inputs', 'examples'],
    title: '{inputs} gave no message: {examples}',
    detail: 'Each is named with why in the problems list: empty, not text, or larger than mxray reads.',
    opportunistic: PAST,
    verifying: PAST,
    remediation: {
      summary: 'Give the message as saved by the mail client (.eml), a pasted header, or an mbox.',
      steps: ['Outlook: File → Properties → Internet headers, copied into a text file; Outlook on the web: … → View → View message details; Gmail: ⋮ → Download message (.eml).'],
    },
    refs: ['RFC 5322'],
  },
  {
    id: 'headers.limit-reached',
    severity: 'info',
    actor: 'us',
    facts: ['limits'],
    title: 'A bound of mxray was reached while reading: {limits}',
    detail: 'mxray reads hostile input within fixed bounds (messages, fields, hops, sizes). What lies past a bound was counted where it could be, not analysed.',
    opportunistic: PAST,
    verifying: PAST,
    remediation: { summary: 'Give fewer messages at a time.', steps: ['Split a large mailbox by date, or give the files of one folder at a time; --json keeps a row for up to 10,000 messages.'] },
    refs: ['RFC 5322'],
  },
]);
