// What the tests of `mxray explain` share: the bounce fixtures, runExplain on a text or on named
// files with a fixed clock, the texts most of them use, and an Exchange NDR ("Delivery has failed
// to these recipients …") for the given recipients.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixedClock } from '../../src/core/clock.js';
import type { Clock } from '../../src/core/context.js';
import type { ExplainReport } from '../../src/core/schema.js';
import { runExplain, type ExplainInput } from '../../src/jobs/explain/run-explain.js';

const FIXTURES = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'test/fixtures/bounces');

/** A bounce fixture of test/fixtures/bounces, as text. */
export const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

export const explainInput = (input: ExplainInput, clock: Clock = fixedClock(0)): Promise<ExplainReport> => runExplain({ input, clock });
/** One text, as given on the command line or on standard input. */
export const explainText = (t: string, source: 'argument' | 'stdin'): Promise<ExplainReport> => explainInput({ source, parts: [{ name: null, text: t }] });
/** Named files ([name, text] pairs). */
export const explainFiles = (...parts: [string, string][]): Promise<ExplainReport> => explainInput({ source: 'file', parts: parts.map(([name, t]) => ({ name, text: t })) });

export const EXCHANGE = '451 4.4.0 Primary target IP address responded with: "451 5.7.3 STARTTLS is required to send mail."';
export const NOT_OFFERED = 'Nov 29 10:00:01 mx postfix/smtp[123]: warning: TLS is required, but was not offered by host mx.partner.example[192.0.2.25]';
export const CERT = 'Nov 29 10:00:02 mx postfix/smtp[123]: certificate verification failed for mx.other.example[198.51.100.3]:25: num=20:unable to get local issuer certificate';
export const UNKNOWN = '550 5.1.1 <a@b.example>: Recipient address rejected';

/** An Exchange NDR's text: the recipients, then the administrators' block with the EXCHANGE reply. */
export const exchangeNdr = (addresses: string[]): string =>
  [
    'Delivery has failed to these recipients or groups:',
    '',
    ...addresses,
    '',
    'Diagnostic information for administrators:',
    '',
    'Generating server: MBX01.corp.sender.example',
    `Remote Server returned '${EXCHANGE}'`,
    '',
    ...addresses,
  ].join('\n');
