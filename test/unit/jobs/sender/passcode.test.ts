// Passcodes: their shape, their randomness source, where they are found (a test address, the
// fixed address, a Subject) and the constant-time comparison of their keys.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPasscode, keyOf, maskedAddress, newPasscode, passcodesInSubject, PASSCODE_LENGTH, recipientKind, sameKey, splitAddress } from '../../../../src/jobs/sender/passcode.js';

const HOST = 'sendertest.example.net';

describe('newPasscode', () => {
  it('20 characters of RFC 4648 base32 in lower case, 5 bits from each random byte', () => {
    const bytes = Buffer.from(Array.from({ length: PASSCODE_LENGTH }, (_, i) => i * 13 + 32));
    const code = newPasscode(() => bytes);
    expect(code).toHaveLength(20);
    expect(code).toBe([...bytes].map((b) => 'abcdefghijklmnopqrstuvwxyz234567'[b & 31]).join(''));
    expect(isPasscode(code)).toBe(true);
  });

  it('uses the whole alphabet (all 32 values reachable) and asks for exactly 20 random bytes', () => {
    const sizes: number[] = [];
    const all = newPasscode((n) => {
      sizes.push(n);
      return Buffer.from(Array.from({ length: n }, (_, i) => i + 12));
    });
    expect(sizes).toEqual([20]);
    expect(new Set(all).size).toBe(20);
    expect(newPasscode(() => Buffer.alloc(20, 31))).toBe('7'.repeat(20));
    expect(newPasscode(() => Buffer.alloc(20, 0))).toBe('a'.repeat(20));
  });

  it('by default from node:crypto: two passcodes differ', () => {
    expect(newPasscode()).not.toBe(newPasscode());
  });
});

describe('isPasscode', () => {
  it('exactly 20 characters of the alphabet, lower case', () => {
    expect(isPasscode('abcdefghijklmnopqrst')).toBe(true);
    expect(isPasscode('abcdefghijklmnopqrs')).toBe(false);
    expect(isPasscode('abcdefghijklmnopqrstu')).toBe(false);
    expect(isPasscode('abcdefghijklmnopqrs0')).toBe(false);
    expect(isPasscode('abcdefghijklmnopqrs1')).toBe(false);
    expect(isPasscode('ABCDEFGHIJKLMNOPQRST')).toBe(false);
    expect(isPasscode('abcdefghij\nlmnopqrst')).toBe(false);
  });
});

describe('keyOf and sameKey', () => {
  it('the key is the SHA-256 of the passcode in lower case, in hex', () => {
    const code = 'abcdefghijklmnopqrst';
    expect(keyOf(code)).toBe(createHash('sha256').update(code).digest('hex'));
    expect(keyOf(code.toUpperCase())).toBe(keyOf(code));
  });

  it('sameKey: equal keys only; anything that is not 32 bytes of hex never matches', () => {
    const a = keyOf('abcdefghijklmnopqrst');
    const b = keyOf('abcdefghijklmnopqrsu');
    expect(sameKey(a, a)).toBe(true);
    expect(sameKey(a, b)).toBe(false);
    expect(sameKey(a, a.slice(0, 62))).toBe(false);
    expect(sameKey('', '')).toBe(false);
    expect(sameKey('zz'.repeat(32), 'zz'.repeat(32))).toBe(false);
  });
});

describe('recipientKind', () => {
  it('a test address of ours, in any case, gives its passcode', () => {
    expect(recipientKind(`test-abcdefghijklmnopqrst@${HOST}`, [HOST])).toEqual({ kind: 'passcode', passcode: 'abcdefghijklmnopqrst' });
    expect(recipientKind(`TEST-ABCDEFGHIJKLMNOPQRST@${HOST.toUpperCase()}.`, [HOST])).toEqual({ kind: 'passcode', passcode: 'abcdefghijklmnopqrst' });
  });

  it('the fixed address; another local part; a malformed passcode is just another local part', () => {
    expect(recipientKind(`test@${HOST}`, [HOST])).toEqual({ kind: 'fixed' });
    expect(recipientKind(`postmaster@${HOST}`, [HOST])).toEqual({ kind: 'other-local' });
    expect(recipientKind(`test-abc@${HOST}`, [HOST])).toEqual({ kind: 'other-local' });
    expect(recipientKind(`test-abcdefghijklmnopqrst0@${HOST}`, [HOST])).toEqual({ kind: 'other-local' });
  });

  it('every other domain is foreign (relay), however it is dressed up', () => {
    for (const address of [`user@example.com`, `test-abcdefghijklmnopqrst@${HOST}.evil.example`, `user@sub.${HOST}`, `user%other.example@evil.example`, `user@[127.0.0.1]`]) {
      expect(recipientKind(address, [HOST]).kind).toBe('foreign');
    }
    // a percent hack at our own domain names no other domain to us: it is a local part we do not have
    expect(recipientKind(`user%other.example@${HOST}`, [HOST])).toEqual({ kind: 'other-local' });
  });

  it('no @, an empty local part or domain: invalid', () => {
    for (const address of ['', 'user', '@example.com', 'user@']) expect(recipientKind(address, [HOST])).toEqual({ kind: 'invalid' });
  });

  it('splitAddress takes the last @ (a quoted local part may hold one)', () => {
    expect(splitAddress('"a@b"@Example.COM')).toEqual({ local: '"a@b"', domain: 'example.com' });
  });
});

describe('passcodesInSubject', () => {
  it('finds test-<passcode> or the passcode alone, lower-cased, each once, at most 5', () => {
    expect(passcodesInSubject('sender test test-ABCDEFGHIJKLMNOPQRST please')).toEqual(['abcdefghijklmnopqrst']);
    expect(passcodesInSubject('[abcdefghijklmnopqrst]')).toEqual(['abcdefghijklmnopqrst']);
    expect(passcodesInSubject('abcdefghijklmnopqrst abcdefghijklmnopqrst')).toEqual(['abcdefghijklmnopqrst']);
    const many = Array.from({ length: 8 }, (_, i) => 'abcdefghijklmnopqrs' + 'abcdefgh'[i]).join(' ');
    expect(passcodesInSubject(many)).toHaveLength(5);
  });

  it('a 20-letter word is a candidate too (the store decides), but not part of a longer word or one with other digits', () => {
    expect(passcodesInSubject('internationalization')).toEqual(['internationalization']);
    expect(passcodesInSubject('xinternationalization')).toEqual([]);
    expect(passcodesInSubject('abcdefghijklmnopqrst9')).toEqual([]);
    expect(passcodesInSubject('')).toEqual([]);
  });

  it('only the first 2000 characters are read', () => {
    expect(passcodesInSubject(`${' '.repeat(2000)}abcdefghijklmnopqrst`)).toEqual([]);
    expect(passcodesInSubject(`${' '.repeat(1979)}abcdefghijklmnopqrst`)).toEqual(['abcdefghijklmnopqrst']);
  });

  it('never throws, always gives passcodes (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        for (const code of passcodesInSubject(s)) expect(isPasscode(code)).toBe(true);
      }),
    );
  });
});

describe('edges the mutation run found', () => {
  it('newPasscode: a random source that gives too few bytes fills the rest with the first letter', () => {
    expect(newPasscode(() => Buffer.alloc(5, 1))).toBe(`${'b'.repeat(5)}${'a'.repeat(15)}`);
  });

  it('sameKey: a short or long key on either side never matches, and never throws', () => {
    const a = keyOf('abcdefghijklmnopqrst');
    expect(sameKey(a.slice(0, 62), a)).toBe(false);
    expect(sameKey(`${a}00`, `${a}00`)).toBe(false);
    expect(sameKey(a.slice(0, 62), a.slice(0, 62))).toBe(false);
  });

  it('recipientKind: our hostnames in any case, any of them', () => {
    expect(recipientKind(`test@${HOST}`, ['other.example', HOST.toUpperCase()])).toEqual({ kind: 'fixed' });
    expect(recipientKind('TEST@other.example', ['other.example', HOST])).toEqual({ kind: 'fixed' });
    // The prefix only at the start of the local part.
    expect(recipientKind(`xtest-abcdefghijklmnopqrst@${HOST}`, [HOST])).toEqual({ kind: 'other-local' });
    expect(recipientKind(`a@b@${HOST}`, [HOST])).toEqual({ kind: 'other-local' });
  });

  it('splitAddress: one character on each side of the @ is enough', () => {
    expect(splitAddress('a@b')).toEqual({ local: 'a', domain: 'b' });
    expect(splitAddress('@')).toBeNull();
  });

  it('passcodesInSubject: test- in any case, the passcode after punctuation, in the order found', () => {
    expect(passcodesInSubject('Re: TEST-abcdefghijklmnopqrst, and qrstuvwxyzabcdefghij.')).toEqual(['abcdefghijklmnopqrst', 'qrstuvwxyzabcdefghij']);
    expect(passcodesInSubject('test_abcdefghijklmnopqrst')).toEqual(['abcdefghijklmnopqrst']);
    expect(passcodesInSubject('1abcdefghijklmnopqrst')).toEqual([]);
  });

  it('maskedAddress: the first four characters of the passcode only', () => {
    expect(maskedAddress('abcdefghijklmnopqrst', HOST)).toBe(`test-abcd…@${HOST}`);
  });
});

describe('recipientKind: the test- prefix is required', () => {
  it('a local part of a passcode after five other characters is not a test address', () => {
    expect(recipientKind(`abcdeabcdefghijklmnopqrst@${HOST}`, [HOST])).toEqual({ kind: 'other-local' });
  });
});
