// The data a loopback DNS server answers from (demo lab and tests).
export type ZoneRecord =
  | { name: string; type: 'A' | 'AAAA' | 'CNAME' | 'PTR' | 'NS'; ttl?: number; data: string }
  /** One text is cut into 255-byte character-strings; an array gives the strings as they are published. */
  | { name: string; type: 'TXT'; ttl?: number; data: string | string[] }
  | { name: string; type: 'MX'; ttl?: number; data: { preference: number; exchange: string } };

export interface Zone {
  records: ZoneRecord[];
  /** Names (any type) answered with SERVFAIL. */
  servfail?: string[];
  /** Names (any type) never answered: the client times out. */
  timeout?: string[];
  /** Names answered with REFUSED. */
  refused?: string[];
}
// A name that has no record of any type in the zone is NXDOMAIN; a name that has records,
// but not of the type asked, is NODATA (NOERROR with an empty answer).
