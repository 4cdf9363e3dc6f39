// Catalogue entries delivery.*: the domain as senders deliver to it (checks/delivery).
import { defineFindings } from '../types.js';

export const DELIVERY_FINDINGS = defineFindings([
  {
    id: 'delivery.beyond-limits',
    severity: 'error',
    actor: 'them',
    facts: ['domain', 'host', 'position', 'addresses', 'sessions'],
    title: 'Senders give up on {domain} before they reach {host}, the first address that accepts mail',
    detail:
      'Every address senders try before {host} refuses, times out or defers, and {host} comes at position {position} in the order senders use. ' +
      'Senders limit the addresses and sessions of one delivery attempt (Postfix: smtp_mx_address_limit {addresses}, smtp_mx_session_limit {sessions}), ' +
      'so they defer the message before they get to {host}, retry later, and bounce it when the queue lifetime ends.',
    opportunistic: 'Defers: mail to {domain} waits in the queue and eventually bounces, although {host} would take it.',
    verifying: 'The same.',
    remediation: {
      summary: 'Repair or remove the MX hosts and addresses that do not accept mail, or give {host} a better (lower) MX preference.',
      steps: [
        'List the MX records and their A/AAAA records: every address senders try first must accept connections on port 25.',
        'Remove addresses of machines that no longer run a mail service (old AAAA records are a common cause).',
        'Give the working host a lower MX preference value than the broken ones.',
      ],
    },
    refs: ['RFC 5321 §5.1', 'postconf(5): smtp_mx_address_limit, smtp_mx_session_limit'],
  },
  {
    id: 'delivery.untested-hosts',
    inconclusive: true,
    severity: 'warning',
    actor: 'us',
    facts: ['domain', 'count', 'why'],
    title: 'No tested address of {domain} accepts mail, and mxray left {count} untested',
    detail:
      'Every address mxray tested refuses, times out or defers, so senders go on to the next one; but mxray stopped short of the others ({why}). ' +
      'Whether one of them takes the mail is unknown, and so is the result. The problems of the tested addresses stay real: senders meet them first.',
    opportunistic: 'Unknown: senders deliver if one of the untested addresses accepts mail (within their limits), and defer the mail if none does.',
    verifying: 'The same.',
    remediation: {
      summary: 'Test again without the bound that left them out ({why}).',
      steps: [
        'Raise the bound: `--max-mx N` for more MX hosts, a longer `--deadline` (or none) for a test that was stopped.',
        'Or test the untested hosts one by one: `mxray check --host <mx> {domain}`.',
      ],
    },
    refs: ['RFC 5321 §5.1'],
  },
]);
