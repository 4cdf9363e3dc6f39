// `mxray serve`: the web UI and its API (src/web/) — every job in a browser, for a team, with
// History. This file builds what the server needs from the options: the store, the edges (the
// system's, the demo lab's, or guarded for --public), the auth file, the sender test's listener.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHmac, randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { systemClock } from '../core/clock.js';
import { UsageError } from '../core/errors.js';
import type { HostMapping } from '../core/context.js';
import { safe } from '../render/style.js';
import type { Run } from './commands.js';
import { readCaFiles } from './ca-files.js';
import { collect, positiveInt } from './options.js';
import { parseConnect } from './connect.js';
import { promptPassword } from './prompt.js';

interface ServeOpts {
  listen: string;
  store?: string;
  public?: boolean;
  auth?: string;
  addUser?: string;
  addToken?: string;
  demo?: boolean;
  resolver?: string;
  connect: string[];
  caFile: string[];
  senderListen: string[];
  senderHostname?: string;
  senderCert?: string;
  senderKey?: string;
  hostName: string[];
  maxJobs?: number;
  secureCookie?: boolean;
  trustProxy: string[];
}

const HELP = `
Examples:
  mxray serve                                  the web UI on http://127.0.0.1:8025 (History in ~/.local/share/mxray/mxray.db)
  mxray serve --demo                           …with the built-in lab: try every page without a network
  mxray serve --store postgres://mxray@db/mxray --auth team.auth --listen 0.0.0.0:8025
  mxray serve --public --listen 0.0.0.0:8025 --host-name checker.example.net
                                               a public checker: only public targets on ports 25/465/587/2525
  mxray serve --auth team.auth --add-user alice       add a user (asks for the password)
  mxray serve --auth team.auth --add-token ci         make an API token (printed once)

Every page is built on the API under /api/v1 (OpenAPI: /api/v1/openapi.json). Every report is kept
in the store: History searches it, each report has a permanent link (readable without signing in
by whoever has the link), downloads as JSON, HTML or Markdown, re-run and compare with the previous run.

--auth FILE: writes (jobs, re-runs, sender tests) need a signed-in user or an API token, History
needs a signed-in user. Without --auth, whoever reaches the listener may use everything: keep it on
127.0.0.1 or behind a proxy that authenticates.
--public: targets that resolve to loopback, private, link-local, CGNAT, multicast or reserved
addresses are refused (after resolution and again at connect time), only ports 25/465/587/2525,
HTTP fetches only to public addresses on 80/443; per-address rate limits and job caps; --resolver,
--connect, reply-via and send --count are off; History only with --auth.
`;

// The sender test's command module is loaded only when serve runs (`serve --help` loads no other command).
const senderTest = () => import('./sender-test.js');

/** "127.0.0.1:8025", "[::1]:8025", "0.0.0.0:80" → address and port. */
async function parseHttpListen(text: string): Promise<{ address: string; port: number }> {
  const { address, port } = (await senderTest()).parseListen(text.replace(/\/.*$/, ''));
  return { address, port };
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${safe(file, 200)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { helpful: false });
  }
}

/** --add-user / --add-token: edits the auth file (created with mode 600) and exits. */
async function editAuthFile(o: ServeOpts): Promise<void> {
  if (!o.auth) throw new UsageError(`${o.addUser ? '--add-user' : '--add-token'} needs --auth FILE (the file to add it to)`);
  const auth = await import('../web/auth.js');
  let text = '';
  try {
    text = readFileSync(o.auth, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`cannot read --auth ${safe(o.auth, 200)}: ${(err as NodeJS.ErrnoException).code ?? ''}`, { helpful: false });
  }
  // The file as it is must parse: a broken one is not silently rewritten.
  if (text) auth.parseAuthFile(text, o.auth);
  if (o.addUser) {
    let password: string;
    if (process.stdin.isTTY) {
      password = await promptPassword(`password for ${o.addUser}: `);
      const again = await promptPassword('again: ');
      if (again !== password) throw new UsageError('the two passwords differ', { helpful: false });
    } else {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      password = Buffer.concat(chunks).toString('utf8').split(/\r?\n/, 1)[0] ?? '';
    }
    if (password.length < 10) throw new UsageError('the password must have at least 10 characters', { helpful: false });
    text = auth.addUserLine(text, o.addUser, auth.hashPassword(password));
    writeFileSync(o.auth, text, { mode: 0o600 });
    process.stdout.write(`user ${o.addUser} written to ${safe(o.auth, 200)}\n`);
  } else if (o.addToken) {
    const { token, line } = auth.newToken();
    text = auth.addTokenLine(text, o.addToken, line(o.addToken).split(' ').at(-1) ?? '');
    writeFileSync(o.auth, text, { mode: 0o600 });
    process.stdout.write(`token for ${o.addToken} (shown once; send it as "Authorization: Bearer <token>"):\n${token}\n`);
  }
}

export function configure(cmd: Command): Run {
  cmd
    .option('--listen <addr:port>', 'where the web UI listens', '127.0.0.1:8025')
    .option('--store <file|url>', 'the SQLite file, or postgres://user@host/db (default: mxray.db in the data folder)')
    .option('--public', 'a public instance: only public targets, rate limits, no resolver/connect options')
    .option('--auth <file>', 'users and API tokens (see --add-user, --add-token): writes and History need them')
    .option('--add-user <name>', 'add a user to the --auth file (asks for the password; from stdin when not a terminal) and exit')
    .option('--add-token <name>', 'make an API token in the --auth file, print it once, and exit')
    .option('--demo', 'start the built-in lab and run every job against it (no network needed)')
    .option('--resolver <ip[:port]>', 'send every DNS query of every job to this server')
    .option('--connect <host=ip[:port]>', 'connect to this address for this host name, in every job; repeatable', collect, [])
    .option('--ca-file <file>', 'also trust the CA certificates in this PEM file; repeatable', collect, [])
    .option('--sender-listen <addr:port[/policy]>', 'run the sender test\'s SMTP listener here (the Sender test page); repeatable', collect, [])
    .option('--sender-hostname <name>', 'the sender test\'s host name (test addresses are test-<passcode>@<name>)')
    .option('--sender-cert <file>', 'the certificate the sender test\'s STARTTLS presents (default: self-signed)')
    .option('--sender-key <file>', 'its private key')
    .option('--host-name <name>', 'another name this server is reached by (a reverse proxy\'s), for the Host check; repeatable', collect, [])
    .option('--max-jobs <n>', 'jobs running at once', positiveInt('--max-jobs', 10_000))
    .option('--secure-cookie', 'send the login cookie over HTTPS only (behind a TLS-terminating proxy)')
    .option('--trust-proxy <address>', 'a reverse proxy (address or CIDR) whose X-Forwarded-For names the client, for the rate limits; repeatable', collect, []);
  cmd.addHelpText('after', HELP);
  return async (o: ServeOpts) => {
    if (o.addUser || o.addToken) {
      await editAuthFile(o);
      return { kind: 'ok' };
    }
    const { certificateOf, defaultStoreFile, listenError, parseListen } = await senderTest();
    const listen = await parseHttpListen(o.listen);
    // The server's own resolver stays the operator's choice (a local validating one); what public mode
    // takes away is the per-job resolver and connect options, and the lab.
    if (o.public && (o.demo || o.connect.length)) throw new UsageError('--public tests what the internet sees: it takes neither --demo nor --connect');
    const say = (line: string) => process.stdout.write(`${safe(line, 1000)}\n`);
    const warn = (line: string) => process.stderr.write(`${line}\n`);
    const authConfig = o.auth ? (await import('../web/auth.js')).parseAuthFile(readText(o.auth, '--auth'), o.auth) : null;
    const isLoopback = /^(127\.|::1$|localhost$)/.test(listen.address);
    if (!authConfig && !isLoopback) {
      warn(`WARNING: listening on ${listen.address} without --auth: whoever reaches it can run jobs${o.public ? '' : ', read History and use the lab\'s options (resolver, connect)'}.`);
    }
    // The store holds every report: readable by this user alone.
    process.umask(0o077);
    const storeSpec = o.store ?? join(dirname(defaultStoreFile()), 'mxray.db');
    if (!/^postgres(ql)?:\/\//.test(storeSpec) && storeSpec !== ':memory:') {
      try {
        mkdirSync(dirname(storeSpec), { recursive: true, mode: 0o700 });
      } catch (err) {
        throw new UsageError(`cannot make the folder of the store ${safe(storeSpec, 200)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { helpful: false });
      }
    }
    const { openStore } = await import('../store/index.js');
    const store = await openStore(storeSpec);
    const stops: (() => Promise<void>)[] = [() => store.close()];
    const stopAll = async () => {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
    };
    try {
      const { systemEdges } = await import('../runtime/edges.js');
      const extraCaPems = readCaFiles(o.caFile);
      const hostMap = new Map<string, HostMapping>(parseConnect(o.connect));
      let edges;
      let demoDomains: string[] = [];
      if (o.demo) {
        const { startLabWithDns, labEdges } = await import('../demo/run-demo.js');
        const { schedulerOfProcess } = await import('../runtime/edges.js');
        const running = await startLabWithDns({ now: systemClock.now() });
        stops.push(() => running.stop());
        for (const [name, m] of running.lab.hostMap) hostMap.set(name, m);
        edges = { clock: systemClock, ...labEdges(running, systemClock, extraCaPems), scheduler: schedulerOfProcess(), helo: 'client.mxray.test', hostMap };
        demoDomains = running.lab.scenarios.map((s) => s.domain);
      } else {
        const base = systemEdges({ resolver: o.resolver ?? null, hostMap, extraCaPems, extraCaNames: o.caFile });
        if (o.public) {
          const { publicEdges } = await import('../web/guard.js');
          edges = publicEdges(base);
        } else {
          edges = { ...base, hostMap };
        }
      }
      // Targets at once: as many as jobs may run (the process's default, 8, is a CLI's); connections per
      // address and port stay as they are for every job.
      const { createScheduler, DEFAULT_SCHEDULER_LIMITS } = await import('../core/scheduler.js');
      const { DEFAULT_LIMITS, PUBLIC_LIMITS } = await import('../web/app.js');
      const maxRunning = o.maxJobs ?? (o.public ? PUBLIC_LIMITS : DEFAULT_LIMITS).maxRunning;
      const serverEdges = { ...edges, scheduler: createScheduler({ ...DEFAULT_SCHEDULER_LIMITS, targetsAtOnce: maxRunning }) };
      const edgesFor = o.public
        ? undefined
        : (params: { resolver?: string; connect?: string[] }) => {
            const map = new Map(serverEdges.hostMap);
            for (const [name, m] of parseConnect(params.connect ?? [])) map.set(name, m);
            const own = params.resolver ? systemEdges({ resolver: params.resolver, hostMap: map, extraCaPems, extraCaNames: o.caFile }) : null;
            return {
              ...serverEdges,
              ...(own ? { resolver: own.resolver, dnssec: own.dnssec, fetcher: own.fetcher } : {}),
              hostMap: map,
            };
          };
      // The sender test: its SMTP listener, when asked for (or in the demo, on a free loopback port).
      let sender = null;
      const senderListen = o.senderListen.length ? o.senderListen : o.demo ? ['127.0.0.1:0'] : [];
      if (senderListen.length) {
        const hostname = (o.senderHostname ?? (o.demo ? 'sendertest.mxray.test' : (await import('node:os')).hostname())).toLowerCase();
        const tls = await certificateOf({ ...(o.senderCert ? { cert: o.senderCert } : {}), ...(o.senderKey ? { key: o.senderKey } : {}) }, hostname, o.demo ? () => undefined : warn);
        const { startSenderServer } = await import('../jobs/sender/sender-server.js');
        const { indexReport } = await import('../web/report-meta.js');
        const secret = randomBytes(32);
        const reportIdOf = (result: { key: string; id: number }) => createHmac('sha256', secret).update(`${result.key}:${result.id}`).digest('base64url').slice(0, 22);
        const server = await startSenderServer({
          listeners: senderListen.map(parseListen),
          hostname,
          tls,
          store,
          clock: systemClock,
          resolver: serverEdges.resolver,
          trustStore: serverEdges.trustStore,
          onLog: (line) => say(`${new Date(systemClock.now()).toISOString()} sender-test: ${line}`),
          onStored: async (report, result) => {
            const json = JSON.stringify(report);
            const { meta, certificates } = indexReport(report, json, { id: reportIdOf(result), storedAt: new Date(systemClock.now()).toISOString(), owner: null, request: null });
            await store.addReport(meta, json, certificates);
          },
        }).catch((err: unknown) => {
          throw listenError(err, 'the sender test (SMTP)');
        });
        stops.push(() => server.stop());
        sender = { server, reportIdOf };
      }
      const { startWebServer } = await import('../web/app.js');
      const { loadUiAssets } = await import('../web/assets.js');
      const { Sessions } = authConfig ? await import('../web/auth.js') : { Sessions: null };
      // bin/mxray.cjs is in <package>/bin: the built UI is in <package>/dist/web-ui.
      const root = dirname(dirname(process.argv[1] ?? '.'));
      const assets = loadUiAssets(process.env.MXRAY_WEB_UI_DIR ?? join(root, 'dist', 'web-ui'));
      const web = await startWebServer({
        address: listen.address,
        port: listen.port,
        store,
        clock: systemClock,
        edges: serverEdges,
        ...(edgesFor ? { edgesFor } : {}),
        publicMode: o.public ?? false,
        auth: authConfig && Sessions ? { config: authConfig, sessions: new Sessions(systemClock) } : null,
        assets,
        sender,
        hostNames: o.hostName,
        limits: { maxRunning },
        secureCookie: o.secureCookie ?? false,
        trustProxy: o.trustProxy,
        onError: (e) => say(`${new Date(systemClock.now()).toISOString()} error: ${safe(e.stack ?? e.message, 2000)}`),
      }).catch((err: unknown) => {
        throw listenError(err, 'the web UI');
      });
      stops.push(() => web.stop());
      say(`mxray serve: ${web.url}/`);
      say(`  store   ${store.description}`);
      say(`  mode    ${o.public ? 'public (public targets only, rate limits)' : 'team'}${authConfig ? ', sign-in required for writes and History' : ', no sign-in (--auth)'}`);
      if (sender) for (const l of sender.server.listeners) say(`  sender  SMTP ${l.address}:${l.port} (${l.policy}) for test-<passcode>@${sender.server.hostname}`);
      if (o.demo) say(`  demo    the lab answers for ${demoDomains.length} domains, e.g. ${demoDomains.filter((d) => !d.startsWith('nxdomain')).slice(0, 3).join(', ')} (see mxray demo --list)`);
      say('Ctrl-C stops the server.');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      say('stopping');
    } finally {
      await stopAll();
    }
    return { kind: 'ok' };
  };
}
