// Sender-test passcodes: random, unguessable, written where a sender can carry them — in the
// recipient's local part ("test-<passcode>@<hostname>") or in the Subject, for senders that can
// only write to a fixed address. The store never sees a passcode, only its SHA-256 (`keyOf`), and
// keys are compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** RFC 4648 base32, lower case: no 0/1/8/9, nothing a mail system rewrites or mistakes. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
/** 20 characters of 5 bits: 100 random bits. */
export const PASSCODE_LENGTH = 20;
/** The local part of a test address: `test-` and the passcode. */
export const LOCAL_PREFIX = 'test-';
/** The fixed address's local part, for a passcode carried in the Subject. */
export const FIXED_LOCAL_PART = 'test';

const PASSCODE = new RegExp(`^[${ALPHABET}]{${PASSCODE_LENGTH}}$`);
// In a Subject: "test-<passcode>", or the passcode alone between non-alphanumerics (a long word
// can look like one: every candidate is tried).
const IN_SUBJECT = new RegExp(`(?<![a-z0-9])(?:test-)?([${ALPHABET}]{${PASSCODE_LENGTH}})(?![a-z0-9])`, 'gi');
/** Most candidates tried from one Subject. */
const MAX_SUBJECT_CANDIDATES = 5;

/** A new passcode from `random` (node:crypto's by default). */
export function newPasscode(random: (size: number) => Buffer = randomBytes): string {
  const bytes = random(PASSCODE_LENGTH);
  let out = '';
  for (let i = 0; i < PASSCODE_LENGTH; i++) out += ALPHABET[(bytes[i] ?? 0) & 31];
  return out;
}

export function isPasscode(text: string): boolean {
  return PASSCODE.test(text);
}

/** The store's key of a passcode: SHA-256, lower-case hex. */
export function keyOf(passcode: string): string {
  return createHash('sha256').update(passcode.toLowerCase()).digest('hex');
}

/** Two keys compared in constant time (a stored key against one computed from what a client sent). */
export function sameKey(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === 32 && y.length === 32 && timingSafeEqual(x, y);
}

/** A recipient address split: local part and domain, lower case (null without an @). */
export function splitAddress(address: string): { local: string; domain: string } | null {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return null;
  return { local: address.slice(0, at).toLowerCase(), domain: address.slice(at + 1).toLowerCase().replace(/\.$/, '') };
}

/** What a recipient address is to the sender test. */
export type RecipientKind =
  | { kind: 'passcode'; passcode: string }
  | { kind: 'fixed' }
  | { kind: 'other-local' }
  | { kind: 'foreign'; domain: string }
  | { kind: 'invalid' };

/** Sorts a RCPT TO address: a test address of ours, the fixed address, another local one, another domain's (relay). */
export function recipientKind(address: string, hostnames: readonly string[]): RecipientKind {
  const parts = splitAddress(address);
  if (!parts) return { kind: 'invalid' };
  if (!hostnames.some((h) => h.toLowerCase() === parts.domain)) return { kind: 'foreign', domain: parts.domain };
  if (parts.local === FIXED_LOCAL_PART) return { kind: 'fixed' };
  if (parts.local.startsWith(LOCAL_PREFIX)) {
    const passcode = parts.local.slice(LOCAL_PREFIX.length);
    if (isPasscode(passcode)) return { kind: 'passcode', passcode };
  }
  return { kind: 'other-local' };
}

/** What may be a passcode in a Subject (RFC 2047 words already decoded), first first, at most 5. */
export function passcodesInSubject(subject: string): string[] {
  const found: string[] = [];
  for (const m of subject.slice(0, 2000).matchAll(IN_SUBJECT)) {
    const code = (m[1] ?? '').toLowerCase();
    if (!found.includes(code)) found.push(code);
    if (found.length === MAX_SUBJECT_CANDIDATES) break;
  }
  return found;
}

/** A test address for showing and keeping: the passcode's first four characters only ("test-ab3x…@host"). */
export function maskedAddress(passcode: string, hostname: string): string {
  return `${LOCAL_PREFIX}${passcode.slice(0, 4)}…@${hostname}`;
}
