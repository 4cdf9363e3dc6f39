// Catalogue entries mxray.*: mxray itself.
import { defineFindings } from '../types.js';

export const MXRAY_FINDINGS = defineFindings([
  {
    id: 'mxray.internal-error',
    inconclusive: true,
    severity: 'error',
    actor: 'us',
    facts: ['host', 'detail'],
    title: 'mxray failed while testing {host}: a bug in mxray',
    detail:
      'Testing {host} stopped on an unexpected error inside mxray ({detail}). This is our bug, not a problem of the server; the result for this address is inconclusive.',
    opportunistic: 'Unknown: the test did not complete.',
    verifying: 'Unknown: the test did not complete.',
    remediation: {
      summary: 'Report the bug to mxray with the --verbose output; retest with --quick meanwhile.',
      steps: ['Rerun with --verbose (and MXRAY_DEBUG=1 for the stack) and include the output in a bug report.'],
    },
    refs: ['mxray README: exit codes'],
  },
  {
    id: 'mxray.reply-limit',
    inconclusive: true,
    severity: 'warning',
    actor: 'us',
    facts: ['host', 'detail'],
    title: '{host} sent a reply beyond mxray’s own limit: {detail}',
    detail:
      'A reply of {host} went beyond a limit mxray sets itself to stay bounded against hostile servers ({detail}). SMTP sets no limit on the number of lines of a ' +
      'reply, so this says nothing bad of the server by itself; mxray stopped reading there, and what would have followed was not tested: the result for this ' +
      'address is inconclusive.',
    opportunistic: 'Not known from this test: most senders read replies of any number of lines.',
    verifying: 'Not known from this test.',
    remediation: {
      summary: 'Nothing to fix on the server for mxray’s sake; a reply this long is unusual, so check that it is what the server should send.',
      steps: [
        'Look at the reply with --verbose (the transcript shows its first lines) or by hand (`openssl s_client -starttls smtp -crlf -connect <address>:25`, then EHLO).',
        'If the server advertises hundreds of extensions or sends a very long banner, trim its configuration; otherwise the server is fine and only this test stopped.',
      ],
    },
    refs: ['RFC 5321 §4.2.1', 'RFC 5321 §4.5.3.1.5'],
  },
]);
