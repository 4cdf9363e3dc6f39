// Moments as both stores keep them: ISO 8601 text in UTC in one fixed form, so text order is time
// order in SQLite and PostgreSQL alike.
import { MxrayError } from '../core/errors.js';

// ISO 8601 with a date, a time and a zone: what toISOString writes and what a person would.
const MOMENT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * The one form moments are stored and compared in (toISOString: "2026-11-30T00:44:14.000Z"): the
 * queries compare text, which is time order only when every moment has the same form.
 */
export function storedMoment(moment: string, what: string): string {
  const ms = typeof moment === 'string' && MOMENT.test(moment) ? Date.parse(moment) : Number.NaN;
  // Years 0000–9999 only: beyond, toISOString writes "+010000-…" (27 characters), which sorts wrong.
  const iso = Number.isFinite(ms) ? new Date(ms).toISOString() : '';
  if (iso.length !== 24) throw new MxrayError('invalid-input', `${what} is not an ISO 8601 moment`, 'bad-moment');
  return iso;
}
