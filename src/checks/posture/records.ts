// The two TXT records of a domain's TLS posture, read exactly as their RFCs say senders read them:
// `_mta-sts.<domain>` (RFC 8461 §3.1) and `_smtp._tls.<domain>` (RFC 8460 §3). A record's
// character-strings are joined without anything between them; records that do not start with the
// version are not ours and are set aside; more than one of ours means none (senders then act as if
// nothing were published). Pure: what a resolver answered in, what it means out.

/** One TXT record as published (its strings) and as read (joined). */
export interface TxtRecordView {
  strings: string[];
  text: string;
}

export interface MtaStsRecord {
  /** The record's id, when it has a valid one. */
  id: string | null;
  /** What is wrong with it, in words (empty: nothing). */
  problems: string[];
}

export interface TxtSelection<R> {
  /** Every record that starts with the version, as read. */
  ours: TxtRecordView[];
  /** Records that start almost like ours (case, spaces, a missing ";"): senders discard them; people meant them. */
  nearMisses: TxtRecordView[];
  /** The one record (when there is exactly one) and what reading it found. */
  record: (TxtRecordView & R) | null;
}

import { fewOf } from '../words.js';

const WSP = '[ \\t]*';

/** Joins each record's strings (RFC 8461 §3.1, RFC 8460 §3: no space between them). */
export function joinRecords(records: readonly (readonly string[])[]): TxtRecordView[] {
  return records.map((strings) => ({ strings: [...strings], text: strings.join('') }));
}

/**
 * The records that start with `version` followed by the field separator (or nothing after it). A
 * record that starts with the version in other case, or with spaces before it, is a near miss.
 */
function select(records: readonly (readonly string[])[], version: string): { ours: TxtRecordView[]; nearMisses: TxtRecordView[] } {
  const views = joinRecords(records);
  const exact = new RegExp(`^${version}${WSP}(;|$)`);
  const loose = new RegExp(`^\\s*${version}`, 'i');
  const ours = views.filter((v) => exact.test(v.text));
  const nearMisses = views.filter((v) => !exact.test(v.text) && loose.test(v.text));
  return { ours, nearMisses };
}

/** The fields after the version: `name=value` pairs split at ";" with optional spaces. */
function fields(text: string): { name: string; value: string; raw: string }[] {
  const parts = text.split(';').map((p) => p.replace(/^[ \t]+|[ \t]+$/g, ''));
  // The first part is the version; a trailing ";" leaves one empty part at the end.
  const rest = parts.slice(1);
  if (rest.length > 0 && rest[rest.length - 1] === '') rest.pop();
  return rest.map((raw) => {
    const eq = raw.indexOf('=');
    return eq < 0 ? { name: raw, value: '', raw } : { name: raw.slice(0, eq), value: raw.slice(eq + 1), raw };
  });
}

/** A value from the record in a message: at most 60 characters of it (a record may be kilobytes). */
export function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

/** At most `max` problems named, and how many more (a hostile record may hold thousands). */
export function someOf(problems: readonly string[], max = 5): string {
  return fewOf(problems, max, '; ');
}

const EXT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
const EXT_VALUE = /^[\x21-\x3a\x3c\x3e-\x7e]+$/;

/** Reads one `v=STSv1` record (RFC 8461 §3.1). */
export function readMtaStsRecord(text: string): MtaStsRecord {
  const problems: string[] = [];
  let id: string | null = null;
  let ids = 0;
  for (const f of fields(text)) {
    if (f.raw === '') {
      problems.push('an empty field (two ";" in a row)');
    } else if (f.name === 'id') {
      ids += 1;
      if (!/^[A-Za-z0-9]{1,32}$/.test(f.value)) {
        problems.push(`id ${quote(f.value)} is not 1 to 32 letters and digits`);
      } else if (ids === 1) id = f.value;
    } else if (f.name.toLowerCase() === 'id') {
      problems.push(`${quote(`${f.name}=`)} is not "id=" (the field names are case-sensitive)`);
    } else if (!EXT_NAME.test(f.name) || !EXT_VALUE.test(f.value)) {
      problems.push(`${quote(f.raw)} is not a field (name=value without spaces)`);
    }
  }
  if (ids > 1) problems.push('more than one id');
  if (ids === 0 && !problems.some((p) => p.includes('not "id="'))) problems.push('no id field');
  // A record with a problem is invalid: senders act as if there were no policy.
  return { id: problems.length === 0 ? id : null, problems };
}

/** The `_mta-sts` TXT answer as a sender reads it. */
export function selectMtaStsRecord(records: readonly (readonly string[])[]): TxtSelection<MtaStsRecord> {
  const { ours, nearMisses } = select(records, 'v=STSv1');
  const one = ours.length === 1 ? (ours[0] as TxtRecordView) : null;
  return { ours, nearMisses, record: one ? { ...one, ...readMtaStsRecord(one.text) } : null };
}

export interface TlsRptRecord {
  /** The reporting URIs senders use (mailto: and https:), when the record is valid. */
  rua: string[];
  /** What makes the record invalid (senders send no reports at all). */
  problems: string[];
  /** URIs of a valid record that senders skip (another scheme, a malformed address): the others still get reports. */
  unusable: string[];
}

/**
 * Reads one `v=TLSRPTv1` record (RFC 8460 §3): one rua= of comma-separated URIs. Senders send to the
 * mailto: and https: ones; the record is usable when at least one is.
 */
export function readTlsRptRecord(text: string): TlsRptRecord {
  const problems: string[] = [];
  let uris: string[] = [];
  let ruas = 0;
  for (const f of fields(text)) {
    if (f.raw === '') {
      problems.push('an empty field (two ";" in a row)');
    } else if (f.name === 'rua') {
      ruas += 1;
      if (ruas === 1) uris = f.value.split(',').map((u) => u.replace(/^[ \t]+|[ \t]+$/g, ''));
    } else if (f.name.toLowerCase() === 'rua') {
      problems.push(`${quote(`${f.name}=`)} is not "rua=" (the field names are case-sensitive)`);
    } else if (!EXT_NAME.test(f.name) || !EXT_VALUE.test(f.value)) {
      problems.push(`${quote(f.raw)} is not a field (name=value)`);
    }
  }
  const good = uris.filter((u) => uriProblem(u) === null);
  const unusable = uris.filter((u) => uriProblem(u) !== null).map((u) => uriProblem(u) as string);
  if (ruas >= 1 && good.length === 0) problems.push(unusable.length ? someOf(unusable, 3) : 'rua holds no address');
  if (ruas > 1) problems.push('more than one rua field (give every address in one, separated by commas)');
  if (ruas === 0) problems.push('no rua field: senders have nowhere to send reports');
  return problems.length ? { rua: [], problems, unusable: [] } : { rua: good.slice(0, 64), problems, unusable };
}

/** Why a reporting URI is not one senders use (null: it is fine). Schemes compare case-insensitively (RFC 3986 §3.1). */
export function uriProblem(uri: string): string | null {
  if (uri === '') return 'an empty address in rua';
  if (/^[^:@/]+@[^@]+$/.test(uri)) return `${quote(uri)} lacks "mailto:" (write rua=mailto:${uri.slice(0, 60)})`;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined) return `${quote(uri)} is not a URI (mailto: or https:)`;
  if (scheme === 'mailto') return /^[^:]+:[^@\s]+@[^@\s]+\.[^@\s]+$/.test(uri) ? null : `${quote(uri)} is not a mail address`;
  if (scheme === 'https') {
    try {
      return new URL(uri).hostname === '' ? `${quote(uri)} has no host` : null;
    } catch {
      return `${quote(uri)} is not a URL`;
    }
  }
  return `${quote(`${scheme}:`)} is not a reporting scheme (only mailto: and https:)`;
}

/** The `_smtp._tls` TXT answer as a sender reads it. */
export function selectTlsRptRecord(records: readonly (readonly string[])[]): TxtSelection<TlsRptRecord> {
  const { ours, nearMisses } = select(records, 'v=TLSRPTv1');
  const one = ours.length === 1 ? (ours[0] as TxtRecordView) : null;
  return { ours, nearMisses, record: one ? { ...one, ...readTlsRptRecord(one.text) } : null };
}
