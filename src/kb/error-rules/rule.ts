// Error-text rules as data: what a TLS-related mail error, NDR text or log line means, whose fault
// it is, the likely causes in order (each pointing to the finding that shows it, where one exists),
// the command that tells them apart, and the fix per platform. The finding catalogue stays the one
// source of finding texts: a rule names finding ids, never copies their words. Every rule names
// where its text comes from (an RFC, the vendor's documentation, or the real server that printed it
// in this project's interop tests); `samples` are those texts, short strings quoted as facts.
//
// Patterns are matched case-insensitively against one capped line; they must stay linear (no nested
// quantifiers, no overlapping alternatives under a repeat) — test/unit/kb/error-rules.test.ts times
// every pattern against hostile lines. Named groups `host`, `domain`, `ip` fill the confirming
// command ({host}, {domain}, {ip}); a placeholder nothing captured is left as written, for the user.
import type { FindingId } from '../catalogue.js';

export type Fault = 'receiver' | 'sender' | 'either' | 'path';

export interface ErrorRule {
  id: string;
  /** Who writes this text: 'exchange', 'exchange-online', 'postfix', 'exim', 'openssl', 'smtp' (any MTA, RFC wording) … */
  platform: string;
  /** Lower-case words one of which every matching line contains: the prefilter (no pattern runs on a line without one). */
  keywords: readonly string[];
  patterns: readonly RegExp[];
  /** What it means, in a sentence or two. */
  meaning: string;
  /** Whose side must act: the receiving server, the sending one, either, or something on the path (a firewall). */
  fault: Fault;
  /** Likely causes, most likely first, each with the findings that show it (catalogue ids). */
  causes: readonly { cause: string; findings: readonly FindingId[] }[];
  /** The command that tells the causes apart ({host}, {domain}, {ip} from the text). */
  confirm: string;
  /** What to do, by platform ('any' for every one). */
  fixes: Readonly<Record<string, readonly string[]>>;
  refs: readonly string[];
  /** Texts this rule must match, as the source prints them. */
  samples: readonly string[];
  /**
   * A library's reason (OpenSSL's verify errors, its SSL errors) that other products quote inside
   * their own messages: it explains the reason, beside the rule for the message that quotes it.
   */
  reason?: true;
  /**
   * Rules this one says more precisely than: when both recognise a line, only this one is kept (a
   * general rule for a product's message, and a rule for one case of it that a linear pattern
   * cannot carve out of the general one).
   */
  supersedes?: readonly string[];
}

export const HOST = '(?<host>[A-Za-z0-9][A-Za-z0-9.-]{0,252})';
export const IP = '(?<ip>[0-9]{1,3}(?:\\.[0-9]{1,3}){3}|[0-9A-Fa-f:]{2,39})';

/** A pattern from source text, case-insensitive. */
export const re = (source: string): RegExp => new RegExp(source, 'i');

