// The openssl command (Debian's) for tests that compare with it: running it on some input, and a
// certificate it makes with the extension lines given in its config syntax (what a real CA's tooling writes).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A self-signed P-256 certificate with these extension lines ("keyUsage = digitalSignature", …), as DER. */
export function opensslCertificate(extensionLines: readonly string[], subject = '/CN=ext.example.test'): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'mxray-openssl-cert-'));
  try {
    writeFileSync(join(dir, 'ext.cnf'), ['[req]', 'distinguished_name = dn', '[dn]', '[ext]', ...extensionLines, ''].join('\n'));
    const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', subject, '-config', join(dir, 'ext.cnf'), '-extensions', 'ext'];
    const run = spawnSync('openssl', [...args, '-keyout', join(dir, 'k.pem'), '-outform', 'DER', '-out', join(dir, 'c.der'), '-days', '1']);
    if (run.error) throw new Error(`these tests read a certificate the openssl command makes, which did not run: ${run.error.message}`);
    if (run.status !== 0) throw new Error(`openssl req failed: ${run.stderr.toString()}`);
    return readFileSync(join(dir, 'c.der'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs openssl on `input` and returns what it prints; the tests that call it compare with it. */
export function openssl(args: string[], input: Buffer): Buffer {
  const run = spawnSync('openssl', args, { input });
  if (run.error) throw new Error(`these tests compare with the openssl command, which did not run: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${run.stderr.toString()}`);
  return run.stdout;
}

/** `openssl` without blocking the event loop (for a server a test runs in its own process): what it prints, or a rejection. */
export function opensslAsync(args: string[], input: Buffer = Buffer.alloc(0)): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => reject(new Error(`these tests use the openssl command, which did not run: ${error.message}`)));
    child.on('close', (status) => {
      if (status === 0) resolve(Buffer.concat(out));
      else reject(new Error(`openssl ${args.join(' ')} failed: ${Buffer.concat(err).toString()}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** The SubjectPublicKeyInfo as DANE tooling extracts it: openssl x509 -pubkey -noout | openssl pkey -pubin -outform DER. */
export function opensslSpki(der: Buffer): Buffer {
  return openssl(['pkey', '-pubin', '-outform', 'DER'], openssl(['x509', '-inform', 'DER', '-pubkey', '-noout'], der));
}
