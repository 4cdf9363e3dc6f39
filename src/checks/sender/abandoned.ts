// A session that went as far as TLS and no further: the handshake completed, then QUIT (or a close)
// before MAIL FROM. That is how a sender that verifies certificates refuses a receiver it cannot
// trust — a test listener's self-signed certificate above all. Said of this session, or of one from
// the same address just before (the session that then named the test, a retry, came later).
import type { SenderBody, SenderSession } from '../../core/schema.js';
import type { Add } from './add.js';

/** The session completed TLS and ended without beginning a transaction. */
export function abandonedAfterTls(s: SenderSession): boolean {
  return s.tls.established && s.mailFrom === null && s.outcome === 'no-message' && s.ended !== null;
}

const ENDED: Readonly<Record<NonNullable<SenderSession['ended']>, string>> = {
  quit: 'it said QUIT',
  disconnect: 'it closed the connection',
  timeout: 'it said nothing more until the session timed out',
  limit: 'it reached one of the listener’s limits',
  refused: 'we refused the connection',
  'server-stopped': 'the listener was stopped',
};

export function assessAbandoned(body: SenderBody, add: Add): void {
  const s = body.session;
  const earlier = [...body.earlier].reverse().find(abandonedAfterTls) ?? null;
  const which = abandonedAfterTls(s) ? s : earlier;
  if (which === null) return;
  add('sender.tls-abandoned', {
    when: which === s ? '' : ` (in an earlier session at ${which.startedAt.slice(11, 19)} UTC)`,
    protocol: which.tls.protocol ?? 'TLS',
    ended: ENDED[which.ended as NonNullable<SenderSession['ended']>],
  });
}
