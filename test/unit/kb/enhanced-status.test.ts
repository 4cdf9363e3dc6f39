// The enhanced status code registry (kb/enhanced-status.ts) and the finder of reply and status codes
// in any text (kb/find-statuses.ts), with the error texts issue 21 quotes as facts: Exchange's
// wrapped replies, a DSN field, a bracketed diagnostic.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeEnhancedStatus, STATUS_CLASSES, STATUS_DETAILS, STATUS_SUBJECTS } from '../../../src/kb/enhanced-status.js';
import { findStatuses, MAX_TEXT, rootStatus } from '../../../src/kb/find-statuses.js';

describe('describeEnhancedStatus', () => {
  it('reads class, subject and detail with the registry’s meanings and the RFC that registered them', () => {
    expect(describeEnhancedStatus('5.7.1')).toEqual({
      code: '5.7.1',
      class: 5,
      subject: 7,
      detail: 1,
      classSummary: 'Permanent failure: the sender gives up and returns the message',
      final: true,
      subjectSummary: 'Security or policy status',
      detailSummary: 'Delivery not authorized, message refused',
      ref: 'RFC 3463 §3.10',
      tls: false,
    });
    expect(describeEnhancedStatus('4.4.7')).toMatchObject({ final: false, detailSummary: 'Delivery time expired' });
    expect(describeEnhancedStatus('2.0.0')).toMatchObject({ final: null, classSummary: 'Success', detailSummary: 'Other undefined status' });
  });

  it('marks the transport-security codes (X.7.0, X.7.3 … X.7.6, X.7.10, X.7.11, X.7.30) and no others', () => {
    const tls = [...STATUS_DETAILS.entries()].filter(([, d]) => d.tls).map(([k]) => k);
    expect(tls).toEqual(['7.0', '7.3', '7.4', '7.5', '7.6', '7.10', '7.11', '7.30']);
    expect(describeEnhancedStatus('5.7.3')).toMatchObject({ tls: true, detailSummary: 'Security conversion required but not possible' });
    expect(describeEnhancedStatus('4.7.5')).toMatchObject({ tls: true, detailSummary: 'Cryptographic failure' });
    expect(describeEnhancedStatus('5.7.10')).toMatchObject({ tls: true, ref: 'RFC 5248' });
    expect(describeEnhancedStatus('5.7.30')).toMatchObject({ tls: true, ref: 'RFC 8689' });
  });

  it('knows the later registrations (null MX, priorities, DKIM/SPF, ARC)', () => {
    expect(describeEnhancedStatus('5.1.10')?.detailSummary).toBe('Recipient address has null MX');
    expect(describeEnhancedStatus('5.7.27')?.detailSummary).toBe('Sender address has null MX');
    expect(describeEnhancedStatus('5.7.26')?.ref).toBe('RFC 7372');
    expect(describeEnhancedStatus('5.7.29')?.ref).toBe('RFC 8617');
    expect(describeEnhancedStatus('4.3.6')?.ref).toBe('RFC 6710');
  });

  it('an unregistered detail keeps the class and subject, and says nothing it does not know', () => {
    expect(describeEnhancedStatus('4.4.317')).toMatchObject({ detailSummary: null, subjectSummary: 'Network and routing status (reaching the next system)', final: false, ref: 'RFC 3463 §3.2' });
    expect(describeEnhancedStatus('5.9.1')).toMatchObject({ subjectSummary: null, detailSummary: null, ref: null });
  });

  it('is not fooled by other dotted numbers: a wrong class, too many digits, leading text', () => {
    for (const t of ['3.1.1', '1.2.3', '5.7.1234', '5.1234.1', '55.7.1', '5.7', '5.7.1.1', ' 5.7.1', 'v5.7.1', '']) expect(describeEnhancedStatus(t), t).toBeNull();
    // Leading zeros are digits like any other: "5.07.001" is 5.7.1.
    expect(describeEnhancedStatus('5.07.001')?.code).toBe('5.7.1');
  });

  it('every class, subject and detail has its summary and reference', () => {
    for (const table of [STATUS_CLASSES, STATUS_SUBJECTS, STATUS_DETAILS]) {
      for (const [, v] of table) {
        expect(v.summary.length).toBeGreaterThan(0);
        expect(v.ref).toMatch(/^RFC \d{4}/);
      }
    }
    // Every detail's subject is a registered subject.
    for (const key of STATUS_DETAILS.keys()) expect(STATUS_SUBJECTS.has(Number(key.split('.')[0])), key).toBe(true);
  });
});

describe('findStatuses', () => {
  it('Exchange’s wrapped reply: the outer 451 4.4.0, then the receiver’s own 451 5.7.3, which is the root', () => {
    const text = '451 4.4.0 Primary target IP address responded with: "451 5.7.3 STARTTLS is required to send mail." Attempted failover to alternate host, but that did not succeed.';
    const found = findStatuses(text);
    expect(found.map((f) => [f.reply, f.enhanced?.code ?? null])).toEqual([
      [451, '4.4.0'],
      [451, '5.7.3'],
    ]);
    expect(found[1]?.words).toBe('STARTTLS is required to send mail.');
    expect(rootStatus(found)?.enhanced?.detailSummary).toBe('Security conversion required but not possible');
  });

  it('three levels deep (a frontend proxy error around a relayed certificate failure): the innermost is the root', () => {
    const text =
      "450 4.4.101 Proxy session setup failed on Frontend with '451 4.4.0 Primary target IP address responded with: \"454 4.7.5 Certificate validation failure\"'";
    const found = findStatuses(text);
    expect(found.map((f) => `${f.reply} ${f.enhanced?.code}`)).toEqual(['450 4.4.101', '451 4.4.0', '454 4.7.5']);
    expect(rootStatus(found)).toMatchObject({ reply: 454, words: 'Certificate validation failure' });
    expect(rootStatus(found)?.enhanced?.tls).toBe(true);
  });

  it('a bracketed diagnostic and a DSN field: the reply inside the brackets, the enhanced code on its own', () => {
    const found = findStatuses('450 4.4.317 Cannot connect to remote server [Message=451 5.7.3 STARTTLS is required to send mail]');
    expect(found.map((f) => [f.reply, f.enhanced?.code])).toEqual([
      [450, '4.4.317'],
      [451, '5.7.3'],
    ]);
    expect(found[1]?.words).toBe('STARTTLS is required to send mail');
    const dsn = findStatuses('Action: failed\nStatus: 5.7.1\nDiagnostic-Code: smtp; 550 5.7.1 Relaying denied');
    expect(dsn.map((f) => [f.reply, f.enhanced?.code])).toEqual([
      [null, '5.7.1'],
      [550, '5.7.1'],
    ]);
    expect(dsn[0]?.words).toBe('');
  });

  it('a reply without an enhanced code, and a multi-line reply’s dash', () => {
    expect(findStatuses('530 Must issue a STARTTLS command first').map((f) => [f.reply, f.enhanced, f.words])).toEqual([[530, null, 'Must issue a STARTTLS command first']]);
    expect(findStatuses('250-STARTTLS').map((f) => f.reply)).toEqual([250]);
  });

  it('is not fooled by numbers that are no replies: addresses, ports, key sizes, a second digit over 5', () => {
    for (const t of ['connect to 192.0.2.25:587: Connection refused', 'TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)', 'message size 2500 exceeds', 'code 599 x', 'id=4.4.0x']) {
      expect(findStatuses(t), t).toEqual([]);
    }
  });

  it('reads at most MAX_TEXT characters and 32 statuses, and never throws on any text', () => {
    expect(findStatuses(`${'x '.repeat(MAX_TEXT)}550 5.7.1 late`)).toEqual([]);
    expect(findStatuses('550 5.7.1 a '.repeat(100))).toHaveLength(32);
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (s) => {
        const found = findStatuses(s);
        return Array.isArray(found) && found.length <= 32 && found.every((f) => f.words.length <= 300);
      }),
      { numRuns: 300 },
    );
  });
});
