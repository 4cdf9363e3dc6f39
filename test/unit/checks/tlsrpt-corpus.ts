// Where the shared corpus of real TLS-RPT reports is (read in place, never copied into the
// repository): ../shared/corpus next to the repository root, or $MXRAY_CORPUS.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export const CORPUS = join(process.env.MXRAY_CORPUS ?? resolve(ROOT, '../shared/corpus'), 'tlsrpt');
