// publicOnlyPolicy: which addresses a fetch from a hostile URL may reach. Every special-purpose
// range is probed at both of its edges, and the addresses just outside them are allowed.
import { describe, expect, it, vi } from 'vitest';

/**
 * The module, loaded afresh inside the running test. Its range tables are built while it loads:
 * imported at the top of this file they would be built before any test runs, and mutation
 * testing (coverage per test, static code left out) would hold a wrong table to no test here.
 */
async function load(): Promise<typeof import('../../../src/http/address-policy.js')> {
  vi.resetModules();
  return import('../../../src/http/address-policy.js');
}

describe('publicOnlyPolicy', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.255.255.255', 'unspecified'],
    ['10.0.0.0', 'private'],
    ['10.255.255.255', 'private'],
    ['100.64.0.0', 'shared (CGNAT)'],
    ['100.127.255.255', 'shared (CGNAT)'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.0.1', 'link-local'],
    ['169.254.169.254', 'link-local'],
    ['172.16.0.0', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.1', 'documentation'],
    ['192.168.0.1', 'private'],
    ['192.168.255.255', 'private'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.200', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.255', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::2', 'reserved'],
    ['::127.0.0.1', 'reserved'],
    ['::ffff:0:127.0.0.1', 'reserved'],
    ['100::1', 'reserved'],
    ['5f00::1', 'reserved'],
    ['fc00::1', 'unique-local'],
    ['fdff:ffff::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['FF0E::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback (IPv4-mapped)'],
    ['::ffff:7f00:1', 'loopback (IPv4-mapped)'],
    ['::ffff:10.1.2.3', 'private (IPv4-mapped)'],
    ['::ffff:169.254.169.254', 'link-local (IPv4-mapped)'],
    ['64:ff9b::192.168.1.1', 'private (NAT64)'],
    ['64:ff9b::7f00:1', 'loopback (NAT64)'],
    ['64:ff9b:1::1', 'reserved'],
    ['2002:7f00:1::', 'loopback (6to4)'],
    ['2002:a00:1::5', 'private (6to4)'],
    ['2001::1', 'teredo'],
    ['2001:0:ffff:ffff::1', 'teredo'],
    ['2001:2::1', 'benchmarking'],
    ['2001:10::1', 'orchid'],
    ['2001:1f:ffff::1', 'orchid'],
    ['2001:db8::1', 'documentation'],
    ['2001:db8:ffff:ffff::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['3fff:fff::1', 'documentation'],
    ['localhost', 'not an IP address'],
    ['fe80::1%eth0', 'not an IP address'],
    ['[::1]', 'not an IP address'],
    ['', 'not an IP address'],
  ])('refuses %s (%s)', async (address, reason) => {
    const { nonPublicReason, publicOnlyPolicy } = await load();
    expect(nonPublicReason(address)).toBe(reason);
    expect(publicOnlyPolicy(address, 443)).toBe(reason);
  });

  it.each([
    '1.1.1.1',
    '8.8.8.8',
    '9.255.255.255',
    '11.0.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '126.255.255.255',
    '128.0.0.0',
    '169.253.255.255',
    '169.255.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.0.1.255',
    '192.0.3.0',
    '192.167.255.255',
    '192.169.0.0',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
    '2001:4860:4860::8888',
    '2606:4700:4700::1111',
    '2001:1::1',
    '2001:3::1',
    '2001:20::1',
    '2001:db7:ffff::1',
    '2001:db9::1',
    '2003::1',
    '3ffe:ffff::1',
    '3fff:1000::1',
    '::ffff:8.8.8.8',
    '::ffff:808:808',
    '64:ff9b::8.8.8.8',
    '2002:808:808::1',
  ])('allows %s', async (address) => {
    const { nonPublicReason, publicOnlyPolicy } = await load();
    expect(nonPublicReason(address)).toBeNull();
    expect(publicOnlyPolicy(address, 80)).toBe(true);
  });
});
