// web/auth.ts: the --auth file, passwords and tokens, sessions on a test clock, and sign-in with
// CSRF through Fastify's inject (no socket).
import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/core/clock.js';
import { UsageError } from '../../../src/core/errors.js';
import {
  addTokenLine,
  addUserLine,
  hashPassword,
  newToken,
  parseAuthFile,
  registerAuth,
  sessionInfo,
  Sessions,
  tokenOwner,
  userOf,
  verifyPassword,
  verifyPasswordAsync,
  USER_FAILURES_ANYWHERE,
  type AuthConfig,
} from '../../../src/web/auth.js';

const sha256hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** The UsageError parseAuthFile throws for `text`. */
function parseError(text: string, fileName = 'auth.txt'): UsageError {
  try {
    parseAuthFile(text, fileName);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('parseAuthFile accepted it');
}

// One hash for the whole file: scrypt takes a while on purpose.
const ALICE_PASSWORD = 'correct horse battery staple';
const ALICE_HASH = hashPassword(ALICE_PASSWORD);
const CI = newToken();

describe('the auth file', () => {
  it('reads users and tokens, skipping comments and blank lines (CRLF, a BOM)', () => {
    const text = `\uFEFF# the team\r\n\r\nuser alice ${ALICE_HASH}\r\n  token ci.pipe-1@x ${sha256hex('mxr_a').toUpperCase()}  \r\n\ttoken alice ${sha256hex('mxr_b')}\n# end\n`;
    const config = parseAuthFile(text, 'auth.txt');
    expect([...config.users]).toEqual([['alice', ALICE_HASH]]);
    expect(config.tokens.map((t) => [t.name, t.sha256.toString('hex')])).toEqual([
      ['ci.pipe-1@x', sha256hex('mxr_a')],
      ['alice', sha256hex('mxr_b')],
    ]);
  });

  it('names the line of each mistake, and never repeats a secret or an unsafe character', () => {
    const cases: [string, number, RegExp][] = [
      [`# c\nuser alice hunter2-SECRET\n`, 2, /not an scrypt hash/],
      [`\n\npassword alice hunter2-SECRET\n`, 3, /expected "user <name>/],
      [`user alice\n`, 1, /expected/],
      [`user alice ${ALICE_HASH} hunter2-SECRET\n`, 1, /expected/],
      [`token ci mxr_hunter2-SECRET\n`, 1, /a token itself/],
      [`token ci hunter2-SECRET\n`, 1, /64 hex digits/],
      [`token ci ${sha256hex('x').slice(1)}\n`, 1, /64 hex digits/],
      [`user <script>hunter2-SECRET ${ALICE_HASH}\n`, 1, /1–64 characters/],
      [`user ${'a'.repeat(65)} ${ALICE_HASH}\n`, 1, /1–64 characters/],
      [`user alice ${ALICE_HASH}\nuser bob ${ALICE_HASH}\nuser alice ${ALICE_HASH}\n`, 3, /user alice again \(first on line 1\)/],
      [`token a ${sha256hex('t')}\ntoken b ${sha256hex('t')}\n`, 2, /the same token as on line 1/],
      [`user alice scrypt$16384$8$1$${'A'.repeat(22)}$hunter2-SECRET$x\n`, 1, /not an scrypt hash/],
    ];
    for (const [text, line, why] of cases) {
      const error = parseError(text);
      expect(error.message, text).toMatch(new RegExp(`^auth\\.txt: line ${line}: `));
      expect(error.message, text).toMatch(why);
      expect(error.message, text).not.toContain('hunter2');
      expect(error.message, text).not.toContain('<script>');
      expect(error.message, text).not.toContain(ALICE_HASH.split('$')[5]);
      expect(error.message).not.toContain('\n');
    }
  });

  it('refuses a hash that would cost too much or is not scrypt-shaped', () => {
    const [, , , , salt, hash] = ALICE_HASH.split('$');
    for (const bad of [
      `scrypt$1048576$8$1$${salt}$${hash}`, // 1 GiB
      `scrypt$16385$8$1$${salt}$${hash}`, // N not a power of two
      `scrypt$16384$8$17$${salt}$${hash}`,
      `scrypt$16384$8$1$${salt}`,
      `bcrypt$16384$8$1$${salt}$${hash}`,
      `scrypt$16384$8$1$${salt}$${hash}=`,
      `scrypt$16384$8$1$AAAA$${hash}`, // 3-byte salt
    ]) {
      expect(() => parseAuthFile(`user alice ${bad}\n`, 'f'), bad).toThrow(/line 1: the password hash is not an scrypt hash/);
      expect(verifyPassword(ALICE_PASSWORD, bad), bad).toBe(false);
    }
  });

  it('caps the file at 1 MiB and 1,000 entries', () => {
    const line = (i: number) => `token t${i} ${sha256hex(String(i))}\n`;
    const thousand = Array.from({ length: 1000 }, (_, i) => line(i)).join('');
    expect(parseAuthFile(thousand, 'f').tokens).toHaveLength(1000);
    expect(parseError(`# many\n${thousand}${line(1000)}`).message).toBe('auth.txt: line 1002: more than 1,000 entries');
    const comments = `${'#'.repeat(1023)}\n`.repeat(1024); // exactly 1 MiB
    expect(() => parseAuthFile(comments + line(1), 'f')).toThrow(/larger than 1 MiB/);
    const exactly = `${'#'.repeat(1024 * 1024 - line(1).length - 1)}\n${line(1)}`;
    expect(Buffer.byteLength(exactly)).toBe(1024 * 1024);
    expect(parseAuthFile(exactly, 'f').tokens).toHaveLength(1);
    // Bytes, not characters: 'é' is two.
    expect(() => parseAuthFile(`#${'é'.repeat(512 * 1024)}\n${line(1)}`, 'f')).toThrow(/larger than 1 MiB/);
  });

  it('refuses a file without any user or token, and prints the file name without control characters', () => {
    expect(parseError('# nobody\n\n', 'x\u001b[31m\ny.txt').message).toMatch(/^x\?\[31m\?y\.txt: no user or token lines/);
  });

  it('adds a user (replacing an existing one) and tokens', () => {
    const other = hashPassword('other password');
    let text = `# team\nuser bob ${ALICE_HASH}\r\nuser alice ${ALICE_HASH}\r\ntoken x ${sha256hex('mxr_1')}`;
    text = addUserLine(text, 'alice', other);
    expect(text).toBe(`# team\nuser bob ${ALICE_HASH}\r\nuser alice ${other}\r\ntoken x ${sha256hex('mxr_1')}`);
    text = addUserLine(text, 'carol', ALICE_HASH);
    expect(text.endsWith(`token x ${sha256hex('mxr_1')}\nuser carol ${ALICE_HASH}\n`)).toBe(true);
    text = addTokenLine(text, 'ci', sha256hex('mxr_2').toUpperCase());
    const config = parseAuthFile(text, 'f');
    expect([...config.users.keys()]).toEqual(['bob', 'alice', 'carol']);
    expect(config.users.get('alice')).toBe(other);
    expect(tokenOwner(config, 'mxr_2')).toBe('ci');
    expect(addUserLine('', 'dave', ALICE_HASH)).toBe(`user dave ${ALICE_HASH}\n`);
    expect(() => addUserLine('', 'bad name', ALICE_HASH)).toThrow(UsageError);
    expect(() => addUserLine('', 'dave', 'plain-password')).toThrow(UsageError);
    expect(() => addTokenLine('', 'ci', 'mxr_abc')).toThrow(UsageError);
  });
});

describe('passwords and tokens', () => {
  it('hashes with scrypt N=16384 r=8 p=1 and a random salt, and verifies', async () => {
    expect(ALICE_HASH).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    const again = hashPassword(ALICE_PASSWORD);
    expect(again).not.toBe(ALICE_HASH);
    expect(verifyPassword(ALICE_PASSWORD, ALICE_HASH)).toBe(true);
    expect(verifyPassword(ALICE_PASSWORD, again)).toBe(true);
    expect(verifyPassword(`${ALICE_PASSWORD} `, ALICE_HASH)).toBe(false);
    expect(verifyPassword('', ALICE_HASH)).toBe(false);
    expect(await verifyPasswordAsync(ALICE_PASSWORD, ALICE_HASH)).toBe(true);
    expect(await verifyPasswordAsync('wrong', ALICE_HASH)).toBe(false);
    expect(() => hashPassword('')).toThrow(UsageError);
    expect(() => hashPassword('x'.repeat(1025))).toThrow(UsageError);
  });

  it('makes tokens of 32 random bytes, stored only as their SHA-256', () => {
    const other = newToken();
    expect(CI.token).toMatch(/^mxr_[A-Za-z0-9_-]{43}$/);
    expect(other.token).not.toBe(CI.token);
    const line = CI.line('ci');
    expect(line).toBe(`token ci ${sha256hex(CI.token)}`);
    expect(line).not.toContain(CI.token.slice(4));
    expect(() => CI.line('no spaces')).toThrow(UsageError);
    const config = parseAuthFile(`${line}\n${other.line('deploy')}\n`, 'f');
    expect(tokenOwner(config, CI.token)).toBe('ci');
    expect(tokenOwner(config, other.token)).toBe('deploy');
    expect(tokenOwner(config, newToken().token)).toBeNull();
    expect(tokenOwner(config, CI.token.slice(4))).toBeNull(); // without its prefix
    expect(tokenOwner(config, sha256hex(CI.token))).toBeNull(); // the stored digest is no token
    // Only mxr_ tokens are tokens, even when the file holds the digest of something else.
    expect(tokenOwner(parseAuthFile(`token odd ${sha256hex('plain-secret')}\n`, 'f'), 'plain-secret')).toBeNull();
  });
});

describe('sessions', () => {
  const HOUR = 3600_000;

  it('creates, finds and destroys a session; ids and CSRF tokens are 32 random bytes', () => {
    const sessions = new Sessions(fixedClock(0));
    const a = sessions.create('alice');
    const b = sessions.create('alice');
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set([a.id, a.csrf, b.id, b.csrf]).size).toBe(4);
    expect(sessions.get(a.id)).toEqual({ user: 'alice', csrf: a.csrf });
    expect(sessions.get(a.csrf)).toBeNull();
    expect(sessions.get(`${a.id}x`)).toBeNull();
    sessions.destroy(a.id);
    expect(sessions.get(a.id)).toBeNull();
    expect(sessions.get(b.id)).toEqual({ user: 'alice', csrf: b.csrf });
  });

  it('ends a session idle for 12 hours; each use moves that on', () => {
    const clock = fixedClock(0);
    const sessions = new Sessions(clock);
    const used = sessions.create('alice');
    const idle = sessions.create('bob');
    clock.advance(11 * HOUR);
    expect(sessions.get(used.id)?.user).toBe('alice');
    clock.advance(HOUR);
    expect(sessions.get(idle.id)).toBeNull();
    expect(sessions.get(used.id)?.user).toBe('alice');
    clock.advance(12 * HOUR - 1);
    expect(sessions.get(used.id)?.user).toBe('alice');
    clock.advance(12 * HOUR);
    expect(sessions.get(used.id)).toBeNull();
  });

  it('ends every session 7 days after sign-in, however busy', () => {
    const clock = fixedClock(0);
    const sessions = new Sessions(clock);
    const s = sessions.create('alice');
    for (let h = 0; h < 7 * 24 - 1; h++) {
      clock.advance(HOUR);
      expect(sessions.get(s.id)?.user).toBe('alice');
    }
    clock.advance(HOUR - 1);
    expect(sessions.get(s.id)?.user).toBe('alice');
    clock.advance(1);
    expect(sessions.get(s.id)).toBeNull();
  });

  it('holds at most 10,000 sessions, evicting the oldest', () => {
    const sessions = new Sessions(fixedClock(0));
    const first = sessions.create('u0');
    const second = sessions.create('u1');
    for (let i = 2; i < 10_000; i++) sessions.create(`u${i}`);
    expect(sessions.size).toBe(10_000);
    expect(sessions.get(first.id)?.user).toBe('u0');
    const newest = sessions.create('u10000');
    expect(sessions.size).toBe(10_000);
    expect(sessions.get(first.id)).toBeNull();
    expect(sessions.get(second.id)?.user).toBe('u1');
    expect(sessions.get(newest.id)?.user).toBe('u10000');
  });
});

describe('sign-in over HTTP', () => {
  const apps: FastifyInstance[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  const BOB_PASSWORD = 'bob password';
  const BOB_HASH = hashPassword(BOB_PASSWORD);
  const config: AuthConfig = parseAuthFile(`user alice ${ALICE_HASH}\nuser bob ${BOB_HASH}\n${CI.line('ci')}\n`, 'auth.txt');

  async function server(options: { secureCookie?: boolean; rateLimit?: (ip: string) => boolean } = {}) {
    const clock = fixedClock(Date.UTC(2026, 0, 1));
    const sessions = new Sessions(clock);
    const app = Fastify({ logger: false });
    apps.push(app);
    registerAuth(app, { config, sessions, secureCookie: options.secureCookie ?? false, ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}) });
    app.post('/api/v1/jobs/echo', async (request) => ({ user: userOf(request) }));
    app.delete('/api/v1/jobs/echo', async (request) => ({ user: userOf(request) }));
    app.get('/api/v1/whoami', async (request) => sessionInfo(request));
    await app.ready();
    const login = (user: string, password: string, extra: { ip?: string; cookie?: string } = {}) =>
      app.inject({ method: 'POST', url: '/api/v1/login', payload: { user, password }, remoteAddress: extra.ip ?? '192.0.2.1', headers: extra.cookie ? { cookie: extra.cookie } : {} });
    const signIn = async () => {
      const response = await login('alice', ALICE_PASSWORD);
      expect(response.statusCode).toBe(200);
      const id = /^mxray_session=([^;]+);/.exec(String(response.headers['set-cookie']))?.[1] ?? '';
      return { cookie: `mxray_session=${id}`, id, csrf: (response.json() as { csrf: string }).csrf };
    };
    const echo = (headers: Record<string, string>, method: 'POST' | 'DELETE' = 'POST') =>
      app.inject({ method, url: '/api/v1/jobs/echo', headers: { 'content-type': 'application/json', ...headers }, payload: '{}' });
    return { app, clock, sessions, login, signIn, echo };
  }

  it('signs in: 200 {user, csrf} and an HttpOnly, SameSite=Strict session cookie (Secure when asked)', async () => {
    const { login, sessions } = await server();
    const response = await login('alice', ALICE_PASSWORD);
    expect(response.statusCode).toBe(200);
    const body = response.json() as { user: string; csrf: string };
    expect(body.user).toBe('alice');
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/^mxray_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/$/);
    const id = cookie.slice('mxray_session='.length, cookie.indexOf(';'));
    expect(sessions.get(id)).toEqual({ user: 'alice', csrf: body.csrf });
    expect(response.headers['cache-control']).toBe('no-store');

    const secure = await (await server({ secureCookie: true })).login('alice', ALICE_PASSWORD);
    expect(String(secure.headers['set-cookie'])).toMatch(/^mxray_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Secure$/);
  });

  it('answers a wrong password and an unknown user alike: 401, no cookie', async () => {
    const { login } = await server();
    const wrong = await login('alice', 'not it');
    const unknown = await login('mallory', ALICE_PASSWORD);
    const badName = await login('<mallory>', ALICE_PASSWORD);
    for (const response of [wrong, unknown, badName]) {
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ error: 'wrong user name or password' });
      expect(response.headers['set-cookie']).toBeUndefined();
    }
    // Bob's password is not Alice's.
    expect((await login('alice', BOB_PASSWORD)).statusCode).toBe(401);
    expect((await login('bob', BOB_PASSWORD)).statusCode).toBe(200);
  });

  it('refuses a body without a user and a password (400)', async () => {
    const { app } = await server();
    for (const payload of [{}, { user: 'alice' }, { user: 'alice', password: 5 }, { user: ['alice'], password: ALICE_PASSWORD }, { user: 'alice', password: 'x'.repeat(1025) }]) {
      const response = await app.inject({ method: 'POST', url: '/api/v1/login', payload });
      expect(response.statusCode, JSON.stringify(payload).slice(0, 50)).toBe(400);
    }
  });

  it('limits failed sign-ins per address: 10 per 15 minutes, then 429 with Retry-After (even the right password)', async () => {
    const { login, clock } = await server();
    for (let i = 0; i < 10; i++) expect((await login(i % 2 ? 'alice' : `nobody${i}`, 'wrong', { ip: '198.51.100.7' })).statusCode).toBe(401);
    clock.advance(60_000);
    const limited = await login('bob', BOB_PASSWORD, { ip: '198.51.100.7' });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe(String(14 * 60));
    expect(limited.headers['set-cookie']).toBeUndefined();
    // Another address is not limited.
    expect((await login('bob', BOB_PASSWORD, { ip: '198.51.100.8' })).statusCode).toBe(200);
    clock.advance(14 * 60_000);
    expect((await login('bob', BOB_PASSWORD, { ip: '198.51.100.7' })).statusCode).toBe(200);
  });

  it('limits failed sign-ins per user name from one address, and from everywhere only past a higher bar', async () => {
    const { login, clock } = await server();
    // A stranger's ten guesses lock the name for the stranger's address only: alice signs in from hers.
    for (let i = 0; i < 10; i++) expect((await login('alice', 'wrong', { ip: '203.0.113.7' })).statusCode).toBe(401);
    expect((await login('alice', ALICE_PASSWORD, { ip: '198.51.100.20' })).statusCode).toBe(200);
    clock.advance(15 * 60_000);
    // Spread over many addresses (each under its own limit), the name is locked past USER_FAILURES_ANYWHERE.
    for (let i = 0; i < USER_FAILURES_ANYWHERE; i++) expect((await login('alice', 'wrong', { ip: `10.${i >> 8}.${i & 255}.1` })).statusCode).toBe(401);
    const limited = await login('alice', ALICE_PASSWORD, { ip: '203.0.113.99' });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login('bob', BOB_PASSWORD, { ip: '203.0.113.99' })).statusCode).toBe(200);
    clock.advance(15 * 60_000);
    expect((await login('alice', ALICE_PASSWORD, { ip: '203.0.113.99' })).statusCode).toBe(200);
  });

  it('asks the extra per-address limit once per attempt; false is 429', async () => {
    const asked: string[] = [];
    const { login } = await server({ rateLimit: (ip) => (asked.push(ip), asked.length <= 1) });
    expect((await login('alice', ALICE_PASSWORD, { ip: '192.0.2.9' })).statusCode).toBe(200);
    const refused = await login('alice', ALICE_PASSWORD, { ip: '192.0.2.9' });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(asked).toEqual(['192.0.2.9', '192.0.2.9']);
  });

  it('needs X-CSRF-Token on an unsafe request the cookie signs in; a safe one needs none', async () => {
    const { app, signIn, echo } = await server();
    const { cookie, csrf } = await signIn();
    for (const method of ['POST', 'DELETE'] as const) {
      const missing = await echo({ cookie }, method);
      expect(missing.statusCode).toBe(403);
      expect(missing.json()).toEqual({ error: 'CSRF token missing or wrong' });
      const wrong = await echo({ cookie, 'x-csrf-token': `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}` }, method);
      expect(wrong.statusCode).toBe(403);
      expect((await echo({ cookie, 'x-csrf-token': '' }, method)).statusCode).toBe(403);
      expect((await echo({ cookie, 'x-csrf-token': csrf.slice(0, 20) }, method)).statusCode).toBe(403);
      const right = await echo({ cookie, 'x-csrf-token': csrf }, method);
      expect(right.statusCode).toBe(200);
      expect(right.json()).toEqual({ user: 'alice' });
    }
    const who = await app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { cookie } });
    expect(who.json()).toEqual({ user: 'alice', csrf });
  });

  it('reads the session cookie among others, and a planted second one does not hide the real one', async () => {
    const { signIn, echo } = await server();
    const { id, csrf } = await signIn();
    const response = await echo({ cookie: `theme=dark; mxray_session=${'A'.repeat(43)}; mxray_session=${id}; x=1`, 'x-csrf-token': csrf });
    expect(response.json()).toEqual({ user: 'alice' });
  });

  it('takes a bearer token without a CSRF token; an unknown token is nobody, whatever cookie comes with it', async () => {
    const { app, signIn, echo } = await server();
    const ok = await echo({ authorization: `Bearer ${CI.token}` });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ user: 'ci' });
    const who = await app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { authorization: `Bearer ${CI.token}` } });
    expect(who.json()).toEqual({ user: 'ci', csrf: null });
    expect((await echo({ authorization: `Bearer ${newToken().token}` })).json()).toEqual({ user: null });
    expect((await echo({ authorization: `Bearer ${sha256hex(CI.token)}` })).json()).toEqual({ user: null });
    expect((await echo({ authorization: 'Bearer ' })).json()).toEqual({ user: null });
    const { cookie, csrf } = await signIn();
    expect((await echo({ authorization: `Bearer mxr_${'x'.repeat(43)}`, cookie, 'x-csrf-token': csrf })).json()).toEqual({ user: null });
    // Nobody at all: no cookie, no token.
    expect((await echo({})).json()).toEqual({ user: null });
    expect((await app.inject({ method: 'GET', url: '/api/v1/whoami' })).json()).toEqual({ user: null, csrf: null });
  });

  it('exempts the sign-in itself from CSRF, and a new sign-in replaces the old session', async () => {
    const { login, signIn, echo } = await server();
    const old = await signIn();
    const again = await login('alice', ALICE_PASSWORD, { cookie: old.cookie });
    expect(again.statusCode).toBe(200);
    expect((await echo({ cookie: old.cookie, 'x-csrf-token': old.csrf })).json()).toEqual({ user: null });
  });

  it('signs out: 204, the cookie cleared, the session gone (and needs the CSRF token)', async () => {
    const { app, signIn, echo } = await server();
    const { cookie, csrf } = await signIn();
    const forged = await app.inject({ method: 'POST', url: '/api/v1/logout', headers: { cookie } });
    expect(forged.statusCode).toBe(403);
    expect((await echo({ cookie, 'x-csrf-token': csrf })).json()).toEqual({ user: 'alice' });
    const out = await app.inject({ method: 'POST', url: '/api/v1/logout', headers: { cookie, 'x-csrf-token': csrf } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toBe('mxray_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0');
    expect((await echo({ cookie, 'x-csrf-token': csrf })).json()).toEqual({ user: null });
    // Signed out already: still 204.
    expect((await app.inject({ method: 'POST', url: '/api/v1/logout' })).statusCode).toBe(204);
  });

  it('forgets a session left idle for 12 hours', async () => {
    const { signIn, echo, clock } = await server();
    const { cookie, csrf } = await signIn();
    clock.advance(12 * 3600_000 - 1);
    expect((await echo({ cookie, 'x-csrf-token': csrf })).json()).toEqual({ user: 'alice' });
    clock.advance(12 * 3600_000);
    expect((await echo({ cookie, 'x-csrf-token': csrf })).json()).toEqual({ user: null });
  });
});
