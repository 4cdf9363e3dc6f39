// The web job kinds' contract, kind by kind: the list and its lookup, each request schema compiled
// with TypeBox's compiler (a valid request passes, an unknown property is refused), upload kinds'
// query strings as strings with their caps, what public mode refuses (one line each), and that the
// target History shows never carries a secret.
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { TObject } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { JOB_KINDS, kindNamed } from '../../../src/web/kinds/index.js';
import type { JobKind } from '../../../src/web/kinds/model.js';

/** A valid request of each kind: as small as it can be, then with most of its options. */
const EXAMPLES: Record<string, { least: Record<string, unknown>; most: Record<string, unknown> }> = {
  check: { least: { target: 'example.com' }, most: { target: 'example.com', port: 25, families: 'ipv4', quick: true, revocation: false } },
  cert: {
    least: { host: 'example.com' },
    most: { host: 'mx.example.com:25', port: 25, tlsOnConnect: false, families: 'both', helo: 'me.example', names: ['mx.example.com'], tlsa: ['3 1 1 ' + 'ab'.repeat(32)], at: '2026-03-01T12:00:00Z', expectThumbprint: 'ab'.repeat(20), warnDays: 30, revocation: true, profiles: ['dane', 'exchange-online'], timeout: 10 },
  },
  'cert-file': { least: {}, most: { name: 'mail.pfx', password: 'x', host: 'mx.example.com', tlsa: '3 1 1 ab', at: '2026-03-01', expectThumbprint: 'ab', warnDays: '30', revocation: 'false', profiles: 'dane,opportunistic' } },
  enforce: { least: { target: 'example.com' }, most: { target: 'example.com', host: 'mx.example.com', port: 25, families: 'ipv6', maxMx: 3, helo: 'me.example', from: 'a@b.example', rcpt: 'c@example.com', throughData: true, timeout: 5, greetingTimeout: 10, deadline: 60 } },
  send: {
    least: { target: 'user@example.com' },
    most: { target: 'user@example.com', port: 587, families: 'both', helo: 'me.example', from: 'a@b.example', to: ['c@example.com'], tls: 'required', verify: 'name', requireTls: false, authUser: 'me', authPassword: 'pw', authMechanism: 'PLAIN', allowCleartextAuth: false, clientCertificate: 'MIIB', clientPassword: 'pw', subject: 's', headers: ['X-A: b'], body: 'hello', size: 1000, timeout: 5, greetingTimeout: 5 },
  },
  posture: { least: { domain: 'example.com' }, most: { domain: 'example.com', maxMx: 5, dnsbl: ['bl.example'], dnsblDefault: true, blocklists: true, timeout: 10 } },
  blocklist: { least: { target: '192.0.2.1' }, most: { target: 'example.com', zones: ['zen.spamhaus.org'], dnsblDefault: false } },
  headers: { least: { text: 'Received: from a by b' }, most: { text: 'Received: from a by b', domains: ['example.com'], internal: ['10.0.0.0/8'], authservIds: ['mx.example.com'] } },
  explain: { least: { text: '550 5.1.1 no such user' }, most: { text: '550 5.1.1 no such user' } },
  tlsrpt: { least: {}, most: { name: 'report.json.gz' } },
  logs: { least: {}, most: { name: 'mail.log', format: 'postfix', domain: 'example.com,example.org', since: '7d', until: '2026-11-30 10:00', utcOffset: '+01:00', includeLocal: 'true' } },
  pcap: { least: {}, most: { name: 'smtp.pcap', port: '2525,2526', retryWindow: '300' } },
};

/**
 * Kinds that reach servers: each takes the edge parameters and says what public mode refuses. (The
 * lead's `check` leaves the edge parameters to the server, as model.ts allows: not listed here.)
 */
const NETWORK = ['cert', 'enforce', 'send', 'posture', 'blocklist'];
const UPLOADS: Record<string, number> = { 'cert-file': 1024 * 1024, tlsrpt: 64 * 1024 * 1024, logs: 512 * 1024 * 1024, pcap: 512 * 1024 * 1024 };

const kind = (name: string): JobKind => {
  const k = kindNamed(name);
  if (!k) throw new Error(`no kind ${name}`);
  return k;
};

describe('the list of kinds', () => {
  it('every kind the brief names, once, the receiver test among them; kindNamed finds each and nothing else', () => {
    const names = JOB_KINDS.map((k) => k.name);
    expect([...names].sort()).toEqual(Object.keys(EXAMPLES).sort());
    expect(new Set(names).size).toBe(names.length);
    for (const k of JOB_KINDS) {
      expect(kindNamed(k.name)).toBe(k);
      expect(k.title.length).toBeGreaterThan(0);
      expect(k.name).toMatch(/^[a-z][a-z-]*$/);
    }
    expect(kindNamed('nope')).toBeNull();
    expect(kindNamed('toString')).toBeNull();
  });

  it('uploads have their caps and are never rerunnable; send is not either (its request may hold a password)', () => {
    for (const k of JOB_KINDS) {
      const cap = UPLOADS[k.name];
      if (cap === undefined) expect(k.upload, k.name).toBeUndefined();
      else {
        expect(k.upload, k.name).toEqual({ maxBytes: cap });
        expect(k.rerunnable, k.name).toBe(false);
      }
    }
    expect(kind('send').rerunnable).toBe(false);
    for (const name of ['check', 'cert', 'enforce', 'posture', 'blocklist', 'headers', 'explain']) expect(kind(name).rerunnable, name).toBe(true);
  });
});

describe('request schemas', () => {
  for (const k of JOB_KINDS) {
    it(`${k.name}: compiles; its examples pass; an unknown property, or a wrong type, is refused`, () => {
      const check = TypeCompiler.Compile(k.params);
      const example = EXAMPLES[k.name];
      if (!example) throw new Error(`no example for ${k.name}`);
      expect([...check.Errors(example.least)].map((e) => `${e.path} ${e.message}`)).toEqual([]);
      expect([...check.Errors(example.most)].map((e) => `${e.path} ${e.message}`)).toEqual([]);
      expect(check.Check({ ...example.least, unknownOption: 'x' })).toBe(false);
      expect(check.Check({ ...example.most, __proto__x: 1 })).toBe(false);
      expect(check.Check('example.com')).toBe(false);
      // Every option the most complete example gives is one the schema knows.
      const properties = Object.keys((k.params as unknown as TObject).properties);
      for (const key of Object.keys(example.most)) expect(properties, `${k.name}.${key}`).toContain(key);
    });
  }

  it('upload kinds take their parameters from the query string: every one a string, the name among them', () => {
    for (const name of Object.keys(UPLOADS)) {
      const params = kind(name).params as unknown as TObject;
      expect(Object.keys(params.properties), name).toContain('name');
      for (const [key, schema] of Object.entries(params.properties)) expect(schema.type, `${name}.${key}`).toBe('string');
    }
  });

  it('query-string patterns refuse what the conversion would refuse anyway, before the job starts', () => {
    const logs = TypeCompiler.Compile(kind('logs').params);
    expect(logs.Check({ format: 'postfix' })).toBe(true);
    expect(logs.Check({ format: 'qmail' })).toBe(false);
    expect(logs.Check({ includeLocal: 'yes' })).toBe(false);
    expect(logs.Check({ since: 'yesterday' })).toBe(false);
    expect(logs.Check({ utcOffset: '+01:00' })).toBe(true);
    const pcap = TypeCompiler.Compile(kind('pcap').params);
    expect(pcap.Check({ port: '25,x' })).toBe(false);
    expect(pcap.Check({ retryWindow: '-1' })).toBe(false);
    const certFile = TypeCompiler.Compile(kind('cert-file').params);
    expect(certFile.Check({ profiles: 'dane,nobody' })).toBe(false);
    expect(certFile.Check({ warnDays: '3x' })).toBe(false);
  });

  it('sizes: explain takes 256 KiB of text, headers 1 MiB; one more character is refused', () => {
    const explain = TypeCompiler.Compile(kind('explain').params);
    expect(explain.Check({ text: 'a'.repeat(256 * 1024) })).toBe(true);
    expect(explain.Check({ text: 'a'.repeat(256 * 1024 + 1) })).toBe(false);
    expect(explain.Check({ text: '' })).toBe(false);
    const headers = TypeCompiler.Compile(kind('headers').params);
    expect(headers.Check({ text: 'a'.repeat(1024 * 1024) })).toBe(true);
    expect(headers.Check({ text: 'a'.repeat(1024 * 1024 + 1) })).toBe(false);
  });

  it('send: count and concurrency within the CLI’s bounds; tls and verify only their modes', () => {
    const send = TypeCompiler.Compile(kind('send').params);
    expect(send.Check({ target: 'a@b.example', count: 100_000, concurrency: 200 })).toBe(true);
    expect(send.Check({ target: 'a@b.example', count: 100_001 })).toBe(false);
    expect(send.Check({ target: 'a@b.example', tls: 'sometimes' })).toBe(false);
    expect(send.Check({ target: 'a@b.example', verify: 'all' })).toBe(false);
  });
});

describe('public mode', () => {
  for (const name of NETWORK) {
    it(`${name}: the edge parameters are refused, in one line; the plain request is not`, () => {
      const k = kind(name);
      const least = EXAMPLES[name]?.least ?? {};
      expect(k.publicProblem, name).toBeDefined();
      const problem = (p: Record<string, unknown>) => k.publicProblem?.(p as never) ?? null;
      expect(problem(least)).toBeNull();
      expect(problem({ ...least, connect: [] })).toBeNull();
      for (const extra of [{ resolver: '192.0.2.53' }, { connect: ['mx.example.com=192.0.2.25'] }]) {
        const why = problem({ ...least, ...extra });
        expect(why, JSON.stringify(extra)).toMatch(/^public mode .*\b(resolver|connect)\b/);
        expect(why).not.toContain('\n');
      }
      // The schema takes them (the server builds the edges they ask for outside public mode).
      expect(TypeCompiler.Compile(k.params).Check({ ...least, resolver: '192.0.2.53:5353', connect: ['mx.example.com=192.0.2.25:2525'] })).toBe(true);
    });
  }

  it('send: more than one message, or more than one session, is refused; one message is not', () => {
    const send = kind('send');
    const problem = (p: Record<string, unknown>) => send.publicProblem?.({ target: 'a@b.example', ...p } as never) ?? null;
    expect(problem({ count: 1 })).toBeNull();
    expect(problem({ count: 2 })).toMatch(/^public mode .*count/);
    expect(problem({ count: 1, concurrency: 2 })).toMatch(/^public mode .*concurrency/);
  });

  it('every kind that reaches servers takes the edge parameters', () => {
    for (const name of ['check', ...NETWORK]) {
      const properties = (kind(name).params as unknown as TObject).properties;
      expect(properties.resolver, name).toBeDefined();
      expect(properties.connect, name).toBeDefined();
    }
  });

  it('kinds that read only what the request brings have nothing to refuse', () => {
    for (const name of ['headers', 'explain', 'tlsrpt', 'logs', 'pcap', 'cert-file']) {
      const k = kind(name);
      expect(k.publicProblem?.((EXAMPLES[name]?.most ?? {}) as never) ?? null, name).toBeNull();
    }
  });
});

describe('targetOf', () => {
  it('what the request names, at most 500 characters', () => {
    expect(kind('cert').targetOf({ host: 'mx.example.com:465' } as never)).toBe('mx.example.com:465');
    expect(kind('enforce').targetOf({ host: 'mx.example.com' } as never)).toBe('mx.example.com');
    expect(kind('send').targetOf({ target: 'user@example.com', host: 'mx.example.com' } as never)).toBe('user@example.com');
    expect(kind('posture').targetOf({ domain: 'example.com' } as never)).toBe('example.com');
    expect(kind('blocklist').targetOf({ target: '192.0.2.1' } as never)).toBe('192.0.2.1');
    expect(kind('logs').targetOf({ name: 'mail.log.gz' } as never)).toBe('mail.log.gz');
    expect(kind('headers').targetOf({ text: 'Subject: hello there\r\nReceived: x' } as never)).toBe('pasted header: hello there');
    for (const k of JOB_KINDS) {
      const long = 'x'.repeat(5000);
      const all = { target: long, host: long, domain: long, text: long, name: long };
      expect(k.targetOf(all as never).length, k.name).toBeLessThanOrEqual(500);
    }
  });

  it('never a password, token or PFX password', () => {
    const secrets = ['pw-SECRET-1', 'tok-SECRET-2', 'pfx-SECRET-3'];
    const send = kind('send').targetOf({ target: 'user@example.com', authUser: 'me', authPassword: secrets[0], oauthToken: secrets[1], clientPassword: secrets[2] } as never);
    const hostOnly = kind('send').targetOf({ host: 'mx.example.com', authUser: 'me', authPassword: secrets[0] } as never);
    const file = kind('cert-file').targetOf({ name: 'mail.pfx', password: secrets[2] } as never);
    const nameless = kind('cert-file').targetOf({ password: secrets[2] } as never);
    for (const target of [send, hostOnly, file, nameless]) for (const s of secrets) expect(target).not.toContain(s);
    expect([send, hostOnly, file, nameless]).toEqual(['user@example.com', 'mx.example.com', 'mail.pfx', 'certificate file']);
  });
});
