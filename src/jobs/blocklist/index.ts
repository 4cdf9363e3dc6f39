// Block lists: the lookups (reused by `mxray posture` and `mxray check --dnsbl`) and the
// `mxray blocklist` job.
export { lookupDnsbl, normalizeZone, normalizeZones, dnsblQueryName, DNSBL_BOUNDS, type DnsblTarget, type DnsblLookupOptions } from './lookup-dnsbl.js';
export { runBlocklist, judgeBlocklist, parseBlocklistTarget, type BlocklistOptions } from './check-blocklist.js';
export { DEFAULT_DNSBL_ZONES, DNSBL_LISTS, type DnsblList, type DnsblCode } from '../../kb/dnsbl-zones.js';
