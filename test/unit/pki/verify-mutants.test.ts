// Chain repair (repairChain) driven directly: what is fetched from AIA URLs, what is sent, and the
// repair it makes, with every field of the result asserted. Certificates are made at test time.
import { beforeAll, describe, expect, it } from 'vitest';
import { createTrustStore } from '../../../src/pki/trust-store.js';
import { MAX_SENT_EXAMINED, repairChain } from '../../../src/pki/verify.js';
import { certify, DAY_MS, party, pemOf, type Party } from '../../helpers/chain-pki.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const GARBAGE = Buffer.from('not a certificate');

let root: Party;
let inter: Party;
let rootDer: Buffer;
let interDer: Buffer;
let interExpiredDer: Buffer;
let interNotCaDer: Buffer;
let leafDer: Buffer;
let strangerDer: Buffer;

beforeAll(async () => {
  root = await party('CN=Repair Root');
  inter = await party('CN=Repair Intermediate');
  const leaf = await party('CN=mx.repair.test');
  const stranger = await party('CN=Stranger');
  rootDer = await certify(root, root, 'ca', NOW);
  interDer = await certify(inter, root, 'ca', NOW);
  interExpiredDer = await certify(inter, root, 'ca', NOW, { notBefore: NOW - 300 * DAY_MS, notAfter: NOW - 10 * DAY_MS });
  interNotCaDer = await certify(inter, root, 'ca', NOW, { basicConstraints: { ca: false } });
  leafDer = await certify(leaf, inter, 'leaf', NOW, { dnsNames: ['mx.repair.test'] });
  strangerDer = await certify(stranger, stranger, 'ca', NOW);
});

const store = () => createTrustStore([pemOf([rootDer])], 'test roots');
const INCOMPLETE =
  'The server\'s certificate "mx.repair.test" was issued by "Repair Intermediate", which the server did not send and which is not in the trust store (test roots): ' +
  'the server is probably not sending its intermediate certificate (or the issuer is a CA we do not trust).';

describe('repairChain', () => {
  it('repairs a chain missing its intermediate with the fetched issuer', () => {
    const r = repairChain({ chain: [leafDer], trustStore: store(), now: NOW }, [interDer]);
    expect(r.repair?.outcome).toBe('repaired');
    expect(r.repair?.path.map((c) => c.source)).toEqual(['sent', 'aia', 'trust-store']);
    expect(r.repair?.trustFailure).toBe('none');
    expect(r.repair?.reason).toBeNull();
    expect(Object.keys(r.repair ?? {}).sort()).toEqual(['outcome', 'path', 'reason', 'trustFailure']);
    expect(r.pathDer).toEqual([leafDer, interDer, rootDer]);
    expect(r.missingIssuerOf).toBeNull();
  });

  it('fails, and names the leaf as still missing its issuer, when nothing was fetched', () => {
    const r = repairChain({ chain: [leafDer], trustStore: store(), now: NOW }, []);
    expect(r.repair).toEqual({ outcome: 'failed', path: [expect.objectContaining({ source: 'sent' })], trustFailure: 'chain-incomplete', reason: INCOMPLETE });
    expect(r.pathDer).toEqual([leafDer]);
    expect(r.missingIssuerOf).toEqual(leafDer);
  });

  it('needs no repair for a complete chain', () => {
    expect(repairChain({ chain: [leafDer, interDer], trustStore: store(), now: NOW }, [interDer])).toEqual({
      repair: null,
      pathDer: [leafDer, interDer, rootDer],
      missingIssuerOf: null,
    });
  });

  it('needs no repair for a chain ending at an intermediate that is itself a trust anchor', () => {
    const anchors = createTrustStore([pemOf([interDer])], 'intermediate as anchor');
    expect(repairChain({ chain: [leafDer], trustStore: anchors, now: NOW }, [])).toEqual({ repair: null, pathDer: [leafDer, interDer], missingIssuerOf: null });
  });

  it('returns nothing for an empty chain or an unreadable leaf', () => {
    expect(repairChain({ chain: [], trustStore: store(), now: NOW }, [interDer])).toEqual({ repair: null, pathDer: [], missingIssuerOf: null });
    expect(repairChain({ chain: [GARBAGE, leafDer], trustStore: store(), now: NOW }, [interDer])).toEqual({ repair: null, pathDer: [], missingIssuerOf: null });
  });

  it('ignores unreadable certificates, sent or fetched', () => {
    const r = repairChain({ chain: [leafDer, GARBAGE], trustStore: store(), now: NOW }, [GARBAGE, interDer]);
    expect(r.repair?.outcome).toBe('repaired');
    expect(r.pathDer).toEqual([leafDer, interDer, rootDer]);
  });

  it('examines only the first MAX_SENT_EXAMINED certificates fetched', () => {
    const fetched = [...new Array<Buffer>(MAX_SENT_EXAMINED).fill(strangerDer), interDer];
    const r = repairChain({ chain: [leafDer], trustStore: store(), now: NOW }, fetched);
    expect(r.repair?.outcome).toBe('failed');
    expect(r.repair?.trustFailure).toBe('chain-incomplete');
    expect(r.pathDer).toEqual([leafDer]);
    expect(repairChain({ chain: [leafDer], trustStore: store(), now: NOW }, fetched.slice(1)).repair?.outcome).toBe('repaired');
  });

  it('examines only the first MAX_SENT_EXAMINED certificates sent', () => {
    const chain = [leafDer, ...new Array<Buffer>(MAX_SENT_EXAMINED - 1).fill(strangerDer), interDer];
    const r = repairChain({ chain, trustStore: store(), now: NOW }, []);
    expect(r.repair?.outcome).toBe('failed');
    expect(r.repair?.trustFailure).toBe('chain-incomplete');
    expect(r.missingIssuerOf).toEqual(leafDer);
  });

  it('fails when the fetched issuer leads to a root that is not trusted', () => {
    const empty = createTrustStore([pemOf([strangerDer])], 'other roots');
    const r = repairChain({ chain: [leafDer], trustStore: empty, now: NOW }, [interDer]);
    expect(r.repair?.outcome).toBe('failed');
    expect(r.repair?.path.map((c) => c.source)).toEqual(['sent', 'aia']);
    expect(r.repair?.trustFailure).toBe('untrusted-root');
    expect(r.pathDer).toEqual([leafDer, interDer]);
    expect(r.missingIssuerOf).toEqual(interDer);
  });

  it('fails with chain-invalid when the repaired path breaks a rule of path validation', () => {
    const r = repairChain({ chain: [leafDer], trustStore: store(), now: NOW }, [interExpiredDer]);
    expect(r.repair?.outcome).toBe('failed');
    expect(r.repair?.path.map((c) => c.source)).toEqual(['sent', 'aia', 'trust-store']);
    expect(r.repair?.trustFailure).toBe('chain-invalid');
    expect(r.repair?.reason).toBe(
      'The intermediate certificate "Repair Intermediate" breaks a rule of path validation: it expired on 2026-02-19 (10 day(s) before the judging time).',
    );
    expect(r.missingIssuerOf).toBeNull();
  });

  it('prefers a fetched issuer that may issue to one that may not', () => {
    const r = repairChain({ chain: [leafDer], trustStore: store(), now: NOW }, [interNotCaDer, interDer]);
    expect(r.repair?.outcome).toBe('repaired');
    expect(r.pathDer).toEqual([leafDer, interDer, rootDer]);
  });

  it('labels a fetched issuer that may not issue as fetched, not as sent', () => {
    const r = repairChain({ chain: [leafDer], trustStore: store(), now: NOW }, [interNotCaDer]);
    expect(r.repair?.outcome).toBe('failed');
    expect(r.repair?.trustFailure).toBe('chain-invalid');
    expect(r.repair?.path.map((c) => c.source)).toEqual(['sent', 'aia', 'trust-store']);
    expect(r.pathDer).toEqual([leafDer, interNotCaDer, rootDer]);
  });
});
