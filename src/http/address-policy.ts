// Which addresses a fetch may connect to. URLs in certificates and DNS are chosen by whoever runs
// the server, so by default only public unicast addresses are allowed: nothing that reaches our
// own host or network (loopback, private, link-local …) and nothing that is not unicast on the
// internet (multicast, documentation, reserved), after the IANA special-purpose registries.
import { nonPublicReason } from '../core/address-ranges.js';
import type { AddressPolicy } from './fetcher.js';

export { nonPublicReason };

/** Allows public unicast addresses only, on any port. */
export const publicOnlyPolicy: AddressPolicy = (address) => nonPublicReason(address) ?? true;
