// Catalogue entries mta-sts.*: MTA-STS (RFC 8461): the TXT record, the policy over HTTPS, the MX hosts it covers, and what it does to certificate verdicts.
import { defineFindings } from '../types.js';

export const MTA_STS_FINDINGS = defineFindings([]);
