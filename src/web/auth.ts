// Who may write: `mxray serve --auth FILE`. The file names the team's users (a password, stored as
// an scrypt hash) and the API tokens (stored as their SHA-256, never the token itself):
//
//   # comments and blank lines are ignored
//   user alice scrypt$16384$8$1$<salt, base64url>$<hash, base64url>
//   token ci-pipeline 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//
// Names: 1–64 of A-Z a-z 0-9 . _ @ -. A user name appears once; a name may have several tokens.
//
// A browser signs in with POST /api/v1/login and gets the session cookie `mxray_session` (HttpOnly,
// SameSite=Strict) and a CSRF token; every unsafe request (POST, PUT, PATCH, DELETE) the cookie
// authenticates must carry that token in `X-CSRF-Token`. A program sends `Authorization: Bearer
// mxr_…` instead: a browser never adds that header by itself, so it needs no CSRF token.
//
// Host/Origin checks and the JSON-only body rule are the app's (web/app.ts), for every route.
import { createHash, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../core/context.js';
import { UsageError } from '../core/errors.js';
import { clientKey } from './rate-limit.js';

// ---------------------------------------------------------------------------------------------
// The auth file
// ---------------------------------------------------------------------------------------------

/** What `--auth FILE` says: users by name (their scrypt hash) and tokens (SHA-256 digests). */
export interface AuthConfig {
  /** user name → its password hash (checked to be a well-formed scrypt hash). */
  readonly users: ReadonlyMap<string, string>;
  /** Every token: its owner's name and the SHA-256 of the token (32 bytes). */
  readonly tokens: readonly { readonly name: string; readonly sha256: Buffer }[];
}

export const MAX_AUTH_FILE_BYTES = 1024 * 1024;
export const MAX_AUTH_ENTRIES = 1000;
/** Longest password accepted (hashing it and signing in). */
export const MAX_PASSWORD_LENGTH = 1024;
export const NAME_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;
/** What every API token starts with (so a leaked one is recognisable, e.g. by secret scanners). */
export const TOKEN_PREFIX = 'mxr_';

const FORMAT = 'expected "user <name> <scrypt hash>" or "token <name> <sha256 hex of the token>"';
const NAME_RULE = 'a name is 1–64 characters of A-Z a-z 0-9 . _ @ -';

/** The file's name as given, safe to print on one line. */
const shown = (fileName: string) => fileName.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);

/**
 * Reads an auth file. Throws a one-line UsageError naming the line; the message never repeats
 * what the line holds beyond a name that passed the name rule (a pasted password or token stays out
 * of the terminal and the logs).
 */
export function parseAuthFile(text: string, fileName: string): AuthConfig {
  const file = shown(fileName);
  if (Buffer.byteLength(text, 'utf8') > MAX_AUTH_FILE_BYTES) throw new UsageError(`${file}: larger than 1 MiB; an auth file holds at most ${MAX_AUTH_ENTRIES.toLocaleString('en')} entries`, { helpful: false });
  const users = new Map<string, string>();
  const userLine = new Map<string, number>();
  const tokens: { name: string; sha256: Buffer }[] = [];
  const tokenLine = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let entries = 0;
  for (const [index, raw] of lines.entries()) {
    const n = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fail = (why: string) => new UsageError(`${file}: line ${n}: ${why}`, { helpful: false });
    if (++entries > MAX_AUTH_ENTRIES) throw fail(`more than ${MAX_AUTH_ENTRIES.toLocaleString('en')} entries`);
    const fields = line.split(/[ \t]+/);
    const [kind, name, secret] = fields;
    if (fields.length !== 3 || (kind !== 'user' && kind !== 'token') || name === undefined || secret === undefined) throw fail(FORMAT);
    if (!NAME_PATTERN.test(name)) throw fail(NAME_RULE);
    if (kind === 'user') {
      if (parseScryptHash(secret) === null) throw fail(`the password hash is not an scrypt hash (scrypt$N$r$p$salt$hash, base64url)`);
      const first = userLine.get(name);
      if (first !== undefined) throw fail(`user ${name} again (first on line ${first})`);
      users.set(name, secret);
      userLine.set(name, n);
    } else {
      if (secret.startsWith(TOKEN_PREFIX)) throw fail('that is a token itself: the file keeps only its SHA-256 (64 hex digits)');
      if (!/^[0-9a-fA-F]{64}$/.test(secret)) throw fail('the token digest is not 64 hex digits (the SHA-256 of the token)');
      const digest = secret.toLowerCase();
      const first = tokenLine.get(digest);
      if (first !== undefined) throw fail(`the same token as on line ${first}`);
      tokens.push({ name, sha256: Buffer.from(digest, 'hex') });
      tokenLine.set(digest, n);
    }
  }
  if (entries === 0) throw new UsageError(`${file}: no user or token lines: nobody could sign in (${FORMAT})`, { helpful: false });
  return { users, tokens };
}

// ---------------------------------------------------------------------------------------------
// Passwords: scrypt
// ---------------------------------------------------------------------------------------------

export const SCRYPT_PARAMS = { N: 16384, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** Largest scrypt memory a hash may ask for (128·N·r bytes): 64 MiB. */
const MAX_SCRYPT_MEMORY = 64 * 1024 * 1024;

interface ScryptHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/** A well-formed `scrypt$N$r$p$salt$hash` within bounds, or null. */
function parseScryptHash(text: string): ScryptHash | null {
  const parts = text.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  if (![n, r, p].every((x) => /^[1-9]\d{0,7}$/.test(x)) || !B64URL.test(salt) || !B64URL.test(hash)) return null;
  const N = Number(n);
  const R = Number(r);
  const P = Number(p);
  // N a power of two above 1; memory and work bounded (the file is the operator's, but a typo must not take the server's memory).
  if (N < 2 || (N & (N - 1)) !== 0 || R > 32 || P > 16 || 128 * N * R > MAX_SCRYPT_MEMORY) return null;
  const saltBytes = Buffer.from(salt, 'base64url');
  const hashBytes = Buffer.from(hash, 'base64url');
  if (saltBytes.length < 8 || saltBytes.length > 64 || hashBytes.length < 16 || hashBytes.length > 64) return null;
  return { N, r: R, p: P, salt: saltBytes, hash: hashBytes };
}

const scryptOptions = (h: { N: number; r: number; p: number }) => ({ N: h.N, r: h.r, p: h.p, maxmem: 256 * h.N * h.r + 1024 * 1024 });

/** A new scrypt hash of `password` with a random salt: `scrypt$16384$8$1$<salt>$<hash>` (base64url). */
export function hashPassword(password: string): string {
  if (password.length === 0) throw new UsageError('the password is empty');
  if (password.length > MAX_PASSWORD_LENGTH) throw new UsageError(`the password is longer than ${MAX_PASSWORD_LENGTH} characters`);
  const salt = randomBytes(SALT_BYTES);
  const hash = scryptSync(password.normalize('NFC'), salt, HASH_BYTES, scryptOptions(SCRYPT_PARAMS));
  const { N, r, p } = SCRYPT_PARAMS;
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** Whether `password` matches `hash` (compared in constant time); false for a malformed hash. */
export function verifyPassword(password: string, hash: string): boolean {
  const h = parseScryptHash(hash);
  if (h === null || password.length > MAX_PASSWORD_LENGTH) return false;
  return timingSafeEqual(scryptSync(password.normalize('NFC'), h.salt, h.hash.length, scryptOptions(h)), h.hash);
}

/** verifyPassword off the event loop (libuv's thread pool): what the login route uses. */
export function verifyPasswordAsync(password: string, hash: string): Promise<boolean> {
  const h = parseScryptHash(hash);
  if (h === null || password.length > MAX_PASSWORD_LENGTH) return Promise.resolve(false);
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), h.salt, h.hash.length, scryptOptions(h), (error, derived) => {
      if (error) reject(error);
      else resolve(timingSafeEqual(derived, h.hash));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Tokens, and editing the file
// ---------------------------------------------------------------------------------------------

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

function checkName(name: string): void {
  if (!NAME_PATTERN.test(name)) throw new UsageError(`bad name: ${NAME_RULE}`);
}

/** A new API token (`mxr_` + 32 random bytes, base64url), shown once, and its line for the auth file. */
export function newToken(): { token: string; line(name: string): string } {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const digest = sha256(token).toString('hex');
  return {
    token,
    line(name: string) {
      checkName(name);
      return `token ${name} ${digest}`;
    },
  };
}

/** `text` with `line` appended (on a line of its own). */
const appendLine = (text: string, line: string) => (text === '' || text.endsWith('\n') ? text : `${text}\n`) + `${line}\n`;

/** The auth file's text with the user `name` set to `hash`: its line replaced when it has one, else appended. */
export function addUserLine(text: string, name: string, hash: string): string {
  checkName(name);
  if (parseScryptHash(hash) === null) throw new UsageError('not an scrypt hash (scrypt$N$r$p$salt$hash)');
  const line = `user ${name} ${hash}`;
  let replaced = false;
  const lines = text.split('\n').flatMap((raw) => {
    const fields = raw.trim().split(/[ \t]+/);
    if (fields[0] !== 'user' || fields[1] !== name) return [raw];
    if (replaced) return []; // a second line for the same user (a broken file): dropped
    replaced = true;
    return [raw.endsWith('\r') ? `${line}\r` : line];
  });
  return replaced ? lines.join('\n') : appendLine(text, line);
}

/** The auth file's text with a token line for `name` appended (`sha256`: the token's digest, 64 hex digits). */
export function addTokenLine(text: string, name: string, sha256Hex: string): string {
  checkName(name);
  if (!/^[0-9a-fA-F]{64}$/.test(sha256Hex)) throw new UsageError('the token digest is not 64 hex digits (the SHA-256 of the token)');
  return appendLine(text, `token ${name} ${sha256Hex.toLowerCase()}`);
}

/** The owner of a presented token, comparing its SHA-256 with every stored one in constant time; null when none matches. */
export function tokenOwner(config: AuthConfig, token: string): string | null {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const digest = sha256(token);
  let owner: string | null = null;
  // No early exit: every entry is compared, whichever matches.
  for (const entry of config.tokens) if (timingSafeEqual(entry.sha256, digest) && owner === null) owner = entry.name;
  return owner;
}

// ---------------------------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------------------------

export interface SessionLimits {
  /** Sessions kept at most; the oldest goes first. */
  maxSessions: number;
  /** A session unused this long ends (sliding). */
  idleMs: number;
  /** A session ends this long after sign-in, used or not. */
  absoluteMs: number;
}

export const SESSION_LIMITS: SessionLimits = { maxSessions: 10_000, idleMs: 12 * 3600_000, absoluteMs: 7 * 24 * 3600_000 };

interface SessionEntry {
  user: string;
  csrf: string;
  createdAt: number;
  lastSeen: number;
}

/**
 * Signed-in browsers, in memory (a restart signs everyone out). Keyed by the SHA-256 of the session
 * id: the ids themselves are never kept, and a lookup's timing tells nothing about a real id.
 */
export class Sessions {
  readonly #entries = new Map<string, SessionEntry>();
  readonly #limits: SessionLimits;

  constructor(
    readonly clock: Clock,
    limits: Partial<SessionLimits> = {},
  ) {
    this.#limits = { ...SESSION_LIMITS, ...limits };
  }

  /** A new session for `user`: its id (the cookie) and its CSRF token, 32 random bytes each, base64url. */
  create(user: string): { id: string; csrf: string } {
    const id = randomBytes(32).toString('base64url');
    const csrf = randomBytes(32).toString('base64url');
    while (this.#entries.size >= this.#limits.maxSessions) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
    const now = this.clock.monotonic();
    this.#entries.set(keyOf(id), { user, csrf, createdAt: now, lastSeen: now });
    return { id, csrf };
  }

  /** The live session `id` names (its use moves the idle expiry on), or null. */
  get(id: string): { user: string; csrf: string } | null {
    if (!SESSION_ID.test(id)) return null;
    const key = keyOf(id);
    const entry = this.#entries.get(key);
    if (!entry) return null;
    const now = this.clock.monotonic();
    if (now - entry.lastSeen >= this.#limits.idleMs || now - entry.createdAt >= this.#limits.absoluteMs) {
      this.#entries.delete(key);
      return null;
    }
    entry.lastSeen = now;
    return { user: entry.user, csrf: entry.csrf };
  }

  destroy(id: string): void {
    if (SESSION_ID.test(id)) this.#entries.delete(keyOf(id));
  }

  /** Sessions held (expired ones included until looked up or evicted). */
  get size(): number {
    return this.#entries.size;
  }
}

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
const keyOf = (id: string) => sha256(id).toString('base64url');

// ---------------------------------------------------------------------------------------------
// Failed sign-ins, counted per client address and per user name
// ---------------------------------------------------------------------------------------------

export const LOGIN_FAILURES = { max: 10, windowMs: 15 * 60_000, keys: 10_000 } as const;
/**
 * Failures of one user name from every address before it is locked for the window: far above the
 * per-address limit, so that a stranger's ten guesses cannot lock a user out (only a spread attack can).
 */
export const USER_FAILURES_ANYWHERE = 100;

/** Failures per key in a fixed window from the first one; bounded (the oldest key goes first). */
class FailureCounter {
  readonly #counts = new Map<string, { failures: number; until: number }>();
  constructor(
    private readonly clock: Clock,
    private readonly max: number = LOGIN_FAILURES.max,
  ) {}

  /** Seconds until `key` may try again, or 0 when it may now. */
  retryAfter(key: string): number {
    const entry = this.#live(key);
    return entry && entry.failures >= this.max ? Math.max(1, Math.ceil((entry.until - this.clock.monotonic()) / 1000)) : 0;
  }

  fail(key: string): void {
    const entry = this.#live(key);
    if (entry) {
      entry.failures++;
      return;
    }
    if (this.#counts.size >= LOGIN_FAILURES.keys) {
      const oldest = this.#counts.keys().next();
      if (!oldest.done) this.#counts.delete(oldest.value);
    }
    this.#counts.set(key, { failures: 1, until: this.clock.monotonic() + LOGIN_FAILURES.windowMs });
  }

  clear(key: string): void {
    this.#counts.delete(key);
  }

  #live(key: string) {
    const entry = this.#counts.get(key);
    if (entry && entry.until <= this.clock.monotonic()) {
      this.#counts.delete(key);
      return undefined;
    }
    return entry;
  }
}

// ---------------------------------------------------------------------------------------------
// Fastify
// ---------------------------------------------------------------------------------------------

export const SESSION_COOKIE = 'mxray_session';
export const LOGIN_PATH = '/api/v1/login';
export const LOGOUT_PATH = '/api/v1/logout';
export const CSRF_HEADER = 'x-csrf-token';

export interface AuthOptions {
  config: AuthConfig;
  sessions: Sessions;
  /** Adds `Secure` to the cookie (the listener is reached over HTTPS, e.g. behind a TLS proxy). */
  secureCookie: boolean;
  /** Another limit on sign-in attempts per client address (public mode's): false answers 429. Called once per attempt. */
  rateLimit?: (ip: string) => boolean;
}

interface Identity {
  user: string | null;
  /** The session's CSRF token when the cookie signed the request in; null for a bearer token or nobody. */
  csrf: string | null;
  /** The session id from the cookie, when it named a live session. */
  sessionId: string | null;
}

const identities = new WeakMap<FastifyRequest, Identity>();
const NOBODY: Identity = { user: null, csrf: null, sessionId: null };

/** Who sent the request (a user or a token's name), or null: nobody signed in. */
export function userOf(request: FastifyRequest): string | null {
  return identities.get(request)?.user ?? null;
}

/** What GET /api/v1/session tells the page: who, and the CSRF token the page must send (cookie sessions only). */
export function sessionInfo(request: FastifyRequest): { user: string | null; csrf: string | null } {
  const identity = identities.get(request) ?? NOBODY;
  return { user: identity.user, csrf: identity.csrf };
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const problem = (reply: FastifyReply, status: number, error: string) => reply.code(status).send({ error });

/** The values of cookie `name` in a Cookie header, in order (a sibling site may have planted more than one). */
function cookieValues(header: string | undefined, name: string): string[] {
  if (header === undefined || header.length > 8192) return [];
  const values: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    values.push(value);
  }
  return values;
}

/** Equal strings, compared in constant time (of their digests: lengths may differ). */
const sameSecret = (a: string, b: string) => timingSafeEqual(sha256(a), sha256(b));

function cookie(value: string, options: { secure: boolean; clear?: boolean }): string {
  return `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/${options.clear ? '; Max-Age=0' : ''}${options.secure ? '; Secure' : ''}`;
}

function identify(request: FastifyRequest, options: AuthOptions): Identity {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && /^bearer\s/i.test(authorization)) {
    // A bearer header decides alone: a wrong token is nobody, whatever cookie comes with it.
    const user = tokenOwner(options.config, authorization.slice(7).trim());
    return { user, csrf: null, sessionId: null };
  }
  for (const id of cookieValues(request.headers.cookie, SESSION_COOKIE)) {
    const session = options.sessions.get(id);
    if (session) return { user: session.user, csrf: session.csrf, sessionId: id };
  }
  return NOBODY;
}

/**
 * Adds sign-in (POST /api/v1/login, /api/v1/logout) and a hook that tells every request who sent
 * it (`userOf`) and refuses a cookie-authenticated unsafe request without its CSRF token (403).
 * Call it on the root instance (not through app.register: the hook must see every route).
 */
export function registerAuth(app: FastifyInstance, options: AuthOptions): void {
  const clock = options.sessions.clock;
  // Per client address (IPv6 per /64), per user name from that address, and per user name anywhere (a higher bar).
  const byAddress = new FailureCounter(clock);
  const byUserHere = new FailureCounter(clock);
  const byUser = new FailureCounter(clock, USER_FAILURES_ANYWHERE);
  // Verified when the user is unknown, so that an unknown name takes as long as a wrong password.
  const dummyHash = hashPassword(randomBytes(16).toString('base64url'));

  app.addHook('onRequest', async (request, reply) => {
    const identity = identify(request, options);
    identities.set(request, identity);
    if (identity.sessionId !== null && identity.csrf !== null && UNSAFE_METHODS.has(request.method) && request.routeOptions.url !== LOGIN_PATH) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !sameSecret(sent, identity.csrf)) return problem(reply, 403, 'CSRF token missing or wrong');
    }
    return undefined;
  });

  app.post(LOGIN_PATH, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const body = request.body as { user?: unknown; password?: unknown } | null | undefined;
    if (typeof body !== 'object' || body === null || typeof body.user !== 'string' || typeof body.password !== 'string') {
      return problem(reply, 400, 'send JSON {"user": "…", "password": "…"}');
    }
    const { user, password } = body;
    if (password.length > MAX_PASSWORD_LENGTH || user.length > 256) return problem(reply, 400, `user name or password too long`);
    const validName = NAME_PATTERN.test(user);
    const ip = clientKey(request.ip);
    const here = `${user}|${ip}`;
    const wait = Math.max(byAddress.retryAfter(ip), validName ? Math.max(byUserHere.retryAfter(here), byUser.retryAfter(user)) : 0);
    if (wait > 0) return reply.code(429).header('retry-after', String(wait)).send({ error: 'too many failed sign-ins; try again later' });
    if (options.rateLimit && !options.rateLimit(ip)) return reply.code(429).header('retry-after', '60').send({ error: 'too many requests from this address; try again later' });
    const hash = validName ? options.config.users.get(user) : undefined;
    const ok = await verifyPasswordAsync(password, hash ?? dummyHash);
    if (!ok || hash === undefined) {
      byAddress.fail(ip);
      if (validName) {
        byUserHere.fail(here);
        byUser.fail(user);
      }
      return problem(reply, 401, 'wrong user name or password');
    }
    byUserHere.clear(here);
    // A new sign-in replaces the session the browser had.
    const previous = identities.get(request)?.sessionId;
    if (previous) options.sessions.destroy(previous);
    const session = options.sessions.create(user);
    identities.set(request, { user, csrf: session.csrf, sessionId: session.id });
    return reply.header('set-cookie', cookie(session.id, { secure: options.secureCookie })).send({ user, csrf: session.csrf });
  });

  app.post(LOGOUT_PATH, async (request, reply) => {
    const identity = identities.get(request);
    if (identity?.sessionId) options.sessions.destroy(identity.sessionId);
    identities.set(request, NOBODY);
    return reply.code(204).header('cache-control', 'no-store').header('set-cookie', cookie('', { secure: options.secureCookie, clear: true })).send();
  });
}
