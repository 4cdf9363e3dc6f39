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
]);
