// A certificate made by the openssl command (Debian's), with the extension lines given in openssl's
// config syntax: what a real CA's tooling writes, for the tests of our DER readers.
import { spawnSync } from 'node:child_process';
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
