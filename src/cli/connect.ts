// --connect HOST=IP[:PORT], shared by the commands that reach servers (check, cert).
import type { HostMapping } from '../core/context.js';
import { UsageError } from '../core/errors.js';
import { ipFamily } from '../core/ip.js';
import { refuseAmbiguousIPv6 } from '../core/target.js';
import { neutralise } from '../core/transcript.js';

/** "--connect HOST=IP[:PORT]" → map entries (the socket layer only ever sees the IP). */
export function parseConnect(specs: string[]): Map<string, HostMapping> {
  const map = new Map<string, HostMapping>();
  for (const spec of specs) {
    const shown = neutralise(JSON.stringify(spec.length > 80 ? `${spec.slice(0, 77)}...` : spec));
    const bad = (): never => {
      throw new UsageError(`--connect wants HOST=IP[:PORT] (an IPv6 address with a port in brackets: [::1]:25), not ${shown}`);
    };
    const m = /^([^=\s]+)=(\S+)$/.exec(spec);
    if (!m) return bad();
    const [, host, place] = m as unknown as [string, string, string];
    let address: string;
    let portText: string | undefined;
    const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(place);
    if (bracketed) [, address, portText] = bracketed as unknown as [string, string, string | undefined];
    else if (place.split(':').length > 2) {
      // A bare IPv6 address takes no port: "::1:25" is the address ::1:25 or ::1 with port 25.
      address = place;
      if (ipFamily(address) === 6) refuseAmbiguousIPv6(address.toLowerCase(), `--connect ${shown}`);
    } else [address, portText] = place.split(':') as [string, string | undefined];
    if (ipFamily(address) === 0 || (portText !== undefined && !/^\d{1,5}$/.test(portText))) return bad();
    const port = portText === undefined ? null : Number(portText);
    if (port !== null && (port < 1 || port > 65535)) throw new UsageError(`--connect port out of range in ${shown}`);
    map.set(host.toLowerCase().replace(/\.$/, ''), { address, port });
  }
  return map;
}
