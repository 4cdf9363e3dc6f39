// sender.tls-abandoned: a session that completed TLS and said QUIT (or closed) before MAIL FROM —
// how a verifying sender refuses a certificate it cannot trust. Of this session, or of one just
// before from the same address; never of a session that sent its mail or never got TLS.
import { describe, expect, it } from 'vitest';
import { judgeSender, judgeSenderReport } from '../../../../src/checks/sender/judge.js';
import { createTrustStore } from '../../../../src/pki/trust-store.js';
import { body, CLEAR, session, withTls } from './sender-facts.js';

const NOW = Date.parse('2026-11-29T10:00:05.000Z');
const ctx = { trustStore: createTrustStore([], 'no roots'), now: NOW };
const ids = (b: Parameters<typeof judgeSender>[0]) => judgeSender(b, ctx).map((f) => f.id);
/** A session that went as far as TLS: no MAIL FROM, no message, QUIT. */
const abandoned = (over: Parameters<typeof session>[0] = {}) =>
  session({ mailFrom: null, rcptTo: [], message: null, outcome: 'no-message', finalReply: null, ended: 'quit', ...over });

describe('sender.tls-abandoned', () => {
  it('this session: TLS, then QUIT before MAIL — said with the protocol and how it ended; the verdict is inconclusive', () => {
    const b = body({ test: { ...body().test, matchedBy: 'address' }, session: abandoned() });
    const f = judgeSender(b, ctx).find((x) => x.id === 'sender.tls-abandoned');
    expect(f?.title).toBe('Your server ended the session right after the TLS handshake, without sending the mail');
    expect(f?.facts).toMatchObject({ when: '', protocol: 'TLSv1.3', ended: 'it said QUIT' });
    expect(f?.severity).toBe('warning');
    expect(judgeSenderReport(b, ctx).verdict).toBe('inconclusive');
    // Said once: not again as "no message was sent".
    expect(ids(b)).not.toContain('sender.message-not-accepted');
    expect(judgeSender(body({ session: abandoned({ ended: 'disconnect' }) }), ctx).find((x) => x.id === 'sender.tls-abandoned')?.facts.ended).toBe('it closed the connection');
  });

  it('an earlier session of the address: named with its time in the report of the session that came after', () => {
    const earlier = abandoned({ id: 'e1', startedAt: '2026-11-29T09:58:01.000Z' });
    const f = judgeSender(body({ earlier: [earlier] }), ctx).find((x) => x.id === 'sender.tls-abandoned');
    expect(f?.facts.when).toBe(' (in an earlier session at 09:58:01 UTC)');
  });

  it('not for a session that sent its mail, one without TLS, one whose handshake failed, or one still open', () => {
    expect(ids(body())).not.toContain('sender.tls-abandoned');
    expect(ids(body({ session: withTls(CLEAR, { mailFrom: null, rcptTo: [], message: null, outcome: 'no-message', finalReply: null }) }))).not.toContain('sender.tls-abandoned');
    expect(ids(body({ session: withTls({ established: false, protocol: null, failure: { code: 'ERR_SSL_X', text: 'x', clientAlert: 'bad_certificate' } }, { mailFrom: null, rcptTo: [], message: null, outcome: 'no-message', finalReply: null }) }))).not.toContain('sender.tls-abandoned');
    expect(ids(body({ session: abandoned({ ended: null }) }))).not.toContain('sender.tls-abandoned');
    expect(ids(body({ session: abandoned({ outcome: 'refused', finalReply: { code: 530, text: '5.7.0 x' } }) }))).not.toContain('sender.tls-abandoned');
  });
});
