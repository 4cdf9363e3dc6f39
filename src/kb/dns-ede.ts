// Extended DNS Error info-codes (RFC 8914 §4 and the IANA registry "Extended DNS Error Codes"): what
// a resolver says when it fails or filters an answer, by number.
const EDE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'Other Error'],
  [1, 'Unsupported DNSKEY Algorithm'],
  [2, 'Unsupported DS Digest Type'],
  [3, 'Stale Answer'],
  [4, 'Forged Answer'],
  [5, 'DNSSEC Indeterminate'],
  [6, 'DNSSEC Bogus'],
  [7, 'Signature Expired'],
  [8, 'Signature Not Yet Valid'],
  [9, 'DNSKEY Missing'],
  [10, 'RRSIGs Missing'],
  [11, 'No Zone Key Bit Set'],
  [12, 'NSEC Missing'],
  [13, 'Cached Error'],
  [14, 'Not Ready'],
  [15, 'Blocked'],
  [16, 'Censored'],
  [17, 'Filtered'],
  [18, 'Prohibited'],
  [19, 'Stale NXDOMAIN Answer'],
  [20, 'Not Authoritative'],
  [21, 'Not Supported'],
  [22, 'No Reachable Authority'],
  [23, 'Network Error'],
  [24, 'Invalid Data'],
  [25, 'Signature Expired before Valid'],
  [26, 'Too Early'],
  [27, 'Unsupported NSEC3 Iterations Value'],
  [28, 'Unable to conform to policy'],
  [29, 'Synthesized'],
  [30, 'Invalid Query Type'],
]);

/** "EDE 6 (DNSSEC Bogus)"; an unregistered code by its number. */
export function ednsErrorName(code: number): string {
  const name = EDE_NAMES.get(code);
  return name ? `EDE ${code} (${name})` : `EDE ${code}`;
}
