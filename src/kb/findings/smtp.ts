// Catalogue entries smtp.*: The SMTP dialogue.
import { defineFindings } from '../types.js';
import { UNTIL_BOUNCE, VERIFYING_NO_STARTTLS } from './shared.js';

export const SMTP_FINDINGS = defineFindings([
  {
    id: 'smtp.no-banner',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'detail'],
    title: '{host} closed the connection without a greeting',
    detail:
      'The TCP connection opened, but the server closed it before sending its 220 greeting ({detail}). Common causes: the mail service is failing ' +
      'behind a listener that is still up, a connection limit or reputation filter dropping us silently, a load balancer with no healthy back end, ' +
      'or a service other than SMTP on the port.',
    opportunistic: 'Treats it as a temporary failure: tries the next MX host, otherwise defers and retries until the queue lifetime ends.',
    verifying: 'The same: no greeting, no delivery.',
    remediation: {
      summary: 'Find out from the server’s logs why it drops connections right after accepting them.',
      steps: [
        'Connect by hand from another network (`nc <address> 25`): a mail server answers with a line starting with 220.',
        'Read the mail server’s log at the time of the test: connection limits, block-list or reputation rejections, crashes.',
        'If a load balancer or proxy sits in front, check its health checks and back-end pool.',
      ],
      exchange: [
        'Enable verbose protocol logging on the receive connector (`Set-ReceiveConnector <name> -ProtocolLoggingLevel Verbose`) and read the ' +
        'SmtpReceive log for the session.',
      ],
      postfix: ['Look in the mail log for the session: postscreen and anvil (connection limit) messages, “lost connection”, or fatal errors from smtpd.'],
      exim: ['Look in the main, reject and panic logs for the connection, and for daemon errors at that time.'],
    },
    refs: ['RFC 5321 §3.1'],
  },
  {
    id: 'smtp.greeting-timeout',
    inconclusive: true,
    severity: 'warning',
    actor: 'either',
    facts: ['host', 'timeoutMs'],
    title: '{host} did not greet within {timeoutMs} ms (test inconclusive)',
    detail:
      'The connection opened, but no 220 greeting arrived within {timeoutMs} ms. This does not mean the server lacks TLS: servers delay their greeting ' +
      'on purpose (tarpitting, greet pauses) or throttle addresses they do not know. Real senders wait up to 5 minutes for the greeting ' +
      '(RFC 5321 §4.5.3.2.1), far longer than this test did.',
    opportunistic: 'Waits much longer (Postfix smtp_helo_timeout: 300 s) and most likely delivers normally.',
    verifying: 'The same: a slow greeting does not affect TLS.',
    remediation: {
      summary: 'Retest with a longer timeout; if the greeting never comes, check the server’s load and throttling.',
      steps: [
        'Run the test again with a longer --timeout (60 s or more).',
        'If it still times out, connect by hand and time the greeting.',
        'The server’s operator can check for deliberate delays and per-client throttling that affect our address.',
      ],
    },
    refs: ['RFC 5321 §4.5.3.2.1'],
  },
  {
    id: 'smtp.banner-rejected',
    severity: 'error',
    actor: 'either',
    facts: ['host', 'reply'],
    title: '{host} rejected us in its greeting: {reply}',
    detail:
      'Instead of 220 the server greeted with {reply}. A 554 greeting usually means our address is refused (listed on a block list the server uses, ' +
      'no reverse DNS, or outside the addresses it accepts); a 421 greeting means it is refusing clients for now. The server’s own words usually say which.',
    opportunistic:
      'A real sender gets its own verdict: if its address is refused the same way, its mail is bounced (5xx) or deferred and retried (4xx).',
    verifying: 'The same: TLS was never reached.',
    remediation: {
      summary: 'Read the reply: if our address is blocked, get it removed or test from the real mail server; if everyone is refused, the server must be fixed.',
      steps: [
        'Check our source address against the block lists named in the reply and follow their removal procedure.',
        'Make sure the sending address has reverse DNS (PTR) that resolves back to it.',
        'Test from the mail server that really sends to this domain: workstation and cloud addresses are often refused where the mail server is accepted.',
        'If the reply is a 421 to every client, the server is overloaded or in maintenance; retry later.',
      ],
    },
    refs: ['RFC 5321 §3.1', 'RFC 5321 §4.2.3'],
  },
  {
    id: 'smtp.banner-masked',
    severity: 'warning',
    actor: 'them',
    facts: ['host', 'banner'],
    title: '{host}’s greeting is masked by asterisks: an SMTP-inspecting firewall',
    detail:
      'The greeting was {banner}: its text has been replaced by asterisks. Cisco ASA/PIX firewalls do this when ESMTP inspection is on ' +
      '(“inspect esmtp”, formerly “fixup smtp”). The same inspection by default also removes STARTTLS from the EHLO reply, and it can drop ' +
      'or alter other SMTP commands.',
    opportunistic: 'Delivers; if the firewall also removed STARTTLS (see starttls.masked), the message crosses in clear text.',
    verifying:
      'If STARTTLS was removed, it cannot deliver and bounces when its queue lifetime ends; if STARTTLS still gets through, the masked greeting alone does no harm.',
    remediation: {
      summary: 'Turn off ESMTP inspection for the mail server on the firewall.',
      steps: [
        'Cisco ASA: `policy-map global_policy`, `class inspection_default`, `no inspect esmtp`, then save the configuration.',
        'Cisco PIX: `no fixup protocol smtp 25`.',
        'If inspection must stay on, use an ESMTP inspection policy map whose parameters include `allow-tls` (and `no mask-banner`) instead of the default map.',
        'Other firewalls: disable the SMTP proxy or inspection feature for the mail server’s port 25, then retest.',
      ],
    },
    refs: ['Cisco ASA Series Firewall CLI Configuration Guide: SMTP and Extended SMTP Inspection'],
  },
  {
    id: 'smtp.rate-limited',
    inconclusive: true,
    severity: 'warning',
    actor: 'either',
    facts: ['host', 'reply'],
    title: '{host} is limiting connections (test inconclusive): {reply}',
    detail:
      'The server answered {reply}: it is refusing or deferring us for now (too many connections from our address, or overload). ' +
      'Nothing can be concluded about TLS from this connection.',
    opportunistic: 'Defers and retries later; mail is delayed, not lost.',
    verifying: 'The same.',
    remediation: {
      summary: 'Wait and retest; if it persists, ask the server’s operator about their limits.',
      steps: [
        'Retest later, with fewer tests against this domain at the same time.',
        'If the real mail server gets the same reply, send the domain’s postmaster the exact reply and our sending address.',
      ],
    },
    refs: ['RFC 5321 §4.2.3', 'RFC 3463'],
  },
  {
    id: 'smtp.esmtp-unsupported',
    severity: 'critical',
    actor: 'them',
    facts: ['host', 'reply'],
    title: '{host} does not support ESMTP, so STARTTLS is impossible',
    detail:
      'The server answered EHLO with {reply} and accepts only HELO. STARTTLS is an ESMTP extension: without EHLO there is no way to start TLS, ' +
      'and all mail to this server travels in clear text. This is typical of very old software, some appliances, and firewalls that filter EHLO.',
    opportunistic: 'Falls back to HELO and delivers in clear text.',
    verifying: VERIFYING_NO_STARTTLS,
    remediation: {
      summary: 'Enable ESMTP (EHLO) on the server, or replace the software or device that blocks it.',
      steps: [
        'Send EHLO by hand, from outside and from inside the server’s network, to find out whether the server or a device in front of it answers.',
        'Remove any firewall SMTP inspection that filters EHLO.',
        'Upgrade or replace mail software that does not support EHLO.',
      ],
    },
    refs: ['RFC 5321 §4.1.1.1', 'RFC 3207'],
  },
  {
    id: 'smtp.ehlo-rejected',
    severity: 'error',
    actor: 'either',
    facts: ['host', 'reply'],
    title: '{host} refused our EHLO: {reply}',
    detail:
      'The server answered EHLO with {reply}. This is a refusal (of our address or of the name we announced), not a lack of ESMTP support. ' +
      'Without an accepted EHLO there is no STARTTLS, so TLS could not be tested.',
    opportunistic: 'A sender refused this way cannot deliver: a 5xx reply bounces the message, a 4xx reply means retrying later.',
    verifying: 'The same: TLS was never reached.',
    remediation: {
      summary: 'Read the reply: usually our address or our EHLO name is refused.',
      steps: [
        'Look for the reason in the reply: a block list, missing reverse DNS, or an EHLO name that does not resolve.',
        'Test from the real sending mail server, whose EHLO name should be a resolvable host name matching its reverse DNS.',
        'If the server refuses every client’s EHLO, its operator must correct its EHLO restrictions.',
      ],
    },
    refs: ['RFC 5321 §4.1.1.1', 'RFC 5321 §4.1.4'],
  },
  {
    id: 'smtp.protocol-error',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'detail'],
    title: '{host} broke the SMTP protocol: {detail}',
    detail:
      'The server’s replies did not follow SMTP ({detail}): malformed reply lines, lines or replies beyond the protocol’s limits, or line ends without CR. ' +
      'Strict senders abort such sessions. Usual culprits are broken proxies, SMTP-inspecting firewalls, and home-grown servers.',
    opportunistic: 'Depends on the fault: tolerant senders may deliver; strict ones drop the connection and retry, so mail is delayed and may bounce in the end.',
    verifying: 'The same.',
    remediation: {
      summary: 'Find which program or device produces the malformed replies, and fix or bypass it.',
      steps: [
        'Capture a session by hand (`openssl s_client -starttls smtp -crlf -connect <address>:25`, or plain `nc`) and look at the raw replies.',
        'Test the mail server directly from inside its network, bypassing firewalls and proxies, to find which component alters the replies.',
        'Update or replace the component at fault.',
      ],
    },
    refs: ['RFC 5321 §2.3.8', 'RFC 5321 §4.2', 'RFC 5321 §4.5.3.1'],
  },
  {
    id: 'smtp.mixed-reply-codes',
    severity: 'info',
    actor: 'them',
    facts: ['host', 'replies'],
    title: '{host} sends multi-line replies whose lines carry different codes',
    detail:
      'Every line of a reply must carry the same code (RFC 5321 §4.2.1), but here they differ: {replies}. mxray, like Postfix and most clients, ' +
      'acts on the last line; a client that reads the first line would act differently, for example take a refusal for an acceptance. Such ' +
      'replies usually come from a filter, proxy or policy service in front of the mail server that adds lines of its own.',
    opportunistic: 'Most senders act on the last line, as mxray does.',
    verifying: 'The same.',
    remediation: {
      summary: 'Make every line of a reply carry the final code: fix the component (filter, proxy, policy service) that adds lines with another code.',
      steps: ['Find which component writes the lines with the other code (connect by hand and compare with the mail server’s own replies), and fix or update it.'],
    },
    refs: ['RFC 5321 §4.2.1'],
  },
  {
    id: 'smtp.io-timeout',
    severity: 'error',
    actor: 'them',
    facts: ['host', 'command', 'timeoutMs'],
    title: '{host} stopped answering after {command}',
    detail:
      'After we sent {command}, no complete reply arrived within {timeoutMs} ms. The server may be stalled or deliberately slow, or something in the ' +
      'path is holding the session: often an SMTP-inspecting firewall, or a path MTU problem that stops larger packets (the TLS handshake, a long reply).',
    opportunistic:
      'Waits its own, longer timeout (Postfix allows 300 s for most replies), then drops the connection and retries; if the stall is at STARTTLS, ' +
      'the retry may be made in clear text.',
    verifying:
      'Drops the connection and retries; if the stall is at STARTTLS or in the handshake, it cannot deliver. ' + UNTIL_BOUNCE,
    remediation: {
      summary: 'Retest with a longer timeout; if it still stalls, look for a device in the path or a path MTU problem.',
      steps: [
        'Retest with a longer --timeout.',
        'If the stall comes right after STARTTLS or with a large reply, check for path MTU problems (ICMP “fragmentation needed” being blocked) ' +
        'between the networks.',
        'Check the server’s log for the session: did it receive {command}, and what did it do?',
      ],
    },
    refs: ['RFC 5321 §4.5.3.2'],
  },
  {
    id: 'smtp.banner-delayed',
    severity: 'info',
    actor: 'them',
    facts: ['host', 'ms'],
    title: '{host} took {ms} ms to greet',
    detail:
      'The greeting arrived after {ms} ms. Delaying the greeting is a common anti-spam measure, and real senders wait up to 5 minutes for it; ' +
      'but it slows every delivery, and impatient clients may give up. An unintended delay is often slow DNS lookups of the connecting client.',
    opportunistic: 'Waits and delivers normally; every delivery takes that much longer.',
    verifying: 'The same.',
    remediation: {
      summary: 'Nothing to fix if the delay is deliberate.',
      steps: [
        'If it is not deliberate, check the server’s load and its lookups for connecting clients: reverse DNS, block-list queries, ident (RFC 1413) lookups.',
      ],
      exim: ['Check for ident lookups (rfc1413_hosts) and for `delay` in the connect ACL.'],
    },
    refs: ['RFC 5321 §4.5.3.2.1'],
  },
  {
    id: 'smtp.auth-before-tls',
    severity: 'warning',
    actor: 'them',
    facts: ['host', 'mechanisms'],
    title: '{host} offers password login (AUTH {mechanisms}) before TLS',
    detail:
      'The server advertises AUTH {mechanisms} on the unencrypted connection. With PLAIN or LOGIN, a client that logs in now sends its user name and ' +
      'password in clear text (base64 is an encoding, not encryption). Server-to-server mail does not use AUTH, but mail clients, scanners and ' +
      'applications that submit mail through this server may.',
    opportunistic: 'Not affected: servers relaying mail to this one do not log in.',
    verifying: 'Not affected.',
    remediation: {
      summary: 'Offer AUTH only after STARTTLS, and preferably only on the submission ports.',
      steps: [
        'Configure the server to advertise AUTH only on encrypted connections, and preferably only on ports 587/465 rather than on port 25.',
      ],
      exchange: [
        'On the receive connector used for client submission: `Set-ReceiveConnector <name> -AuthMechanism "Tls, BasicAuth, BasicAuthRequireTLS"`. ' +
          'The internet-facing connector on port 25 normally needs no Basic authentication at all.',
      ],
      postfix: [
        'Set `smtpd_tls_auth_only = yes` in main.cf, or leave SASL off for port 25 (`smtpd_sasl_auth_enable = no`) and enable it only for the ' +
        'submission service in master.cf; then `postfix reload`.',
      ],
      exim: ['In each authenticator, advertise only under TLS: `server_advertise_condition = ${if eq{$tls_in_cipher}{}{}{*}}`.'],
    },
    refs: ['RFC 4954', 'RFC 8314'],
  },
  {
    id: 'smtp.envelope-rejected',
    severity: 'warning',
    actor: 'either',
    facts: ['host', 'command', 'reply'],
    title: '{host} refused {command}: {reply}',
    detail:
      'During the envelope test the server refused {command} with {reply}. The reason is in the reply: an unknown recipient, a sender address or ' +
      'domain it does not accept, a policy (SPF, block list), or relaying denied.',
    opportunistic: 'A real message with the same envelope would be refused the same way: a 5xx reply bounces it, a 4xx reply means retrying later.',
    verifying: 'The same.',
    remediation: {
      summary: 'Use a valid recipient and a sender address the server accepts, or resolve the policy the reply names.',
      steps: [
        'Check that the recipient given with --rcpt exists at the domain.',
        'Use a --from address whose domain is real and, if the server checks SPF, for which our address is allowed to send.',
        'If the reply names a block list or policy, take it up with the server’s operator.',
      ],
    },
    refs: ['RFC 5321 §3.3', 'RFC 5321 §4.2'],
  },
  {
    id: 'smtp.greylisted',
    inconclusive: true,
    severity: 'info',
    actor: 'them',
    facts: ['host', 'command', 'reply'],
    title: '{host} greylisted {command}, retry later: {reply}',
    detail:
      'The server temporarily refused {command} with {reply}: greylisting. It turns away an unknown combination of sender, recipient and client ' +
      'address once and accepts it on a later retry. The envelope test is inconclusive; this is not an error.',
    opportunistic: 'Retries after a few minutes and delivers; the first message from a new sender is delayed.',
    verifying: 'The same.',
    remediation: {
      summary: 'Nothing to fix; retest in a few minutes for a complete result.',
      steps: ['Run the test again after 5 to 15 minutes with the same --from and --rcpt.'],
    },
    refs: ['RFC 6647'],
  },
]);
