// `--connect HOST=IP[:PORT]`: an IPv4 address with or without a port, an IPv6 address in brackets
// with or without a port, a bare IPv6 address without one; anything else is one clear usage error.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';

const { parseConnect } = await import('../../../src/cli/check.js');

function usageError(specs: string[]): string {
  try {
    parseConnect(specs);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as UsageError).message;
  }
  throw new Error('expected a UsageError');
}

describe('parseConnect', () => {
  it.each([
    ['mx.example.test=127.0.0.1', '127.0.0.1', null],
    ['mx.example.test=127.0.0.1:2525', '127.0.0.1', 2525],
    ['mx.example.test=[::1]:25', '::1', 25],
    ['mx.example.test=[::1]', '::1', null],
    ['mx.example.test=[127.0.0.1]:25', '127.0.0.1', 25],
    ['mx.example.test=::1', '::1', null],
    ['mx.example.test=2001:db8::25', '2001:db8::25', null],
    ['mx.example.test=[2001:db8::1:25]', '2001:db8::1:25', null],
    ['mx.example.test=1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8', null],
  ])('%s → %s port %s', (spec, address, port) => {
    expect([...parseConnect([spec])]).toEqual([['mx.example.test', { address, port }]]);
  });

  it('keys the host name lowercased, without its final dot', () => {
    expect([...parseConnect(['MX.Example.TEST.=127.0.0.1'])]).toEqual([['mx.example.test', { address: '127.0.0.1', port: null }]]);
  });

  it('a bare IPv6 address whose last group could be a port is refused, both readings offered', () => {
    expect(usageError(['a=::1:25'])).toBe('--connect "a=::1:25" is ambiguous: write [::1]:25 for port 25 of ::1, or [::1:25] for the address ::1:25');
    expect(usageError(['a=2001:db8::1:2525'])).toBe(
      '--connect "a=2001:db8::1:2525" is ambiguous: write [2001:db8::1]:2525 for port 2525 of 2001:db8::1, or [2001:db8::1:2525] for the address 2001:db8::1:2525',
    );
  });

  const BAD = 'wants HOST=IP[:PORT] (an IPv6 address with a port in brackets: [::1]:25)';
  it.each([
    ['mx.example.test'],
    ['mx.example.test='],
    ['=127.0.0.1'],
    ['mx.example.test=not-an-address'],
    ['mx.example.test=mx2.example.test:25'],
    ['mx.example.test=127.0.0.1:'],
    ['mx.example.test=127.0.0.1:x'],
    ['mx.example.test=127.0.0.1:123456'],
    ['mx.example.test=[::1]:'],
    ['mx.example.test=[::1'],
    ['mx.example.test=[nonsense]:25'],
    ['mx.example.test=::1::2'],
    ['mx.example.test=1.2.3'],
    ['mx.example.test=127.0.0.1 25'],
  ])('%s: one line saying how to write it', (spec) => {
    expect(usageError([spec])).toBe(`--connect ${BAD}, not ${JSON.stringify(spec)}`);
  });

  it.each([['mx.example.test=127.0.0.1:0'], ['mx.example.test=127.0.0.1:65536'], ['mx.example.test=[::1]:99999']])('%s: the port is out of range', (spec) => {
    expect(usageError([spec])).toBe(`--connect port out of range in ${JSON.stringify(spec)}`);
  });

  it('shows control and bidirectional characters of what it refuses as escapes', () => {
    expect(usageError(['mx\u202e.test=x\u001b[31m'])).toBe(`--connect ${BAD}, not "mx\\u{202e}.test=x\\u001b[31m"`);
  });
});
