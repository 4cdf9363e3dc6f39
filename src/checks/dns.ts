// Kept for the modules that import it: the DNS check lives in dns/.
export { assessDns, type DnsAssessContext } from './dns/index.js';
