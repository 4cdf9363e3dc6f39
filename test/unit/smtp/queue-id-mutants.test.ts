// parseQueueId at its edges: only a 2xx reply names a queue id (200 and 299 do, 199 and 300 do
// not), and a multi-line reply is read as its lines joined by one space, so an id split from its
// marker by a line break is still found.
import { describe, expect, it } from 'vitest';
import { parseQueueId } from '../../../src/smtp/queue-id.js';

const reply = (code: number, ...lines: string[]) => ({ code, enhanced: null, lines });

describe('parseQueueId: which replies name an id', () => {
  it.each([
    [199, null],
    [200, '4ABCD1234'],
    [250, '4ABCD1234'],
    [299, '4ABCD1234'],
    [300, null],
    [354, null],
    [451, null],
  ])('a %i reply saying "queued as 4ABCD1234" → %s', (code, id) => {
    expect(parseQueueId(reply(code, '2.0.0 Ok: queued as 4ABCD1234'))).toBe(id);
  });
});

describe('parseQueueId: a multi-line reply', () => {
  it('Postfix\'s "queued as" with the id on the next line', () => {
    expect(parseQueueId(reply(250, '2.0.0 Ok: queued', 'as 4ABCD1234'))).toBe('4ABCD1234');
  });

  it('Gmail\'s id with " - gsmtp" on the next line', () => {
    expect(parseQueueId(reply(250, '2.0.0 OK  1732868139 a640c23a62f3a-4a1b2c3d.45', '- gsmtp'))).toBe('a640c23a62f3a-4a1b2c3d.45');
  });
});
