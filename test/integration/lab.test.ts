// The demo lab, checked with raw node:net / node:tls clients (not through mxray's checker):
// every server behaves as its scenario declares, the zone lists every MX, stop() leaves nothing.
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  INTERNAL_NAME,
  MASKED_BANNER,
  MASKED_STARTTLS,
  NOT_A_SERVER_HELLO,
  OTHER_COMPANY_NAME,
  RATE_LIMIT_REPLY,
  REQUIRE_TLS_REPLY,
  listLabScenarios,
  startLab,
  type Lab,
} from '../../src/demo/lab.js';

const DAY = 86_400_000;

/** A line-oriented SMTP client over a plain or TLS socket, for assertions. */
class Client {
  private text = '';
  private closed = false;
  private wake: (() => void) | null = null;

  constructor(readonly socket: net.Socket) {
    this.attach(socket);
  }

  static async connect(port: number): Promise<Client> {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return new Client(socket);
  }

  private attach(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.text += chunk.toString('latin1');
      this.wake?.();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  /** Waits until `done(text)` says the received text is complete; returns and consumes it. */
  private async until(done: (text: string) => number, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = done(this.text);
      if (end >= 0) {
        const taken = this.text.slice(0, end);
        this.text = this.text.slice(end);
        return taken;
      }
      if (this.closed) throw new Error(`connection closed; received so far: ${JSON.stringify(this.text)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; received so far: ${JSON.stringify(this.text)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** Reads one complete (possibly multi-line) SMTP reply and returns its lines. */
  async reply(timeoutMs?: number): Promise<string[]> {
    const text = await this.until((t) => {
      let start = 0;
      for (;;) {
        const end = t.indexOf('\r\n', start);
        if (end < 0) return -1;
        if (/^\d{3}(?: |$)/.test(t.slice(start, end))) return end + 2;
        start = end + 2;
      }
    }, timeoutMs);
    return text.split('\r\n').slice(0, -1);
  }

  /** Reads exactly `bytes` characters (latin1). */
  async bytes(count: number): Promise<string> {
    return this.until((t) => (t.length >= count ? count : -1));
  }

  async command(line: string): Promise<string[]> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  /** Waits until the connection is closed; returns what arrived before that. */
  async waitClosed(timeoutMs = 5000): Promise<string> {
    return this.until((t) => (this.closed ? t.length : -1), timeoutMs);
  }

  /** TLS on the same TCP connection; `servername` null sends no SNI. Verifies against `ca` without rejecting. */
  async startTls(servername: string | null, ca: string): Promise<TlsResult> {
    const secure = tls.connect({ socket: this.socket, servername: servername ?? '', ca, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    const chain: X509Certificate[] = [];
    const seen = new Set<string>();
    for (let c: tls.DetailedPeerCertificate | undefined = secure.getPeerCertificate(true); c?.raw; c = c.issuerCertificate) {
      if (seen.has(c.fingerprint256)) break;
      seen.add(c.fingerprint256);
      chain.push(new X509Certificate(c.raw));
    }
    const client = new Client(secure);
    return {
      client,
      chain,
      authorizationError: secure.authorized ? null : String(secure.authorizationError),
    };
  }

  close(): void {
    this.socket.destroy();
  }
}

interface TlsResult {
  client: Client;
  chain: X509Certificate[];
  authorizationError: string | null;
}

function commonName(cert: X509Certificate): string {
  return /CN=([^\n,]+)/.exec(cert.subject)?.[1] ?? '';
}

function portOf(lab: Lab, host: string): number {
  const mapping = lab.hostMap.get(host);
  if (!mapping || mapping.port === null) throw new Error(`no host mapping for ${host}`);
  expect(mapping.address).toBe('127.0.0.1');
  return mapping.port;
}

/** Connects, reads the banner, sends EHLO, returns the client and both replies. */
async function greet(lab: Lab, host: string): Promise<{ client: Client; banner: string[]; ehlo: string[] }> {
  const client = await Client.connect(portOf(lab, host));
  const banner = await client.reply();
  const ehlo = await client.command('EHLO client.mxray.test');
  return { client, banner, ehlo };
}

/** Greets, runs STARTTLS and the handshake. */
async function secure(lab: Lab, host: string, servername: string | null = host) {
  const { client, banner, ehlo } = await greet(lab, host);
  expect(ehlo.some((line) => /^250[- ]STARTTLS$/.test(line))).toBe(true);
  expect((await client.command('STARTTLS'))[0]).toMatch(/^220 /);
  const result = await client.startTls(servername, lab.trustedCaPem);
  return { ...result, banner, ehlo };
}

// ecdsa-with-SHA1 (1.2.840.10045.4.1) and ecdsa-with-SHA256 (1.2.840.10045.4.3.2), DER-encoded.
const ECDSA_SHA1 = Buffer.from('06072a8648ce3d0401', 'hex');
const ECDSA_SHA256 = Buffer.from('06082a8648ce3d040302', 'hex');

describe('demo lab', () => {
  let lab: Lab;
  let now: number;
  const mx = (name: string) => `mx.${name}.mxray.test`;

  beforeAll(async () => {
    now = Date.now();
    lab = await startLab({ now });
  });
  afterAll(async () => {
    await lab.stop();
  });

  it('declares every scenario with its expected verdict and findings', () => {
    expect(lab.scenarios.map((s) => s.name)).toEqual(listLabScenarios().map((s) => s.name));
    expect(lab.scenarios).toHaveLength(30);
    const byName = new Map(lab.scenarios.map((s) => [s.name, s]));
    expect(byName.get('good')?.expect).toEqual({ verdict: 'pass', findings: ['tls.ok', 'cert.ok', 'mta-sts.ok', 'tls-rpt.ok'] });
    expect(byName.get('mta-sts-self-signed')?.expect).toEqual({ verdict: 'fail', findings: ['cert.self-signed', 'mta-sts.enforce-blocks-delivery'] });
    expect(byName.get('requires-tls')?.expect).toEqual({ verdict: 'pass', findings: ['policy.requires-tls', 'tls.ok', 'cert.ok'] });
    expect(byName.get('firewall-masked')?.expect).toEqual({ verdict: 'fail', findings: ['smtp.banner-masked', 'starttls.masked'] });
    expect(byName.get('rate-limited')?.expect.verdict).toBe('inconclusive');
    expect(byName.get('null-mx')?.expect).toEqual({ verdict: 'not-applicable', findings: ['dns.null-mx'] });
    expect(byName.get('backup-mx')?.expect.verdict).toBe('warn');
    for (const s of lab.scenarios) {
      expect(s.domain).toBe(`${s.name}.mxray.test`);
      expect(s.title.length).toBeGreaterThan(0);
      for (const id of s.expect.findings) expect(id).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/);
    }
  });

  it('has a zone that lists each scenario’s MX, its address, and a PTR for 127.0.0.1', () => {
    const records = lab.zone.records;
    expect(records).toContainEqual({ name: '1.0.0.127.in-addr.arpa', type: 'PTR', data: 'localhost' });
    for (const s of lab.scenarios) {
      const own = records.filter((r) => r.name === s.domain);
      const mxRecords = own.filter((r) => r.type === 'MX');
      if (s.name === 'nxdomain') {
        expect(records.filter((r) => r.name.endsWith(s.domain))).toEqual([]);
      } else if (s.name === 'null-mx') {
        expect(mxRecords).toEqual([{ name: s.domain, type: 'MX', data: { preference: 0, exchange: '.' } }]);
      } else if (s.name === 'backup-mx') {
        // MX 10 a host whose address refuses connections, MX 20 the scenario's server.
        const down = `mx-down.${s.domain}`;
        expect(mxRecords).toEqual([
          { name: s.domain, type: 'MX', data: { preference: 10, exchange: down } },
          { name: s.domain, type: 'MX', data: { preference: 20, exchange: mx(s.name) } },
        ]);
        expect(portOf(lab, mx(s.name))).toBeGreaterThan(0);
        expect(portOf(lab, down)).toBeGreaterThan(0);
        expect(portOf(lab, down)).not.toBe(portOf(lab, mx(s.name)));
      } else if (s.name === 'no-mx') {
        expect(mxRecords).toEqual([]);
        expect(own).toContainEqual({ name: s.domain, type: 'A', data: '127.0.0.1' });
        expect(portOf(lab, s.domain)).toBeGreaterThan(0);
      } else {
        expect(mxRecords).toEqual([{ name: s.domain, type: 'MX', data: { preference: 10, exchange: mx(s.name) } }]);
        expect(records).toContainEqual({ name: mx(s.name), type: 'A', data: '127.0.0.1' });
        expect(portOf(lab, mx(s.name))).toBeGreaterThan(0);
      }
    }
    // one server per scenario that has one, on distinct ports
    const smtp = [...lab.hostMap].filter(([name]) => !name.startsWith('mta-sts.'));
    const ports = smtp.map(([, m]) => m.port);
    expect(new Set(ports).size).toBe(ports.length);
    // One per server (28), and the backup scenario's dead primary.
    expect(ports).toHaveLength(29);
    // The scenarios with MTA-STS: their records, and one policy host for all of them, on a port of its own.
    const policy = [...lab.hostMap].filter(([name]) => name.startsWith('mta-sts.'));
    expect(policy.map(([name]) => name).sort()).toEqual(['mta-sts.good.mxray.test', 'mta-sts.mta-sts-not-covered.mxray.test', 'mta-sts.mta-sts-self-signed.mxray.test']);
    expect(new Set(policy.map(([, m]) => m.port)).size).toBe(1);
    expect(ports).not.toContain(policy[0]![1].port);
    expect(records).toContainEqual({ name: '_mta-sts.good.mxray.test', type: 'TXT', data: 'v=STSv1; id=20261129T1200' });
    expect(records).toContainEqual({ name: '_smtp._tls.good.mxray.test', type: 'TXT', data: 'v=TLSRPTv1; rua=mailto:tlsrpt@good.mxray.test' });
    expect(records.filter((r) => r.name.startsWith('_mta-sts.'))).toHaveLength(3);
  });

  it('good: trusted chain (leaf + intermediate), name matches', async () => {
    const { client, chain, authorizationError, banner, ehlo } = await secure(lab, mx('good'));
    expect(banner).toEqual([`220 ${mx('good')} ESMTP mxray demo lab`]);
    expect(ehlo[0]).toMatch(new RegExp(`^250-${mx('good').replace(/\./g, '\\.')} `));
    expect(authorizationError).toBeNull();
    // leaf and intermediate as sent; Node completes the path with the root we gave it as `ca`
    expect(chain).toHaveLength(3);
    expect(commonName(chain[0]!)).toBe(mx('good'));
    expect(chain[0]!.checkIssued(chain[1]!)).toBe(true);
    expect(chain[2]!.fingerprint256).toBe(new X509Certificate(lab.trustedCaPem).fingerprint256);
    // after TLS: EHLO again, no STARTTLS any more, MAIL accepted
    const ehlo2 = await client.command('EHLO client.mxray.test');
    expect(ehlo2.join('\n')).not.toMatch(/STARTTLS/);
    expect((await client.command('MAIL FROM:<probe@client.mxray.test>'))[0]).toMatch(/^250 /);
    expect((await client.command('RCPT TO:<postmaster@good.mxray.test>'))[0]).toMatch(/^250 /);
    expect((await client.command('QUIT'))[0]).toMatch(/^221 /);
    client.close();
  });

  it('good: accepts no message data', async () => {
    const { client } = await greet(lab, mx('good'));
    expect((await client.command('MAIL FROM:<probe@client.mxray.test>'))[0]).toMatch(/^250 /);
    expect((await client.command('RCPT TO:<postmaster@good.mxray.test>'))[0]).toMatch(/^250 /);
    expect((await client.command('DATA'))[0]).toMatch(/^354 /);
    expect((await client.command('Subject: test\r\n\r\nhello\r\n.'))[0]).toMatch(/^554 /);
    client.close();
  });

  it('expired: leaf expired 10 days ago', async () => {
    const { chain, authorizationError } = await secure(lab, mx('expired'));
    expect(authorizationError).toBe('CERT_HAS_EXPIRED');
    expect(chain[0]!.checkIssued(chain[1]!)).toBe(true);
    expect(Math.round((now - Date.parse(chain[0]!.validTo)) / DAY)).toBe(10);
  });

  it('expiring-soon: 10 days left, otherwise valid', async () => {
    const { chain, authorizationError } = await secure(lab, mx('expiring-soon'));
    expect(authorizationError).toBeNull();
    expect(Math.round((Date.parse(chain[0]!.validTo) - now) / DAY)).toBe(10);
  });

  it('self-signed: the leaf is its own issuer', async () => {
    const { chain, authorizationError } = await secure(lab, mx('self-signed'));
    expect(authorizationError).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(chain).toHaveLength(1);
    expect(chain[0]!.subject).toBe(chain[0]!.issuer);
    expect(commonName(chain[0]!)).toBe(mx('self-signed'));
  });

  it('wrong-name: a trusted certificate for another company’s host', async () => {
    const { chain, authorizationError } = await secure(lab, mx('wrong-name'));
    expect(authorizationError).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(commonName(chain[0]!)).toBe(OTHER_COMPANY_NAME);
    expect(chain[0]!.subjectAltName).toBe(`DNS:${OTHER_COMPANY_NAME}`);
  });

  it('untrusted-root: a complete chain ending in a root we do not trust', async () => {
    const { chain, authorizationError } = await secure(lab, mx('untrusted-root'));
    expect(authorizationError).toBe('SELF_SIGNED_CERT_IN_CHAIN');
    expect(chain).toHaveLength(3);
    expect(chain[2]!.subject).toBe(chain[2]!.issuer);
    expect(chain[2]!.ca).toBe(true);
    expect(chain[2]!.fingerprint256).not.toBe(new X509Certificate(lab.trustedCaPem).fingerprint256);
  });

  it('missing-intermediate: the leaf alone, issued by the intermediate', async () => {
    const { chain, authorizationError } = await secure(lab, mx('missing-intermediate'));
    expect(authorizationError).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(chain).toHaveLength(1);
    expect(chain[0]!.issuer).toMatch(/intermediate/);
  });

  it('expired-intermediate: a valid leaf sent with its intermediate, which expired (OpenSSL refuses the chain)', async () => {
    const { chain, authorizationError } = await secure(lab, mx('expired-intermediate'));
    expect(authorizationError).toBe('CERT_HAS_EXPIRED');
    expect(chain.map((c) => c.subject.match(/CN=([^\n]*)/)?.[1])).toEqual(['mx.expired-intermediate.mxray.test', 'mxray expired intermediate CA', 'mxray demo root CA']);
    expect(Date.parse(chain[0]!.validTo)).toBeGreaterThan(now);
    expect(Date.parse(chain[1]!.validTo)).toBeLessThan(now);
  });

  // Both handshake with Node's default client settings: the weakness is for the checker to judge.
  it('weak-key: an RSA 1024-bit leaf', async () => {
    const { chain } = await secure(lab, mx('weak-key'));
    const key = chain[0]!.publicKey;
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(1024);
  });

  it('sha1-signature: the leaf is signed with SHA-1', async () => {
    const { chain } = await secure(lab, mx('sha1-signature'));
    expect(chain[0]!.raw.includes(ECDSA_SHA1)).toBe(true);
    expect(chain[0]!.raw.includes(ECDSA_SHA256)).toBe(false);
    expect(chain[1]!.raw.includes(ECDSA_SHA256)).toBe(true);
  });

  it('no-starttls: no STARTTLS in EHLO, and the command is refused', async () => {
    const { client, banner, ehlo } = await greet(lab, mx('no-starttls'));
    expect(banner[0]).toBe(`220 ${mx('no-starttls')} ESMTP mxray demo lab`);
    expect(ehlo.join('\n')).not.toMatch(/STARTTLS/);
    expect((await client.command('STARTTLS'))[0]).toMatch(/^5\d\d /);
    client.close();
  });

  it('handshake-fails: 220 to STARTTLS, then garbage in answer to the ClientHello', async () => {
    const { client, banner, ehlo } = await greet(lab, mx('handshake-fails'));
    expect(banner).toEqual([`220 ${mx('handshake-fails')} ESMTP mxray demo lab`]);
    expect(ehlo).toContain('250 STARTTLS');
    expect(await client.command('STARTTLS')).toEqual(['220 2.0.0 Ready to start TLS']);
    // nothing is sent before the client speaks
    await new Promise((resolve) => setTimeout(resolve, 100));
    client.socket.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00]));
    expect(await client.bytes(NOT_A_SERVER_HELLO.length)).toBe(NOT_A_SERVER_HELLO);
    await client.waitClosed();

    // and a real TLS client fails
    const second = await greet(lab, mx('handshake-fails'));
    expect((await second.client.command('STARTTLS'))[0]).toMatch(/^220 /);
    await expect(second.client.startTls(mx('handshake-fails'), lab.trustedCaPem)).rejects.toThrow();
    second.client.close();
  });

  it('helo-only: 500 to EHLO, 250 to HELO, no STARTTLS', async () => {
    const client = await Client.connect(portOf(lab, mx('helo-only')));
    const banner = await client.reply();
    expect(banner).toEqual([`220 ${mx('helo-only')} SMTP service ready`]);
    expect(banner[0]).not.toMatch(/ESMTP/);
    expect((await client.command('EHLO client.mxray.test'))[0]).toMatch(/^500 /);
    expect(await client.command('HELO client.mxray.test')).toEqual([`250 ${mx('helo-only')} Hello [127.0.0.1]`]);
    expect((await client.command('STARTTLS'))[0]).toMatch(/^500 /);
    expect((await client.command('MAIL FROM:<probe@client.mxray.test>'))[0]).toMatch(/^250 /);
    expect((await client.command('QUIT'))[0]).toMatch(/^221 /);
    await client.waitClosed();
  });

  it('requires-tls: 530 to MAIL FROM in clear, accepted inside TLS', async () => {
    const { client } = await greet(lab, mx('requires-tls'));
    expect(await client.command('MAIL FROM:<probe@client.mxray.test>')).toEqual([`530 ${REQUIRE_TLS_REPLY}`]);
    client.close();

    const tlsSide = await secure(lab, mx('requires-tls'));
    expect(tlsSide.authorizationError).toBeNull();
    await tlsSide.client.command('EHLO client.mxray.test');
    expect((await tlsSide.client.command('MAIL FROM:<probe@client.mxray.test>'))[0]).toMatch(/^250 /);
    expect((await tlsSide.client.command('RCPT TO:<postmaster@requires-tls.mxray.test>'))[0]).toMatch(/^250 /);
    tlsSide.client.close();
  });

  it('sni-dependent: the good certificate with SNI, a self-signed default without', async () => {
    const withSni = await secure(lab, mx('sni-dependent'));
    expect(withSni.authorizationError).toBeNull();
    expect(commonName(withSni.chain[0]!)).toBe(mx('sni-dependent'));
    withSni.client.close();

    const withoutSni = await secure(lab, mx('sni-dependent'), null);
    expect(withoutSni.authorizationError).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(commonName(withoutSni.chain[0]!)).toBe('localhost');
    withoutSni.client.close();
  });

  it('firewall-masked: asterisks for a banner, XXXXXXXA for STARTTLS', async () => {
    const { client, banner, ehlo } = await greet(lab, mx('firewall-masked'));
    expect(banner).toEqual([`220 ${MASKED_BANNER}`]);
    expect(banner).toEqual(['220 ****************************']);
    expect(ehlo).toContain(`250-${MASKED_STARTTLS}`);
    expect(ehlo.join('\n')).not.toMatch(/STARTTLS/);
    expect((await client.command('STARTTLS'))[0]).toMatch(/^500 /);
    client.close();
  });

  it('ehlo-name-mismatch: the right certificate, an internal name in banner and EHLO', async () => {
    const { chain, authorizationError, banner, ehlo, client } = await secure(lab, mx('ehlo-name-mismatch'));
    expect(banner[0]).toBe(`220 ${INTERNAL_NAME} ESMTP mxray demo lab`);
    expect(ehlo[0]).toMatch(new RegExp(`^250-${INTERNAL_NAME.replace(/\./g, '\\.')} `));
    expect(authorizationError).toBeNull();
    expect(commonName(chain[0]!)).toBe(mx('ehlo-name-mismatch'));
    client.close();
  });

  it('rate-limited: 421 as greeting, then the connection closes', async () => {
    const client = await Client.connect(portOf(lab, mx('rate-limited')));
    expect(await client.reply()).toEqual([`421 ${RATE_LIMIT_REPLY}`]);
    await client.waitClosed();
  });

  it('no-mx: a good server at the domain’s own name', async () => {
    const { chain, authorizationError, banner, client } = await secure(lab, 'no-mx.mxray.test');
    expect(banner[0]).toBe('220 no-mx.mxray.test ESMTP mxray demo lab');
    expect(authorizationError).toBeNull();
    expect(commonName(chain[0]!)).toBe('no-mx.mxray.test');
    client.close();
  });

  it('stop() closes every listener, even with clients still connected', async () => {
    // leave a few sessions open: one in clear, one inside TLS, one on a scripted server
    const open = [
      (await greet(lab, mx('good'))).client,
      (await secure(lab, mx('requires-tls'))).client,
      (await greet(lab, mx('firewall-masked'))).client,
    ];
    const ports = [...lab.hostMap.keys()].map((host) => portOf(lab, host));
    // stop() does not wait for the clients to leave (smtp-server would grant them 30 s, then send
    // 421): it closes all three connections itself, before they receive anything more.
    const stopping = lab.stop();
    await expect(Promise.all(open.map((client) => client.waitClosed()))).resolves.toEqual(['', '', '']);
    await stopping;
    for (const port of ports) {
      const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
        const socket = net.connect({ host: '127.0.0.1', port });
        socket.once('connect', () => {
          socket.destroy();
          resolve(null);
        });
        socket.once('error', (e: NodeJS.ErrnoException) => resolve(e));
      });
      expect(error?.code).toBe('ECONNREFUSED');
    }
    await lab.stop(); // idempotent
  });
});

describe('demo lab: only', () => {
  it('starts just the scenarios asked for', async () => {
    const lab = await startLab({ now: Date.now(), only: ['good', 'nxdomain', 'null-mx'] });
    try {
      expect(lab.scenarios.map((s) => s.name)).toEqual(['good', 'null-mx', 'nxdomain']);
      expect([...lab.hostMap.keys()]).toEqual(['mx.good.mxray.test', 'mta-sts.good.mxray.test']);
      expect(lab.zone.records.filter((r) => r.type === 'MX')).toHaveLength(2);
    } finally {
      await lab.stop();
    }
  });

  it('refuses an unknown scenario name', async () => {
    await expect(startLab({ now: Date.now(), only: ['good', 'no-such-thing'] })).rejects.toThrow(/no-such-thing/);
  });
});

describe('lab: protocol-level TLS scenarios', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ now: Date.now(), only: ['old-protocol', 'null-cipher'] });
  }, 60_000);
  afterAll(async () => {
    await lab.stop();
  });

  it('old-protocol refuses TLS 1.2 but completes TLS 1.1; null-cipher offers only NULL suites', async () => {
    const tls = await import('node:tls');
    const net = await import('node:net');
    const starttls = async (name: string, options: import('node:tls').ConnectionOptions) => {
      const port = portOf(lab, `mx.${name}.mxray.test`);
      const socket = net.connect(port, '127.0.0.1');
      let buffered = '';
      const waitFor = (re: RegExp) =>
        new Promise<void>((resolve) => {
          const onData = (d: Buffer) => {
            buffered += d.toString();
            if (re.test(buffered)) {
              socket.off('data', onData);
              resolve();
            }
          };
          socket.on('data', onData);
        });
      await waitFor(/^220 /m);
      socket.write('EHLO t.test\r\n');
      await waitFor(/^250 /m);
      buffered = '';
      socket.write('STARTTLS\r\n');
      await waitFor(/^220 /m);
      return new Promise<string>((resolve) => {
        const s = tls.connect({ socket, rejectUnauthorized: false, ...options }, () => {
          resolve(`${s.getProtocol()} ${s.getCipher().name}`);
          s.destroy();
        });
        s.on('error', (e) => {
          resolve(`error ${e.message}`);
          socket.destroy();
        });
      });
    };
    expect(await starttls('old-protocol', { minVersion: 'TLSv1.2' })).toMatch(/^error /);
    expect(await starttls('old-protocol', { minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' })).toMatch(/^TLSv1\.1 /);
    expect(await starttls('null-cipher', {})).toMatch(/^error /);
    expect(await starttls('null-cipher', { maxVersion: 'TLSv1.2', ciphers: 'ALL:eNULL:@SECLEVEL=0' })).toMatch(/^TLSv1\.2 .*NULL/);
  });
});
