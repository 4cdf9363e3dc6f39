// Catalogue entries dnsbl.*: DNS block lists: an address listed, a list that refused to answer, and what receivers then do.
import { defineFindings } from '../types.js';

export const DNSBL_FINDINGS = defineFindings([]);
