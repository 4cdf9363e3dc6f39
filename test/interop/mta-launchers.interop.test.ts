// Smoke test of the Exim and OpenSMTPD launchers: each instance starts on its own loopback
// address, greets with its hostname, offers STARTTLS exactly when configured, refuses mail
// without TLS when told to, and stop() leaves neither a listening port nor a process behind.
// Needs root and test/interop/setup-exim-opensmtpd.sh; without them every case is skipped
// with the reason (never passed silently).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRootCa } from '../../src/demo/test-pki.js';
import { startExim } from './mta/exim.js';
import { liveGroupMembers, portAccepts } from './mta/foreground.js';
import { startOpenSmtpd } from './mta/opensmtpd.js';
import type { InstanceOptions, MtaInstance, StartMta, TlsMaterial } from './mta/types.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SETUP = join(REPO, 'test/interop/setup-exim-opensmtpd.sh');

/** Why the cases cannot run here, or null when they can. */
async function skipReason(): Promise<string | null> {
  if (process.platform !== 'linux') return `needs Linux (Debian 12), this is ${process.platform}`;
  if (process.getuid?.() !== 0) return 'needs root (apt-get for shared libraries, port 25, private mount namespaces): run as root';
  return new Promise((resolve) => {
    execFile('bash', [SETUP], { cwd: REPO, timeout: 600_000, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err === null) {
        resolve(null);
        return;
      }
      const tail = `${stdout}${stderr}`.trim().split('\n').slice(-4).join(' | ');
      resolve(`test/interop/setup-exim-opensmtpd.sh failed (${err.code ?? err.message}): ${tail}`);
    });
  });
}

const reason = await skipReason();
if (reason !== null) console.warn(`mta-launchers interop: SKIPPED: ${reason}`);

// ---- a tiny SMTP client on raw sockets ------------------------------------------------------

interface Reply {
  code: number;
  lines: string[];
}

class Smtp {
  private buffer = '';
  private waiting: (() => void) | null = null;
  private closed = false;

  constructor(private socket: Socket | TLSSocket) {
    this.attach(socket);
  }

  private attach(socket: Socket | TLSSocket): void {
    socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('latin1');
      this.waiting?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
    socket.on('error', () => undefined);
  }

  /** The next complete reply (multi-line replies end at "ddd "). */
  async read(timeoutMs = 10_000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines = this.buffer.split('\r\n');
      const end = lines.findIndex((l) => /^\d{3} /.test(l) || /^\d{3}$/.test(l));
      if (end >= 0) {
        const reply = lines.slice(0, end + 1);
        this.buffer = lines.slice(end + 1).join('\r\n');
        return { code: Number(reply[end]?.slice(0, 3)), lines: reply.map((l) => l.slice(4)) };
      }
      if (this.closed) throw new Error(`connection closed; unparsed: ${JSON.stringify(this.buffer)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no complete reply within ${timeoutMs} ms; got ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiting = () => {
          clearTimeout(timer);
          this.waiting = null;
          resolve();
        };
      });
    }
  }

  async command(line: string): Promise<Reply> {
    this.socket.write(`${line}\r\n`);
    return this.read();
  }

  /** TLS on the connection (after 220 to STARTTLS). */
  async startTls(options: ConnectionOptions): Promise<TLSSocket> {
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    const secure = await tlsHandshake({ ...options, socket: plain });
    this.socket = secure;
    this.buffer = '';
    this.attach(secure);
    return secure;
  }

  close(): void {
    this.socket.destroy();
  }
}

function tlsHandshake(options: ConnectionOptions): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(options);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('TLS handshake timed out'));
    }, 10_000);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    });
  });
}

function plainConnect(address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: address, port });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Connect, read the banner and send EHLO; returns the session and both replies. */
async function greet(o: InstanceOptions): Promise<{ smtp: Smtp; banner: Reply; ehlo: Reply }> {
  const smtp = new Smtp(await plainConnect(o.address, o.port));
  const banner = await smtp.read();
  const ehlo = await smtp.command('EHLO client.interop.test');
  return { smtp, banner, ehlo };
}

const extensions = (ehlo: Reply): string[] => ehlo.lines.slice(1).map((l) => l.split(' ')[0]?.toUpperCase() ?? '');

/** A client that accepts any certificate and every protocol version the local OpenSSL has. */
const lenient = (servername: string): ConnectionOptions => ({
  servername,
  rejectUnauthorized: false,
  minVersion: 'TLSv1',
  ciphers: 'DEFAULT:@SECLEVEL=0',
});

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** stop(), then: the port is closed and neither the daemon nor anything in its group is left. */
async function stopAndCheck(instance: MtaInstance): Promise<void> {
  await instance.stop();
  expect(await portAccepts(instance.address, instance.port)).toBe(false);
  expect(pidAlive(instance.pid)).toBe(false);
  expect(liveGroupMembers(instance.pid)).toEqual([]);
}

// ---- the cases ------------------------------------------------------------------------------

let root: string;
let tls: (hostname: string) => Promise<TlsMaterial>;
const running = new Set<MtaInstance>();

async function start(launcher: StartMta, o: Omit<InstanceOptions, 'workDir'>): Promise<{ instance: MtaInstance; o: InstanceOptions }> {
  const workDir = await mkdtemp(join(root, `${o.address}-`));
  const options: InstanceOptions = { ...o, workDir };
  const instance = await launcher(options);
  running.add(instance);
  return { instance, o: options };
}

async function finish(instance: MtaInstance): Promise<void> {
  running.delete(instance);
  await stopAndCheck(instance);
}

const suite = reason === null ? describe : describe.skip;

suite('MTA launchers (Exim, OpenSMTPD)', () => {
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'mxray-mta-launchers-'));
    const ca = await createRootCa('mxray interop root', Date.now());
    const intermediate = await ca.intermediate('mxray interop intermediate');
    tls = async (hostname) => {
      const leaf = await intermediate.issue({ commonName: hostname, dnsNames: [hostname], key: 'rsa2048' });
      return { chainPem: leaf.certPem + intermediate.cert.certPem, keyPem: leaf.keyPem, clientCaPem: ca.cert.certPem };
    };
  });

  afterAll(async () => {
    for (const instance of running) await instance.stop();
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  describe('Exim', () => {
    it('no TLS: greets with its name, no STARTTLS, accepts RCPT, refuses DATA', async () => {
      const { instance, o } = await start(startExim, { address: '127.0.3.1', port: 25, hostname: 'mx.plain.exim.interop.test', tls: null });
      const { smtp, banner, ehlo } = await greet(o);
      expect(banner.code).toBe(220);
      expect(banner.lines[0]).toContain(o.hostname);
      expect(banner.lines[0]).toContain('Exim');
      expect(ehlo.code).toBe(250);
      expect(ehlo.lines[0]).toContain(o.hostname);
      expect(extensions(ehlo)).not.toContain('STARTTLS');
      expect((await smtp.command('MAIL FROM:<probe@client.interop.test>')).code).toBe(250);
      expect((await smtp.command('RCPT TO:<postmaster@plain.exim.interop.test>')).code).toBe(250);
      expect((await smtp.command('DATA')).code).toBe(354);
      const data = await smtp.command('Subject: x\r\n\r\nx\r\n.');
      expect(data.code).toBe(554);
      expect((await smtp.command('QUIT')).code).toBe(221);
      smtp.close();
      await finish(instance);
    });

    it('STARTTLS: offered, and the handshake serves leaf + intermediate', async () => {
      const hostname = 'mx.good.exim.interop.test';
      const { instance, o } = await start(startExim, { address: '127.0.3.2', port: 25, hostname, tls: await tls(hostname) });
      const { smtp, banner, ehlo } = await greet(o);
      expect(banner.code).toBe(220);
      expect(banner.lines[0]).toContain(hostname);
      expect(extensions(ehlo)).toContain('STARTTLS');
      expect((await smtp.command('STARTTLS')).code).toBe(220);
      const secure = await smtp.startTls({ servername: hostname, rejectUnauthorized: false });
      expect(secure.getProtocol()).toBe('TLSv1.3');
      const peer = secure.getPeerCertificate(true);
      expect(peer.subject.CN).toBe(hostname);
      expect(peer.issuerCertificate?.subject.CN).toBe('mxray interop intermediate');
      const inside = await smtp.command(`EHLO client.interop.test`);
      expect(inside.code).toBe(250);
      expect(extensions(inside)).not.toContain('STARTTLS');
      expect((await smtp.command('QUIT')).code).toBe(221);
      smtp.close();
      await finish(instance);
    });

    it('requireTls: STARTTLS offered, RCPT refused with 530 5.7.0 in cleartext, accepted inside TLS', async () => {
      const hostname = 'mx.require.exim.interop.test';
      const { instance, o } = await start(startExim, { address: '127.0.3.3', port: 25, hostname, tls: await tls(hostname), requireTls: true });
      const { smtp, ehlo } = await greet(o);
      expect(extensions(ehlo)).toContain('STARTTLS');
      expect((await smtp.command('MAIL FROM:<probe@client.interop.test>')).code).toBe(250);
      const rcpt = await smtp.command('RCPT TO:<postmaster@require.exim.interop.test>');
      expect(rcpt.code).toBe(530);
      expect(rcpt.lines[0]).toMatch(/^5\.7\.0 /);
      expect((await smtp.command('RSET')).code).toBe(250);
      expect((await smtp.command('STARTTLS')).code).toBe(220);
      await smtp.startTls(lenient(hostname));
      expect((await smtp.command('EHLO client.interop.test')).code).toBe(250);
      expect((await smtp.command('MAIL FROM:<probe@client.interop.test>')).code).toBe(250);
      expect((await smtp.command('RCPT TO:<postmaster@require.exim.interop.test>')).code).toBe(250);
      expect((await smtp.command('QUIT')).code).toBe(221);
      smtp.close();
      await finish(instance);
    });

    it('oldProtocolsOnly: TLS 1.1 at most; a TLS 1.2+ client fails', async () => {
      const hostname = 'mx.old.exim.interop.test';
      const { instance, o } = await start(startExim, { address: '127.0.3.4', port: 25, hostname, tls: await tls(hostname), oldProtocolsOnly: true });
      const first = await greet(o);
      expect(extensions(first.ehlo)).toContain('STARTTLS');
      expect((await first.smtp.command('STARTTLS')).code).toBe(220);
      const secure = await first.smtp.startTls(lenient(hostname));
      expect(['TLSv1', 'TLSv1.1']).toContain(secure.getProtocol());
      expect((await first.smtp.command('QUIT')).code).toBe(221);
      first.smtp.close();

      const second = await greet(o);
      expect((await second.smtp.command('STARTTLS')).code).toBe(220);
      await expect(second.smtp.startTls({ servername: hostname, rejectUnauthorized: false, minVersion: 'TLSv1.2' })).rejects.toThrow();
      second.smtp.close();
      await finish(instance);
    });

    it('implicitTls on 465: TLS first, then the banner', async () => {
      const hostname = 'mx.smtps.exim.interop.test';
      const { instance, o } = await start(startExim, { address: '127.0.3.5', port: 465, hostname, tls: await tls(hostname), implicitTls: true });
      const secure = await tlsHandshake({ host: o.address, port: o.port, ...lenient(hostname) });
      const smtp = new Smtp(secure);
      const banner = await smtp.read();
      expect(banner.code).toBe(220);
      expect(banner.lines[0]).toContain(hostname);
      const ehlo = await smtp.command('EHLO client.interop.test');
      expect(extensions(ehlo)).not.toContain('STARTTLS');
      expect((await smtp.command('QUIT')).code).toBe(221);
      smtp.close();
      await finish(instance);
    });

    it('requestClientCert: STARTTLS offered; a client without a certificate still gets through', async () => {
      const hostname = 'mx.ccert.exim.interop.test';
      const { instance, o } = await start(startExim, { address: '127.0.3.6', port: 25, hostname, tls: await tls(hostname), requestClientCert: true });
      const { smtp, ehlo } = await greet(o);
      expect(extensions(ehlo)).toContain('STARTTLS');
      expect((await smtp.command('STARTTLS')).code).toBe(220);
      await smtp.startTls(lenient(hostname));
      expect((await smtp.command('EHLO client.interop.test')).code).toBe(250);
      expect((await smtp.command('QUIT')).code).toBe(221);
      smtp.close();
      await finish(instance);
    });
  });

  describe('OpenSMTPD', () => {
    it('no TLS: greets with its name, no STARTTLS, accepts RCPT, refuses DATA', async () => {
      const { instance, o } = await start(startOpenSmtpd, { address: '127.0.3.11', port: 25, hostname: 'mx.plain.opensmtpd.interop.test', tls: null });
      const { smtp, banner, ehlo } = await greet(o);
      expect(banner.code).toBe(220);
      expect(banner.lines[0]).toContain(o.hostname);
      expect(banner.lines[0]).toContain('OpenSMTPD');
      expect(ehlo.code).toBe(250);
      expect(ehlo.lines[0]).toContain(o.hostname);
      expect(extensions(ehlo)).not.toContain('STARTTLS');
      expect((await smtp.command('MAIL FROM:<probe@client.interop.test>')).code).toBe(250);
      expect((await smtp.command('RCPT TO:<postmaster@plain.opensmtpd.interop.test>')).code).toBe(250);
      expect((await smtp.command('DATA')).code).toBe(554);
      expect((await smtp.command('QUIT')).code).toBe(221);
      smtp.close();
      await finish(instance);
    });

    it('STARTTLS: offered; the handshake dies after the certificate (the known 6.8.0p2 + OpenSSL 3 fault)', async () => {
      const hostname = 'mx.good.opensmtpd.interop.test';
      const { instance, o } = await start(startOpenSmtpd, { address: '127.0.3.12', port: 25, hostname, tls: await tls(hostname) });
      const { smtp, banner, ehlo } = await greet(o);
      expect(banner.lines[0]).toContain(hostname);
      expect(extensions(ehlo)).toContain('STARTTLS');
      expect((await smtp.command('STARTTLS')).code).toBe(220);
      // Issue 10: alert internal_error (80) right after the server's certificate. Should a fixed
      // OpenSMTPD ever land in Debian 12, this assertion tells us the harness needs a look.
      await expect(smtp.startTls(lenient(hostname))).rejects.toThrow(/internal error|alert number 80/i);
      smtp.close();
      expect(instance.logs()).toMatch(/smtp connected/);
      await finish(instance);
    });

    it('requireTls: STARTTLS offered, MAIL refused in cleartext', async () => {
      const hostname = 'mx.require.opensmtpd.interop.test';
      const { instance, o } = await start(startOpenSmtpd, { address: '127.0.3.13', port: 25, hostname, tls: await tls(hostname), requireTls: true });
      const { smtp, ehlo } = await greet(o);
      expect(extensions(ehlo)).toContain('STARTTLS');
      const mail = await smtp.command('MAIL FROM:<probe@client.interop.test>');
      expect(mail.code).toBe(530);
      expect(mail.lines.join(' ')).toMatch(/STARTTLS/);
      expect((await smtp.command('QUIT')).code).toBe(221);
      smtp.close();
      await finish(instance);
    });

    it('implicitTls on 465: accepts TCP; the handshake fails the same way', async () => {
      const hostname = 'mx.smtps.opensmtpd.interop.test';
      const { instance, o } = await start(startOpenSmtpd, { address: '127.0.3.14', port: 465, hostname, tls: await tls(hostname), implicitTls: true });
      await expect(tlsHandshake({ host: o.address, port: o.port, ...lenient(hostname) })).rejects.toThrow(/internal error|alert number 80/i);
      await finish(instance);
    });

    it('refuses options 6.8.0p2 cannot express, before starting anything', async () => {
      const hostname = 'mx.unsupported.opensmtpd.interop.test';
      const material = await tls(hostname);
      const base = { address: '127.0.3.15', port: 25, hostname, workDir: join(root, 'unused') };
      await expect(startOpenSmtpd({ ...base, tls: material, oldProtocolsOnly: true })).rejects.toThrow(/oldProtocolsOnly is not supported/);
      await expect(startOpenSmtpd({ ...base, tls: material, requestClientCert: true })).rejects.toThrow(/requestClientCert is not supported/);
      await expect(startOpenSmtpd({ ...base, tls: null, requireTls: true })).rejects.toThrow(/need TLS material/);
      expect(await portAccepts(base.address, base.port)).toBe(false);
    });
  });

  it('refuses a non-loopback address', async () => {
    await expect(startExim({ address: '192.0.2.1', port: 25, hostname: 'mx.example.test', workDir: join(root, 'unused'), tls: null })).rejects.toThrow(/loopback/);
  });
});

if (reason !== null) {
  describe('MTA launchers (Exim, OpenSMTPD)', () => {
    it.skip(`skipped: ${reason}`, () => undefined);
  });
}
