// What DNS says about a sending client, looked up while its SMTP session runs: the PTR names of
// its address and whether they resolve back to it (FCrDNS), the EHLO name's addresses, the MAIL
// FROM domain's MX hosts and SPF verdict. Lookups start as the session reveals each name, and
// `result()` takes what has finished when the session's DNS budget is spent: what had not is
// named in `unfinished`. Every answer is hostile input: counts and lengths are capped, failures are
// words ("NXDOMAIN", "timeout" …), nothing throws.
import type { MxAnswer, Resolver } from '../../core/context.js';
import { DnsError } from '../../core/errors.js';
import { ipFamily, isIPv4, isIPv6 } from '../../core/ip.js';
import { normalizeDnsName } from '../../core/names.js';
import type { SenderDns } from '../../core/sender-schema.js';
import { ask, isMx, isText, type DnsAnswer } from './dns-query.js';
import { evaluateSpf, sameAddress, spfIdentity, unmapIPv4 } from './spf.js';

/** Queries of one session at most, by default: SPF alone may take ~120 in the worst case the RFC allows. */
export const DEFAULT_MAX_LOOKUPS = 200;

const MAX_PTR_NAMES = 10;
const MAX_FORWARD = 5;
const MAX_ADDRESSES = 32;
const MAX_MX_HOSTS = 32;
const MAX_UNFINISHED = 20;
const NAME_MAX = 256;
const EHLO_MAX = 300;
const LITERAL_MAX = 64;
const LABEL_MAX = 300;

const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A host name as RFC 1123 writes it, fully qualified: two labels or more of letters, digits and inner hyphens. */
export function isHostName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  return labels.length >= 2 && labels.every((l) => HOST_LABEL.test(l)) && !/^[0-9]+$/.test(labels[labels.length - 1]!);
}

/** "[192.0.2.1]" → "192.0.2.1", "[IPv6:2001:db8::1]" → "2001:db8::1"; undefined: no literal; null: a bracketed text that is no address. */
function addressLiteral(name: string): string | null | undefined {
  if (!name.startsWith('[')) return undefined;
  const inner = /^\[(.*)\]$/s.exec(name)?.[1];
  if (inner === undefined) return null;
  if (/^ipv6:/i.test(inner)) return isIPv6(inner.slice(5)) ? inner.slice(5) : null;
  return isIPv4(inner) ? inner : null;
}

/** A lookup in flight, named for `unfinished` ("PTR 192.0.2.1"). */
interface Task {
  label: string;
  done: boolean;
  settled: Promise<void>;
}

interface Forward {
  name: string;
  addresses: string[];
  error: string | null;
  /** DNS answered (records, NXDOMAIN or NODATA), or the name is not one: it says whether the name leads back. */
  answered: boolean;
}

/** Counts queries; past the budget, each is refused without reaching the resolver. */
function budgeted(inner: Resolver, max: number): Resolver {
  let used = 0;
  const spend = <T>(qtype: string, name: string, query: () => Promise<T>): Promise<T> => {
    used++;
    if (used > max) return Promise.reject(new DnsError('OTHER', name, qtype, 'lookup budget spent'));
    // A resolver that throws instead of rejecting is caught by the caller's ask().
    return query();
  };
  return {
    description: typeof inner.description === 'string' ? inner.description : 'resolver',
    mx: (name) => spend('MX', name, () => inner.mx(name)),
    a: (name) => spend('A', name, () => inner.a(name)),
    aaaa: (name) => spend('AAAA', name, () => inner.aaaa(name)),
    cname: (name) => spend('CNAME', name, () => inner.cname(name)),
    ptr: (address) => spend('PTR', address, () => inner.ptr(address)),
    txt: (name) => spend('TXT', name, () => inner.txt(name)),
  };
}

function cutName(name: string): string {
  return name.slice(0, NAME_MAX);
}

/** Names of an answer: normalised, without repeats or empties, each capped. */
function distinctNames(raw: readonly string[], max: number): string[] {
  const names: string[] = [];
  for (const r of raw) {
    const name = cutName(normalizeDnsName(r));
    if (name !== '' && !names.includes(name)) names.push(name);
    if (names.length >= max) break;
  }
  return names;
}

export interface SenderDnsOptions {
  /** Queries of the whole session at most (default DEFAULT_MAX_LOOKUPS): a client that sends EHLO a thousand times gets no more. */
  maxLookups?: number;
}

export class SenderDnsLookups {
  private readonly resolver: Resolver;
  private readonly ip: string;
  private readonly family: 0 | 4 | 6;
  private readonly tasks = new Map<string, Task>();
  /** Aborted when a result() is cut short: SPF asks nothing more. */
  private readonly stop = new AbortController();

  private reverse: SenderDns['reverse'] = { names: [], error: null };
  private forward: Forward[] = [];
  private ehlo: SenderDns['ehlo'] = null;
  private heloName: string | null = null;
  private ehloRound = 0;
  private mailDomain: string | null = null;
  private mailFromText: string | null = null;
  private mx: SenderDns['mx'] = null;
  private spf: SenderDns['spf'] = null;
  private mailRound = 0;
  private spfStop: AbortController | null = null;

  constructor(resolver: Resolver, clientIp: string, options: SenderDnsOptions = {}) {
    const max = options.maxLookups ?? DEFAULT_MAX_LOOKUPS;
    this.resolver = budgeted(resolver, Number.isFinite(max) && max >= 0 ? max : DEFAULT_MAX_LOOKUPS);
    this.ip = typeof clientIp === 'string' ? unmapIPv4(clientIp.trim()) : '';
    this.family = ipFamily(this.ip);
    this.startReverse();
  }

  /** Runs a lookup as a task; `apply` is called only while `current()` still holds (a newer EHLO or MAIL FROM drops older ones). */
  private track<T>(key: string, label: string, run: () => Promise<T>, apply: (value: T) => void, current: () => boolean = () => true): void {
    const task: Task = { label: label.slice(0, LABEL_MAX), done: false, settled: Promise.resolve() };
    task.settled = run().then(
      (value) => {
        if (current()) apply(value);
        task.done = true;
      },
      () => {
        // Unreachable: every run here is built on ask(), which never rejects.
        task.done = true;
      },
    );
    this.tasks.set(key, task);
  }

  private startReverse(): void {
    if (this.family === 0) {
      this.reverse = { names: [], error: 'invalid address' };
      return;
    }
    this.track(
      'ptr',
      `PTR ${this.ip}`,
      () => ask(() => this.resolver.ptr(this.ip), isText, 10 * MAX_PTR_NAMES, this.stop.signal),
      (answer) => {
        if (!answer.ok) {
          this.reverse = { names: [], error: answer.error };
          return;
        }
        const names = distinctNames(answer.records, MAX_PTR_NAMES);
        this.reverse = { names, error: names.length === 0 ? 'NODATA' : null };
        names.slice(0, MAX_FORWARD).forEach((name, i) => this.startForward(name, i));
      },
    );
  }

  /** The client family's records of one PTR name: FCrDNS asks whether they hold the client address. */
  private startForward(name: string, index: number): void {
    const entry: Forward = { name, addresses: [], error: null, answered: false };
    this.forward.push(entry);
    if (!isHostName(name)) {
      entry.error = 'invalid name';
      entry.answered = true;
      return;
    }
    const qtype = this.family === 6 ? 'AAAA' : 'A';
    this.track(
      `forward ${index}`,
      `${qtype} ${name}`,
      () => ask(() => (this.family === 6 ? this.resolver.aaaa(name) : this.resolver.a(name)), isText, MAX_ADDRESSES, this.stop.signal),
      (answer) => {
        entry.answered = answer.ok || answer.empty;
        if (answer.ok) entry.addresses = answer.records.map((a) => a.slice(0, LITERAL_MAX));
        else entry.error = answer.error;
      },
    );
  }

  /** The EHLO/HELO name; called again after STARTTLS, the last one counts (older lookups are dropped). */
  greeting(name: string): void {
    if (typeof name !== 'string') return;
    const literal = addressLiteral(name.trim());
    const shown = literal === undefined ? normalizeDnsName(name) : name.trim();
    if (shown === this.heloName) return;
    const round = ++this.ehloRound;
    this.tasks.delete('ehlo A');
    this.tasks.delete('ehlo AAAA');
    this.heloName = shown;
    const ehlo: NonNullable<SenderDns['ehlo']> = { name: shown.slice(0, EHLO_MAX), literal: null, addresses: [], error: null };
    this.ehlo = ehlo;
    if (literal !== undefined) {
      if (literal === null) ehlo.error = 'invalid name';
      else ehlo.literal = literal.slice(0, LITERAL_MAX);
      return;
    }
    if (!isHostName(shown)) {
      ehlo.error = 'invalid name';
      return;
    }
    // Both families: the name is compared with the client address, whichever it has.
    const answers: { A?: DnsAnswer<string>; AAAA?: DnsAnswer<string> } = {};
    const settle = (): void => {
      const both = [answers.A, answers.AAAA];
      if (both.some((a) => a === undefined)) return;
      const addresses = both.flatMap((a) => (a!.ok ? a!.records : []));
      ehlo.addresses = [...new Set(addresses.map((a) => a.slice(0, LITERAL_MAX)))].slice(0, MAX_ADDRESSES);
      ehlo.error = ehlo.addresses.length > 0 ? null : ehloError(answers.A!, answers.AAAA!);
    };
    for (const qtype of ['A', 'AAAA'] as const) {
      this.track(
        `ehlo ${qtype}`,
        `${qtype} ${shown}`,
        () => ask(() => (qtype === 'A' ? this.resolver.a(shown) : this.resolver.aaaa(shown)), isText, MAX_ADDRESSES, this.stop.signal),
        (answer) => {
          answers[qtype] = answer;
          settle();
        },
        () => round === this.ehloRound,
      );
    }
  }

  /** The envelope sender ('' = the null sender); a later MAIL FROM (a new transaction) replaces the earlier one. */
  mailFrom(address: string): void {
    if (typeof address !== 'string') return;
    const text = address.trim();
    if (text === this.mailFromText) return;
    this.mailFromText = text;
    const round = ++this.mailRound;
    const current = (): boolean => round === this.mailRound;
    this.tasks.delete('mx');
    this.tasks.delete('spf');
    this.spfStop?.abort();
    this.mx = null;
    this.spf = null;
    if (text === '') this.mailDomain = null;
    else {
      const domain = normalizeDnsName(text.slice(text.lastIndexOf('@') + 1));
      this.mailDomain = cutName(domain);
      if (!isHostName(domain)) this.mx = { hosts: [], error: 'invalid name' };
      else {
        this.track(
          'mx',
          `MX ${domain}`,
          () => ask(() => this.resolver.mx(domain), isMx, 4 * MAX_MX_HOSTS, this.stop.signal),
          (answer) => {
            this.mx = answer.ok ? { hosts: mxHosts(answer.records), error: null } : { hosts: [], error: answer.error };
          },
          current,
        );
      }
    }
    const identity = spfIdentity(this.ip, text, this.heloName);
    if (identity === null || this.family === 0) return;
    const spfStop = new AbortController();
    this.spfStop = spfStop;
    const signal = AbortSignal.any([this.stop.signal, spfStop.signal]);
    this.track(
      'spf',
      `SPF ${identity.domain}`,
      () => evaluateSpf(this.resolver, identity, signal),
      (outcome) => {
        this.spf = outcome;
      },
      current,
    );
  }

  /**
   * The facts: waits for every lookup started (and those they start) until `signal` aborts; what
   * has not finished then is listed in `unfinished` and left empty. Never rejects.
   */
  async result(signal: AbortSignal): Promise<SenderDns> {
    await new Promise<void>((resolve) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const onAbort = (): void => resolve();
      signal.addEventListener('abort', onAbort, { once: true });
      void this.settled().then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
    const facts = this.snapshot();
    // Cut short: lookups still in flight are abandoned, SPF asks nothing more.
    if (facts.unfinished.length > 0) this.stop.abort();
    return facts;
  }

  /** Resolves once no task is pending (a PTR answer starts forward lookups: look again after each wait). */
  private async settled(): Promise<void> {
    for (;;) {
      const pending = [...this.tasks.values()].filter((t) => !t.done);
      if (pending.length === 0) return;
      await Promise.all(pending.map((t) => t.settled));
    }
  }

  private snapshot(): SenderDns {
    const copy = <T>(v: T): T => structuredClone(v);
    return {
      reverse: copy(this.reverse),
      forward: this.forward.map(({ name, addresses, error }) => ({ name, addresses: [...addresses], error })),
      fcrdns: this.fcrdns(),
      ehlo: copy(this.ehlo),
      mailDomain: this.mailDomain,
      mx: copy(this.mx),
      spf: copy(this.spf),
      unfinished: [...this.tasks.values()]
        .filter((t) => !t.done)
        .map((t) => t.label)
        .slice(0, MAX_UNFINISHED),
    };
  }

  /** True: a PTR name leads back to the client; false: every one answered and none does; null: no name, or no answer to tell. */
  private fcrdns(): boolean | null {
    if (this.reverse.names.length === 0) return null;
    if (this.forward.some((f) => f.addresses.some((a) => sameAddress(a, this.ip)))) return true;
    return this.forward.some((f) => f.answered) ? false : null;
  }
}

/** MX hosts by preference, each once; a null MX (the root) is shown as ".". */
function mxHosts(records: readonly MxAnswer[]): string[] {
  const hosts: string[] = [];
  for (const r of [...records].sort((x, y) => x.priority - y.priority)) {
    const name = cutName(normalizeDnsName(r.exchange)) || '.';
    if (!hosts.includes(name)) hosts.push(name);
    if (hosts.length >= MAX_MX_HOSTS) break;
  }
  return hosts;
}

/** Why an EHLO name has no address: a real failure first, then NXDOMAIN, then NODATA. */
function ehloError(a: DnsAnswer<string>, aaaa: DnsAnswer<string>): string {
  const errors = [a, aaaa].flatMap((x) => (x.ok ? ['NODATA'] : [x.error]));
  return errors.find((e) => e !== 'NXDOMAIN' && e !== 'NODATA') ?? errors.find((e) => e === 'NXDOMAIN') ?? 'NODATA';
}
