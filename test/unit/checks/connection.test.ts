// The connection check, and the domain's "no address answered" check, each from only the facts
// their input types declare.
import { describe, expect, it } from 'vitest';
import { allUnreachableCheck, connectionCheck, type ConnectionInput } from '../../../src/checks/connection/index.js';
import type { ReceiverFacts } from '../../../src/checks/receiver.js';
import type { HostFacts } from '../../../src/core/schema.js';
import { EV, F, found, HOST } from './check-helpers.js';

const TIMEOUTS = { connectMs: 10_000, greetingMs: 300_000, commandMs: 120_000 };

function connection(status: HostFacts['status'], statusReason: string | null = null, statusDetail: string | null = null, evidence: HostFacts['evidence'] = EV) {
  const input: ConnectionInput = { facts: { key: HOST, evidence, status, statusReason, statusDetail }, assessment: {}, ctx: { timeouts: TIMEOUTS }, prior: [] };
  return connectionCheck.assess(input);
}

describe('connectionCheck', () => {
  it('says nothing about a connection that was made', () => {
    for (const status of ['ok', 'greeting-timeout', 'protocol-error', 'io-timeout', 'tls-handshake-error'] as const) expect(connection(status), status).toEqual([]);
  });

  it('refused: net.connect-refused with the connect evidence', () => {
    const [f, ...rest] = connection('connection-refused', 'ECONNREFUSED');
    expect(rest).toEqual([]);
    expect(found([f!])).toEqual([F('net.connect-refused')]);
    expect(f?.evidence).toEqual([1, 2]);
    expect(f?.hosts).toEqual([HOST]);
  });

  it('no route from here (our network): net.no-route naming the error, for every such errno', () => {
    for (const errno of ['ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL', 'EAFNOSUPPORT', 'ENETDOWN']) {
      expect(found(connection('connection-refused', errno)), errno).toEqual([F('net.no-route', { error: errno })]);
    }
  });

  it('a time-out: net.connect-timeout quoting the time-out of the run', () => {
    expect(found(connection('connection-timeout', 'ETIMEDOUT'))).toEqual([F('net.connect-timeout', { timeoutMs: 10_000 })]);
  });

  it("our own probe's bug: mxray.internal-error, pointing at the last event recorded", () => {
    const [f] = connection('internal-error', null, 'boom', { connect: [1, 2], banner: [3, 9], ehlo: [4] });
    expect(found([f!])).toEqual([F('mxray.internal-error', { detail: 'boom' })]);
    expect(f?.evidence).toEqual([9]);
    expect(connection('internal-error', null, 'boom', {})[0]?.evidence).toEqual([]);
  });
});

describe('allUnreachableCheck', () => {
  const facts = (sourceAddress: string | null, target: Partial<ReceiverFacts['target']> = {}): ReceiverFacts =>
    ({
      target: { input: 'example.test', kind: 'domain', domain: 'example.test', host: null, port: 25, implicitTls: false, ...target },
      sourceAddress,
      timeouts: TIMEOUTS,
      dns: { status: 'ok', resolver: 'system', mx: [], error: null },
      dnsEvidence: [],
      hosts: [],
    }) as ReceiverFacts;
  const timedOut = { status: 'connection-timeout' as const };

  it('every address timed out: net.all-unreachable, with how many and our own address', () => {
    expect(found(allUnreachableCheck.assess({ facts: facts('198.51.100.7'), hosts: [timedOut, timedOut] }))).toEqual([
      ['net.all-unreachable', { domain: 'example.test', count: 2, port: 25, sourceAddress: '198.51.100.7' }],
    ]);
    // A host target names the host; no connection made means no source address known.
    expect(found(allUnreachableCheck.assess({ facts: facts(null, { kind: 'host', domain: null, host: 'mx.example.test', port: 587 }), hosts: [timedOut] }))).toEqual([
      ['net.all-unreachable', { domain: 'mx.example.test', count: 1, port: 587, sourceAddress: 'unknown (no connection was established)' }],
    ]);
  });

  it('one address answered, or none was tried: nothing', () => {
    expect(allUnreachableCheck.assess({ facts: facts(null), hosts: [timedOut, { status: 'ok' }] })).toEqual([]);
    expect(allUnreachableCheck.assess({ facts: facts(null), hosts: [timedOut, { status: 'connection-refused' }] })).toEqual([]);
    expect(allUnreachableCheck.assess({ facts: facts(null), hosts: [] })).toEqual([]);
  });
});
