// Catalogue entries net.*: The network: reaching the mail hosts.
import { defineFindings } from '../types.js';

export const NET_FINDINGS = defineFindings([

  // ----- Domain level: network ---------------------------------------------------------------
  {
    id: 'net.all-unreachable',
    inconclusive: true,
    severity: 'critical',
    actor: 'us',
    facts: ['domain', 'count', 'port', 'sourceAddress'],
    title: 'No mail server of {domain} answers on port {port} from here',
    detail:
      'All {count} addresses of {domain}’s mail servers timed out on TCP port {port}. A whole domain being down at once is rare; far more often, ' +
      'outbound port {port} is blocked on OUR side, by the internet provider, the cloud provider or a corporate firewall. ' +
      'The connections were made from {sourceAddress}.',
    opportunistic:
      'Not a TLS question: if this machine is your mail server, it cannot deliver anything to {domain}; mail queues up and bounces when the queue lifetime ends. ' +
      'If the test ran from a workstation, your real mail server may be fine.',
    verifying: 'The same: no connection, no delivery.',
    remediation: {
      summary: 'Check whether outbound port {port} is blocked from {sourceAddress}, and repeat the test from another network.',
      steps: [
        'From the same machine, try another domain’s mail server, e.g. `nc -vz gmail-smtp-in.l.google.com 25` (Linux) or ' +
          '`Test-NetConnection gmail-smtp-in.l.google.com -Port 25` (Windows). If that also times out, port {port} is blocked here.',
        'Run the test from a different network (a server elsewhere, a phone hotspot): if it works there, the block is local.',
        'Home and office internet connections often block port 25: ask the provider, or run the test on the mail server itself.',
        'Cloud providers restrict port 25: Amazon EC2 by default (a request form lifts it), Microsoft Azure for most subscription types, ' +
          'Google Cloud always (use a relay on another port).',
        'Check the corporate firewall’s outbound rules for TCP {port} from {sourceAddress}.',
        'If port 25 does work from here, the domain’s servers may be down or blocking our address: try again later and contact its postmaster.',
      ],
    },
    refs: [
      'Amazon EC2 documentation: restriction on email sent using port 25',
      'Microsoft Azure: Troubleshoot outbound SMTP connectivity problems in Azure',
      'Google Cloud: Sending email from an instance',
    ],
  },

  // ----- Host level: connection and greeting --------------------------------------------------
  {
    id: 'net.deadline-reached',
    inconclusive: true,
    severity: 'warning',
    actor: 'either',
    facts: ['host', 'detail'],
    title: 'mxray stopped testing {host} at its deadline',
    detail:
      'mxray bounds how long a test may take (each address 120 s by default, the whole test with --deadline), so that a server that answers ' +
      'slowly, or a little before every time-out, cannot hold a test for minutes. The deadline came before the test of {host} was done: {detail}. ' +
      'Addresses whose turn had not come yet are listed as not probed. What was measured before is in the report; what was not is unknown, so the ' +
      'result is inconclusive. A server that needs this long for one test session is slow for senders too.',
    opportunistic:
      'Not measured. Senders wait longer than mxray for each reply (Postfix: 300 s for the greeting, EHLO, MAIL FROM and RCPT TO replies: ' +
      'smtp_helo_timeout, smtp_mail_timeout, smtp_rcpt_timeout), so a slow server still gets mail, only late; a server slower than that makes ' +
      'senders defer and retry.',
    verifying: 'The same: a slow server delays mail whatever the TLS policy.',
    remediation: {
      summary: 'Retest with a longer deadline to finish the test (--deadline); if {host} is really this slow, find out where its time goes.',
      steps: [
        'Retest with a longer bound, e.g. `--deadline 600` (seconds for the whole test), and per-phase time-outs to match (`--timeout`).',
        'Read the transcript (`--verbose`): the time between a command and its reply shows where the server waits (a greeting delay, slow DNS or anti-spam ' +
          'lookups on its side, tarpitting after a command).',
        'A deliberate delay (tarpitting, a greeting pause) slows every sender down too: keep it short enough for senders’ time-outs.',
      ],
    },
    refs: ['RFC 5321 §4.5.3.2'],
  },
  {
    id: 'net.blocked-target',
    inconclusive: true,
    severity: 'warning',
    actor: 'us',
    facts: ['host', 'detail'],
    title: 'mxray refused to connect to {host}: its address policy does not allow it',
    detail:
      'This mxray runs with an address policy (a public web instance, `mxray serve --public`): it connects only to public addresses, on the mail ports ' +
      '25, 465, 587 and 2525, so that nobody can use it to reach its own network. {detail}. Nothing was sent to {host}; what a sender would meet there ' +
      'is unknown, so the result is inconclusive. A mail server on a private or loopback address cannot receive mail from the internet anyway.',
    opportunistic: 'Not measured: mxray did not connect.',
    verifying: 'Not measured: mxray did not connect.',
    remediation: {
      summary: 'Test a public mail server on port 25 (465, 587 or 2525), or run mxray inside your own network to test an internal one.',
      steps: [
        'If {host} is meant to receive mail from the internet, publish its public address in DNS (the MX host name\'s A/AAAA records).',
        'To test a server inside your network, run mxray there: `mxray check <host>` from the command line, or `mxray serve` without `--public` (a team page on your LAN).',
      ],
    },
    refs: ['RFC 6890', 'OWASP: Server-Side Request Forgery Prevention'],
  },
  {
    id: 'net.connect-refused',
    severity: 'error',
    actor: 'them',
    facts: ['host'],
    title: '{host} refuses connections',
    detail:
      'The TCP connection to {host} was refused (reset): the address is reachable, but nothing listens on the port or a firewall actively rejects us. ' +
      'The mail service may be stopped or bound to other addresses, or the MX record may point at the wrong machine.',
    opportunistic: 'Tries the next MX host; if every host refuses, defers and retries until the queue lifetime ends, then bounces.',
    verifying: 'The same: no connection, no delivery.',
    remediation: {
      summary: 'Make sure the mail service runs and listens on port 25 on this address, and that firewalls let connections through.',
      steps: [
        'On the server, check that the MTA is running and listening on the public address: `ss -ltnp` (Linux) or `netstat -ano | findstr :25` (Windows).',
        'Check that the address in DNS is really the mail server’s, including any NAT or port forwarding on the firewall.',
        'Check the firewall rules for inbound TCP 25 from the internet.',
      ],
      exchange: [
        '`Get-ReceiveConnector | Format-Table Name,Bindings,RemoteIPRanges,Enabled`: a connector must be bound to port 25 on this address (or 0.0.0.0) ' +
        'and accept 0.0.0.0-255.255.255.255.',
        'Check that the service listening on port 25 runs: MSExchangeFrontEndTransport on a Mailbox server, MSExchangeTransport on an Edge Transport server.',
      ],
      postfix: [
        'Check inet_interfaces (it must include the public address, e.g. `all`) and that the `smtp inet` line in master.cf is not commented out. ' +
          'After changing inet_interfaces, stop and start Postfix (a reload is not enough).',
      ],
      exim: [
        'Check daemon_smtp_ports and local_interfaces. On Debian, dc_local_interfaces in /etc/exim4/update-exim4.conf.conf defaults to listening on ' +
          'loopback only; empty it to listen on all addresses, run update-exim4.conf and restart Exim.',
      ],
    },
    refs: ['RFC 5321 §5.1'],
  },
  {
    id: 'net.connect-timeout',
    inconclusive: true,
    severity: 'error',
    actor: 'either',
    facts: ['host', 'timeoutMs'],
    title: 'No answer from {host} within {timeoutMs} ms',
    detail:
      'The TCP connection to {host} did not complete within {timeoutMs} ms: packets are being dropped somewhere. Either a firewall at the server silently ' +
      'drops port 25, the server is down, or, if other mail servers time out as well, outbound port 25 is blocked on our side.',
    opportunistic:
      'Gives up after its own connect timeout (Postfix smtp_connect_timeout: 30 s) and tries the next MX host; if none answers, defers and retries ' +
      'until the queue lifetime ends.',
    verifying: 'The same: no connection, no delivery.',
    remediation: {
      summary: 'Find out whether port 25 is blocked on our side or the server is unreachable.',
      steps: [
        'Test another domain’s mail server from here; if that also times out, outbound port 25 is blocked on our side (see net.all-unreachable).',
        'If other servers answer, this server or its firewall is dropping connections: check that the host is up and that inbound TCP 25 is allowed.',
        'Repeat the test from another network to confirm.',
      ],
    },
    refs: ['RFC 5321 §5.1'],
  },
  {
    id: 'net.no-route',
    inconclusive: true,
    severity: 'error',
    actor: 'us',
    facts: ['host', 'error'],
    title: 'No route from here to {host} ({error})',
    detail:
      'Our own network stack refused to even try the connection to {host} ({error}): this machine has no route to that address. The usual cause is an IPv6 ' +
      'address tested from a network without IPv6; it says nothing about the server, so the result for this address is inconclusive.',
    opportunistic: 'Not affected by this test: senders with a route deliver as usual; senders without one use the domain’s other addresses.',
    verifying: 'Not affected by this test either: the finding is about our network, not the receiver.',
    remediation: {
      summary: 'Test from a network that has a route to this address family, or leave it out with -4 / -6.',
      steps: ['Rerun with -4 to test only IPv4 addresses (or -6 for IPv6 only).', 'Check this machine’s routes (`ip route`, `ip -6 route`) if a route was expected.'],
    },
    refs: ['RFC 6724'],
  },
]);
