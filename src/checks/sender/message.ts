// The message itself: 8-bit data it did not declare, whether it arrived whole, and what its header
// says of the hops before ours (the header analyzer's judgement of each hop, `body.headers`, read as
// it is: a hop below our own line in clear text).
import type { SenderBody } from '../../core/schema.js';
import type { Add } from './add.js';

const ENDED: Readonly<Record<NonNullable<SenderBody['session']['ended']>, string>> = {
  quit: 'it said QUIT',
  disconnect: 'it closed the connection',
  timeout: 'it stopped answering and the session timed out',
  limit: 'it reached one of the listener’s limits',
  refused: 'we refused the connection',
  'server-stopped': 'the listener was stopped',
};

/** Ids whose finding already says why the message was refused (or never sent). */
const REFUSAL_SAID = ['sender.tls-required-refused', 'sender.client-cert-required', 'sender.client-cert-rejected', 'sender.tls-abandoned'] as const;

/** How the session ended, in words (null: it was still open when the report was made). */
const endedText = (ended: SenderBody['session']['ended']): string => (ended ? ENDED[ended] : 'the session was still open');

export function assessMessage(body: SenderBody, said: ReadonlySet<string>, add: Add): void {
  const s = body.session;
  const m = s.message;
  const declared = (s.mailParams.body ?? '').toUpperCase();
  if (m !== null && m.eightBit && declared !== '8BITMIME' && declared !== 'BINARYMIME' && !s.mailParams.smtputf8) {
    add('sender.8bit-undeclared', { body: s.mailParams.body === null ? 'no BODY= parameter' : `BODY=${s.mailParams.body.slice(0, 20)}` });
  }
  if (!REFUSAL_SAID.some((id) => said.has(id))) {
    const r = s.finalReply;
    const reply = r ? `${r.code} ${r.text.slice(0, 200)}` : null;
    if (s.outcome === 'aborted') add('sender.message-not-accepted', { how: `the session ended before the end of the data: ${endedText(s.ended)}` });
    else if (s.outcome === 'refused') add('sender.message-not-accepted', { how: `we refused it${reply ? ` (${reply})` : ''}` });
    else if (s.outcome === 'no-message') add('sender.message-not-accepted', { how: `no message was sent: ${endedText(s.ended)}` });
  }
  const h = body.headers;
  if (h !== null) {
    // The message's own Received lines are all the sender's side (we add none): every hop in clear
    // text between two hosts counts, inside the sender's organisation too (its relay to the edge is
    // where a cleartext hop hides). A hand-off inside one server (no from, or local) is not a network hop.
    const clear = h.hops.filter((x) => x.tls === 'clear' && !x.local && (x.fromHelo !== null || x.fromReverse !== null || x.fromIp !== null));
    const last = clear[clear.length - 1];
    if (last) {
      const from = last.fromReverse ?? last.fromHelo ?? last.fromIp ?? 'an unnamed host';
      add('sender.header-cleartext-hop', { hop: clear.map((x) => x.index).join(', '), from: from.slice(0, 200), by: (last.by ?? 'an unnamed host').slice(0, 200) });
    }
  }
}
