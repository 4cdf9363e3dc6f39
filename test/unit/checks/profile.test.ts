// The versioned profile: plain data, named and versioned, the one source of every threshold.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE, PROFILES } from '../../../src/checks/profile.js';
import * as kb from '../../../src/kb/profiles.js';

describe('profiles', () => {
  it('the default profile is a named, versioned entry of the profile list, and checks/profile.js re-exports kb/profiles.js', () => {
    expect(PROFILES[DEFAULT_PROFILE.name]).toBe(DEFAULT_PROFILE);
    expect(DEFAULT_PROFILE).toBe(kb.DEFAULT_PROFILE);
    expect(PROFILES).toBe(kb.PROFILES);
    expect(DEFAULT_PROFILE.name).toBe('mxray-2026.11');
    expect(DEFAULT_PROFILE.version).toBe(2);
  });

  it('every profile is plain data (it survives JSON) with every threshold set, under its own name', () => {
    const keys = Object.keys(DEFAULT_PROFILE).sort();
    for (const [name, profile] of Object.entries(PROFILES)) {
      expect(profile.name).toBe(name);
      expect(Number.isInteger(profile.version) && profile.version >= 1).toBe(true);
      expect(JSON.parse(JSON.stringify(profile))).toEqual(profile);
      expect(Object.keys(profile).sort()).toEqual(keys);
      // The maximum validity by issue date: the first holds since ever, the others from dates in increasing order.
      const starts = profile.publicMaxValidity.map((r) => r.from);
      expect(starts[0]).toBe(null);
      const dates = starts.slice(1).map((d) => Date.parse(d as string));
      expect(dates.every((d, i) => Number.isFinite(d) && (i === 0 || d > (dates[i - 1] as number)))).toBe(true);
    }
  });

  it('holds the thresholds the checks judge with (values of version 2)', () => {
    expect(DEFAULT_PROFILE).toEqual({
      name: 'mxray-2026.11',
      version: 2,
      expiryWarnDays: 30,
      minRsaBits: 2048,
      minEcBits: 256,
      publicMaxValidity: [
        { from: null, days: 398 },
        { from: '2026-03-15T00:00:00.000Z', days: 200 },
        { from: '2027-03-15T00:00:00.000Z', days: 100 },
        { from: '2029-03-15T00:00:00.000Z', days: 47 },
      ],
      weakSignatureHashes: ['md2', 'md4', 'md5', 'sha1'],
      oldProtocols: ['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1'],
      slowBannerMs: 5000,
      currentProtocols: ['TLSv1.2', 'TLSv1.3'],
      cleartextAuthMechanisms: ['PLAIN', 'LOGIN'],
    });
  });
});
