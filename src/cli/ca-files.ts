// --ca-file, shared by the commands that judge certificates (check, report): read whole or refused.
import { readFileSync } from 'node:fs';
import { UsageError } from '../core/errors.js';
import { pemCertificateProblems } from '../pki/trust-store.js';

export function readCaFiles(files: string[]): string[] {
  return files.map((f) => {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --ca-file ${f}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { helpful: false });
    }
    if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--ca-file ${f} holds no PEM certificate`);
    // A block we cannot read would be left out silently, and a CA the user meant to trust with it.
    const [problem] = pemCertificateProblems(text, 1);
    if (problem) throw new UsageError(`--ca-file ${f}: ${problem}`, { helpful: false });
    return text;
  });
}
