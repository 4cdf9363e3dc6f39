// Catalogue entries tls-rpt.*: the TLS-RPT record (RFC 8460) a domain publishes for failure reports.
import { defineFindings } from '../types.js';

export const TLS_RPT_FINDINGS = defineFindings([]);
