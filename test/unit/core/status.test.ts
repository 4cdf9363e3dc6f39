import { expect, it } from 'vitest';
import { STATUS_CODES } from '../../../src/core/schema.js';
import { STATUS_CATALOGUE } from '../../../src/core/status.js';

it('the error catalogue has one entry for every code of the closed status list, and no other', () => {
  expect(Object.keys(STATUS_CATALOGUE).sort()).toEqual([...STATUS_CODES].sort());
  for (const code of STATUS_CODES) expect(STATUS_CATALOGUE[code].meaning.length, code).toBeGreaterThan(5);
  expect(STATUS_CATALOGUE['internal-error'].side).toBe('us');
  expect(STATUS_CATALOGUE['tls-handshake-error'].side).toBe('them');
});
