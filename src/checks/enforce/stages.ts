// The stages of an enforce session: their names for people, and what counts as a refusal at each.
import type { EnforceStage, EnforceStep } from '../../core/schema.js';

/** The stage as people read it in a reply's context. */
export const STAGE_LABEL: Readonly<Record<EnforceStage, string>> = { banner: 'the greeting', ehlo: 'EHLO', mail: 'MAIL FROM', rcpt: 'RCPT TO', data: 'DATA' };

/** Whether a stage's reply refuses to go on: anything but 220 to the greeting, 250 to EHLO, 354 to DATA, 2xx to MAIL and RCPT. */
export function isRefusal(step: EnforceStep): boolean {
  const code = step.reply?.code;
  if (code === undefined) return false;
  switch (step.stage) {
    case 'banner':
      return code !== 220;
    case 'ehlo':
      return code !== 250;
    case 'data':
      return code !== 354;
    default:
      return code >= 300;
  }
}

