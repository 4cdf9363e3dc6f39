// The log formats `mxray logs` reads, and how one is picked for an input: each format's sniff
// score summed over the first non-empty lines; the best wins when it saw at least one line of its own.
import type { LogFormat, LogFormatModule } from './model.js';
import { postfixModule } from './postfix.js';
import { eximModule } from './exim.js';
import { sendmailModule } from './sendmail.js';
import { exchange2003Module } from './exchange2003.js';
import { exchangeModule, exchangeTrackingModule } from './exchange.js';

export const FORMAT_MODULES: readonly LogFormatModule[] = [postfixModule, eximModule, sendmailModule, exchange2003Module, exchangeModule, exchangeTrackingModule];

export function formatModule(format: LogFormat): LogFormatModule {
  const m = FORMAT_MODULES.find((x) => x.format === format);
  if (!m) throw new Error(`no parser for ${format}`);
  return m;
}

/** Lines looked at before a format is picked. */
export const SNIFF_LINES = 200;
/** Lines held while none is recognised yet (a log may begin with other programs' lines). */
export const SNIFF_MAX_LINES = 5_000;

/** The format the lines are most surely in, or null when no line is any format's. */
export function detectFormat(lines: readonly string[]): LogFormat | null {
  let best: LogFormat | null = null;
  let bestScore = 0;
  for (const m of FORMAT_MODULES) {
    let score = 0;
    for (const l of lines) score += m.sniff(l);
    if (score > bestScore) {
      best = m.format;
      bestScore = score;
    }
  }
  return bestScore >= 1 ? best : null;
}
