// correlateRetries on flows SmtpFlow made from dialogues: a failed TLS attempt and the same client
// coming back without TLS, as Postfix and Exim do at opportunistic levels.
import { describe, expect, it } from 'vitest';
import type { PcapFlow } from '../../../../src/core/pcap-schema.js';
import { correlateRetries, DEFAULT_RETRY_WINDOW_MS, MAX_WAITING_FAILURES, RetryMatcher } from '../../../../src/jobs/pcap/correlate.js';
import { SmtpFlow } from '../../../../src/jobs/pcap/smtp-flow.js';

const T0 = Date.UTC(2026, 10, 30, 3, 0, 0);
const MIN = 60_000;

type Story = 'client-closed' | 'alert' | 'refused' | 'clear' | 'not-offered' | 'clear-after-starttls' | 'hello-then-close' | 'no-mail';

const GREETING: [string, string][] = [
  ['server', '220 mx.example.com ESMTP\r\n'],
  ['client', 'EHLO client.example.org\r\n'],
  ['server', '250-mx.example.com\r\n250-STARTTLS\r\n250 8BITMIME\r\n'],
];
const DELIVERY: [string, string][] = [
  ['client', 'MAIL FROM:<alice@example.org>\r\n'],
  ['server', '250 2.1.0 Ok\r\n'],
  ['client', 'RCPT TO:<bob@example.com>\r\n'],
  ['server', '250 2.1.5 Ok\r\n'],
  ['client', 'QUIT\r\n'],
  ['server', '221 2.0.0 Bye\r\n'],
];

const STORIES: Record<Story, [string, string][]> = {
  'client-closed': [...GREETING, ['client', 'STARTTLS\r\n'], ['server', '220 2.0.0 Ready to start TLS\r\n']],
  // A ClientHello's first bytes, then the server's protocol_version alert in clear.
  alert: [...GREETING, ['client', 'STARTTLS\r\n'], ['server', '220 Ready\r\n'], ['client', '\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00'], ['server', '\x15\x03\x03\x00\x02\x02\x46']],
  refused: [...GREETING, ['client', 'STARTTLS\r\n'], ['server', '454 4.7.0 TLS not available\r\n'], ['client', 'QUIT\r\n'], ['server', '221 Bye\r\n']],
  clear: [...GREETING, ...DELIVERY],
  'not-offered': [GREETING[0]!, GREETING[1]!, ['server', '250-mx.example.com\r\n250 8BITMIME\r\n'], ...DELIVERY],
  'clear-after-starttls': [...GREETING, ['client', 'STARTTLS\r\n'], ['server', '220 Ready\r\n'], ...DELIVERY],
  'hello-then-close': [...GREETING, ['client', 'STARTTLS\r\n'], ['server', '220 Ready\r\n'], ['client', '\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00']],
  'no-mail': [...GREETING, ['client', 'QUIT\r\n'], ['server', '221 Bye\r\n']],
};

interface Spec {
  id: number;
  story: Story;
  start: number;
  end?: number;
  client?: string;
  server?: string;
  port?: number;
}

function flow(spec: Spec): PcapFlow {
  const f = new SmtpFlow({ id: spec.id, client: { ip: spec.client ?? '192.0.2.10', port: 40000 + spec.id }, server: { ip: spec.server ?? '198.51.100.25', port: spec.port ?? 25 }, start: spec.start, sawSyn: true });
  for (const [from, text] of STORIES[spec.story]) f.data(from as 'client' | 'server', Buffer.from(text, 'latin1'), spec.start + 1);
  f.end('fin', spec.end ?? spec.start + 2000);
  return f.facts();
}

const pairs = (flows: PcapFlow[]) => flows.map((f) => [f.id, f.retryOf, f.retriedBy]);

describe('correlateRetries', () => {
  it('the stories have the verdicts the pairing rests on', () => {
    const verdicts = (Object.keys(STORIES) as Story[]).map((story) => [story, flow({ id: 1, story, start: T0 }).verdict]);
    expect(Object.fromEntries(verdicts)).toEqual({
      'client-closed': 'handshake-failed',
      alert: 'handshake-failed',
      refused: 'starttls-refused',
      clear: 'not-attempted',
      'not-offered': 'starttls-not-offered',
      'clear-after-starttls': 'cleartext-after-starttls',
      'hello-then-close': 'handshake-failed',
      'no-mail': 'no-mail',
    });
  });

  for (const failed of ['client-closed', 'alert', 'refused'] as const) {
    for (const retry of ['clear', 'not-offered', 'clear-after-starttls'] as const) {
      it(`${failed}, then ${retry} within the window: paired`, () => {
        const flows = [flow({ id: 1, story: failed, start: T0, end: T0 + 1000 }), flow({ id: 2, story: retry, start: T0 + 1000 + 4 * MIN })];
        expect(correlateRetries(flows)).toBe(1);
        expect(pairs(flows)).toEqual([
          [1, null, 2],
          [2, 1, null],
        ]);
        // The retry's envelope is the evidence.
        expect(flows[1]!.exposed.mailFrom).toEqual(['alice@example.org']);
      });
    }
  }

  it('outside the window (counted from the failure\'s end): not paired', () => {
    const flows = [flow({ id: 1, story: 'alert', start: T0, end: T0 + 30_000 }), flow({ id: 2, story: 'clear', start: T0 + 30_000 + DEFAULT_RETRY_WINDOW_MS + 1 })];
    expect(correlateRetries(flows)).toBe(0);
    expect(pairs(flows)).toEqual([
      [1, null, null],
      [2, null, null],
    ]);
    // Just inside it, and with a window of one's own.
    const inside = [flow({ id: 1, story: 'alert', start: T0, end: T0 + 30_000 }), flow({ id: 2, story: 'clear', start: T0 + 30_000 + DEFAULT_RETRY_WINDOW_MS })];
    expect(correlateRetries(inside)).toBe(1);
    expect(correlateRetries(inside, MIN)).toBe(0);
  });

  it('another client address, another server address or another port: not paired', () => {
    for (const other of [{ client: '192.0.2.11' }, { server: '198.51.100.26' }, { port: 587 }]) {
      const flows = [flow({ id: 1, story: 'alert', start: T0 }), flow({ id: 2, story: 'clear', start: T0 + MIN, ...other })];
      expect(correlateRetries(flows)).toBe(0);
    }
  });

  it('the clear flow must come after the failure: before it, or while it was open, it is another delivery', () => {
    const before = [flow({ id: 1, story: 'clear', start: T0 }), flow({ id: 2, story: 'alert', start: T0 + MIN })];
    expect(correlateRetries(before)).toBe(0);
    const overlapping = [flow({ id: 1, story: 'alert', start: T0, end: T0 + 10_000 }), flow({ id: 2, story: 'clear', start: T0 + 5_000 }), flow({ id: 3, story: 'clear', start: T0 + 20_000 })];
    expect(correlateRetries(overlapping)).toBe(1);
    expect(pairs(overlapping)).toEqual([
      [1, null, 3],
      [2, null, null],
      [3, 1, null],
    ]);
  });

  it('flows given out of order are paired by time; each flow in one pair at most, the last failure taking the retry', () => {
    const flows = [
      flow({ id: 4, story: 'clear', start: T0 + 3 * MIN }),
      flow({ id: 2, story: 'refused', start: T0 + MIN }),
      flow({ id: 1, story: 'alert', start: T0 }),
      flow({ id: 5, story: 'clear', start: T0 + 4 * MIN }),
    ];
    expect(correlateRetries(flows)).toBe(1);
    expect(pairs(flows)).toEqual([
      [4, 2, null],
      [2, null, 4],
      [1, null, null],
      [5, null, null],
    ]);
  });

  it('taken in the order the flows ended: a long failure ending after a short one is the one a later retry follows', () => {
    const flows = [flow({ id: 1, story: 'alert', start: T0, end: T0 + 60_000 }), flow({ id: 2, story: 'refused', start: T0 + 10_000, end: T0 + 20_000 }), flow({ id: 3, story: 'clear', start: T0 + 70_000 })];
    expect(correlateRetries(flows)).toBe(1);
    expect(pairs(flows)).toEqual([
      [1, null, 3],
      [2, null, null],
      [3, 1, null],
    ]);
  });

  it('neither TLS that worked nor a flow without mail is a pair\'s part; running it again gives the same marks', () => {
    const flows = [flow({ id: 1, story: 'alert', start: T0 }), flow({ id: 2, story: 'no-mail', start: T0 + MIN }), flow({ id: 3, story: 'clear', start: T0 + 2 * MIN })];
    expect(correlateRetries(flows)).toBe(1);
    expect(pairs(flows)).toEqual([
      [1, null, 3],
      [2, null, null],
      [3, 1, null],
    ]);
    flows[0]!.retriedBy = 99;
    flows[1]!.retryOf = 98;
    flows[1]!.retriedBy = 97;
    expect(correlateRetries(flows)).toBe(1);
    expect(pairs(flows)).toEqual([
      [1, null, 3],
      [2, null, null],
      [3, 1, null],
    ]);
    // A clear flow that sent no MAIL (it only said EHLO and left) carried nothing.
    const noMail = [flow({ id: 1, story: 'alert', start: T0 }), flow({ id: 2, story: 'no-mail', start: T0 + MIN })];
    expect(correlateRetries(noMail)).toBe(0);
  });

  it('a cleartext-after-STARTTLS flow without MAIL carried nothing to pair', () => {
    const f = flow({ id: 2, story: 'client-closed', start: T0 + MIN });
    expect(f.exposed.mailCommands).toBe(0);
    const flows = [flow({ id: 1, story: 'alert', start: T0 }), { ...flow({ id: 2, story: 'clear-after-starttls', start: T0 + MIN }), exposed: { ...f.exposed } }];
    expect(correlateRetries(flows)).toBe(0);
  });

  it('many flows: linear work, every pair found', () => {
    const flows: PcapFlow[] = [];
    const template = { alert: flow({ id: 1, story: 'alert', start: T0 }), clear: flow({ id: 2, story: 'clear', start: T0 }) };
    for (let i = 0; i < 20_000; i++) {
      const pair = Math.floor(i / 2);
      const base = i % 2 === 0 ? template.alert : template.clear;
      const start = T0 + pair * 1000 + (i % 2) * 500;
      flows.push({ ...base, id: i + 1, start, end: start + 100, client: { ip: `192.0.2.${pair % 200}`, port: 1000 + i }, retryOf: null, retriedBy: null });
    }
    expect(correlateRetries(flows)).toBe(10_000);
    expect(flows.every((f, i) => (i % 2 === 0 ? f.retriedBy === i + 2 : f.retryOf === i))).toBe(true);
  });
});

describe('RetryMatcher (streamed, flows added as they end)', () => {
  it('pairs a retry with the failure that ended before it started, once', () => {
    const m = new RetryMatcher();
    expect(m.add(flow({ id: 1, story: 'alert', start: T0, end: T0 + 1000 }))).toBeNull();
    expect(m.add(flow({ id: 2, story: 'clear', start: T0 + 2000 }))).toEqual({ failedId: 1 });
    // The failure is taken: a second clear delivery is no retry.
    expect(m.add(flow({ id: 3, story: 'clear', start: T0 + 3000 }))).toBeNull();
  });

  it('a clear flow that ends first but started while the failure was open is not its retry; the one after is', () => {
    const m = new RetryMatcher();
    m.add(flow({ id: 1, story: 'refused', start: T0, end: T0 + 10_000 }));
    expect(m.add(flow({ id: 2, story: 'clear', start: T0 + 5_000, end: T0 + 12_000 }))).toBeNull();
    expect(m.add(flow({ id: 3, story: 'clear', start: T0 + 20_000 }))).toEqual({ failedId: 1 });
  });

  it('its window, and the same answer as correlateRetries', () => {
    const late = new RetryMatcher(MIN);
    late.add(flow({ id: 1, story: 'alert', start: T0, end: T0 + 1000 }));
    expect(late.add(flow({ id: 2, story: 'clear', start: T0 + 1000 + MIN + 1 }))).toBeNull();
    const onTime = new RetryMatcher(MIN);
    onTime.add(flow({ id: 1, story: 'alert', start: T0, end: T0 + 1000 }));
    expect(onTime.add(flow({ id: 2, story: 'clear', start: T0 + 1000 + MIN }))).toEqual({ failedId: 1 });
  });

  it('holds at most MAX_WAITING_FAILURES failures: the oldest is forgotten', () => {
    const m = new RetryMatcher();
    const failure = flow({ id: 1, story: 'alert', start: T0 });
    for (let i = 0; i <= MAX_WAITING_FAILURES; i++) m.add({ ...failure, id: i + 1, client: { ip: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, port: 1 } });
    const clear = flow({ id: 1, story: 'clear', start: T0 + MIN });
    expect(m.add({ ...clear, id: 99_999, client: { ip: '10.0.0.0', port: 2 } })).toBeNull();
    expect(m.add({ ...clear, id: 99_998, client: { ip: '10.0.0.1', port: 2 } })).toEqual({ failedId: 2 });
  });

  it('a new failure from the same hosts refreshes their place: the oldest other pair is forgotten instead', () => {
    const m = new RetryMatcher();
    const failure = flow({ id: 1, story: 'alert', start: T0 });
    const ip = (i: number) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`;
    for (let i = 0; i < MAX_WAITING_FAILURES; i++) m.add({ ...failure, id: i + 1, client: { ip: ip(i), port: 1 } });
    m.add({ ...failure, id: 50_000, client: { ip: ip(0), port: 1 } });
    m.add({ ...failure, id: 50_001, client: { ip: '172.16.0.1', port: 1 } });
    const clear = flow({ id: 1, story: 'clear', start: T0 + MIN });
    expect(m.add({ ...clear, id: 99_999, client: { ip: ip(0), port: 2 } })).toEqual({ failedId: 50_000 });
    expect(m.add({ ...clear, id: 99_998, client: { ip: ip(1), port: 2 } })).toBeNull();
  });
});

describe('a retry that begins while the failed connection is still closing', () => {
  it('is paired when its SYN comes up to a second before the failure’s last packet, not earlier', async () => {
    const { RETRY_OVERLAP_MS } = await import('../../../../src/jobs/pcap/correlate.js');
    const T = Date.UTC(2026, 10, 30, 4, 35);
    const near = [flow({ id: 1, story: 'alert', start: T, end: T + 500 }), flow({ id: 2, story: 'clear', start: T + 500 - RETRY_OVERLAP_MS + 1 })];
    expect(correlateRetries(near)).toBe(1);
    const far = [flow({ id: 1, story: 'alert', start: T, end: T + 5_000 }), flow({ id: 2, story: 'clear', start: T + 5_000 - RETRY_OVERLAP_MS - 1 })];
    expect(correlateRetries(far)).toBe(0);
  });
});
