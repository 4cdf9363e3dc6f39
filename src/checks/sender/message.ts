// The message itself: 8-bit data it did not declare, whether it arrived whole, and what its header
// says of the hops before ours (the header analyzer's judgement of each hop, `body.headers`, read as
// it is: a hop below our own line in clear text).
import type { SenderBody } from '../../core/schema.js';
import type { Add } from './add.js';

const ENDED: Readonly<Record<SenderBody['session']['ended'], string>> = {
  quit: 'it said QUIT',
  disconnect: 'it closed the connection',
  timeout: 'it stopped answering and the session timed out',
  limit: 'it reached one of the listener’s limits',
  refused: 'we refused the connection',
  'server-stopped': 'the listener was stopped',
};

/** Ids whose finding already says why the message was refused. */
const REFUSAL_SAID = ['sender.tls-required-refused', 'sender.client-cert-required', 'sender.client-cert-rejected'] as const;

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
    if (s.outcome === 'aborted') add('sender.message-not-accepted', { how: `the session ended before the end of the data: ${ENDED[s.ended]}` });
    else if (s.outcome === 'refused') add('sender.message-not-accepted', { how: `we refused it${reply ? ` (${reply})` : ''}` });
    else if (s.outcome === 'no-message') add('sender.message-not-accepted', { how: `no message was sent: ${ENDED[s.ended]}` });
  }
  const h = body.headers;
  if (h !== null) {
    // Hops below our own line (the sender's claims), oldest first; a hand-off inside one server (no from) is not a network hop.
    const clear = h.hops.filter((x) => x.zone === 'claimed' && x.tls === 'clear' && !x.local && (x.fromHelo !== null || x.fromReverse !== null || x.fromIp !== null));
    const last = clear[clear.length - 1];
    if (last) {
      const from = last.fromReverse ?? last.fromHelo ?? last.fromIp ?? 'an unnamed host';
      add('sender.header-cleartext-hop', { hop: clear.map((x) => x.index).join(', '), from: from.slice(0, 200), by: (last.by ?? 'an unnamed host').slice(0, 200) });
    }
  }
}
