// Pure EHLO reply parsing: the first line names the server, each further line is one
// capability (RFC 5321 §4.1.1.1). Capabilities come only from a complete reply.
import type { Capability, ReplyFacts } from '../core/schema.js';
import { describeExtension } from './extensions.js';

export interface EhloParse {
  /** The host name the server announced on the first line, if it looks like one. */
  name: string | null;
  capabilities: Capability[];
  warnings: string[];
}

const KEYWORD = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

/** The first word of a greeting/EHLO text when it is a plausible host name or address literal. */
export function announcedName(text: string): string | null {
  const word = text.trim().split(/\s/)[0]!;
  // RFC 5321 §4.1.3: "[192.0.2.1]" or "[IPv6:2001:db8::1]".
  if (/^\[(IPv6:)?[0-9a-f:.]+\]$/i.test(word)) return word;
  // At most 253 characters without the trailing dot of the absolute form (RFC 1035 §2.3.4).
  const name = word.replace(/\.$/, '');
  if (/^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*$/.test(name) && name.length <= 253) {
    return name.toLowerCase();
  }
  return null;
}

export function parseEhlo(reply: ReplyFacts): EhloParse {
  const warnings: string[] = [];
  const [first = '', ...rest] = reply.lines;
  const capabilities: Capability[] = [];
  const seen = new Set<string>();
  for (const raw of rest) {
    const line = raw.trim();
    if (!line) continue;
    // "AUTH=LOGIN PLAIN" is the pre-standard form some servers still send beside "AUTH LOGIN PLAIN".
    const [head, ...params] = line.split(/\s+/) as [string, ...string[]];
    const eq = head.indexOf('=');
    const preStandard = eq > 0;
    const keyword = (preStandard ? head.slice(0, eq) : head).toUpperCase();
    const allParams = preStandard ? [head.slice(eq + 1), ...params].filter(Boolean) : params;
    if (!KEYWORD.test(keyword)) {
      warnings.push(`not a capability line: ${line.slice(0, 80)}`);
      continue;
    }
    const key = preStandard ? `${keyword}=` : keyword;
    if (seen.has(key)) continue;
    seen.add(key);
    const info = describeExtension(keyword);
    capabilities.push({ keyword, params: allParams, meaning: info?.meaning ?? null, rfc: info?.rfc ?? null });
  }
  return { name: announcedName(first), capabilities, warnings };
}

export function hasCapability(caps: readonly Capability[], keyword: string): boolean {
  return caps.some((c) => c.keyword === keyword);
}

/** A keyword of at least six letters, all X but maybe the last, as SMTP-inspecting firewalls leave. */
export function isMaskedKeyword(keyword: string): boolean {
  return /^X{5,}[A-Z]$/.test(keyword);
}

/** A banner whose text is mostly asterisks (Cisco ESMTP inspection). */
export function isMaskedBanner(reply: ReplyFacts): boolean {
  const text = reply.lines.join('');
  const stars = text.split('*').length - 1;
  return stars >= 5 && stars >= text.replace(/\s/g, '').length * 0.6;
}
