// The data a loopback DNS server answers from (demo lab and tests).
export type ZoneRecord =
  | { name: string; type: 'A' | 'AAAA' | 'CNAME' | 'PTR' | 'NS'; ttl?: number; data: string }
  /** One text is cut into 255-byte character-strings; an array gives the strings as they are published. */
  | { name: string; type: 'TXT'; ttl?: number; data: string | string[] }
  | { name: string; type: 'MX'; ttl?: number; data: { preference: number; exchange: string } }
  /** A TLSA record (RFC 6698): usage, selector, matching type, the data in hex. */
  | { name: string; type: 'TLSA'; ttl?: number; data: { usage: number; selector: number; matchingType: number; data: string } };

export interface Zone {
  records: ZoneRecord[];
  /** Names (any type) answered with SERVFAIL. */
  servfail?: string[];
  /** Names (any type) never answered: the client times out. */
  timeout?: string[];
  /** Names answered with REFUSED. */
  refused?: string[];
  /**
   * The server plays a validating resolver on loopback: answers whose every name is at or under one
   * of these get the AD bit (when the query asks with DO or AD, RFC 6840 §5.7).
   */
  signed?: string[];
  /** Names whose answers do not validate: SERVFAIL with RFC 8914 error 6 (DNSSEC Bogus), the data only with CD=1. */
  bogus?: string[];
}
// A name that has no record of any type in the zone is NXDOMAIN; a name that has records,
// but not of the type asked, is NODATA (NOERROR with an empty answer).
