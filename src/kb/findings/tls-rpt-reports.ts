// Catalogue entries tls-rpt.* (reports): what RFC 8460 aggregate reports received say (mxray tlsrpt).
import { defineFindings } from '../types.js';

export const TLS_RPT_REPORT_FINDINGS = defineFindings([]);
