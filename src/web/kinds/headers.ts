// The header analyzer (`mxray headers`) as a web job: a pasted header (or a whole message, or an
// mbox) — was it protected by TLS on every hop, and where was the time lost.
import { Type } from '@sinclair/typebox';
import { UsageError } from '../../core/errors.js';
import { parseCidr } from '../../core/ip.js';
import { runHeaders } from '../../jobs/headers/run-headers.js';
import { firstLine } from './explain.js';
import type { JobKind } from './model.js';

/** The most text one request reads: a pasted header, or a message with a little of its body. */
export const MAX_HEADERS_TEXT_BYTES = 1024 * 1024;

const LIST = (description: string) => Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 50, description }));

const Params = Type.Object(
  {
    text: Type.String({ minLength: 1, maxLength: MAX_HEADERS_TEXT_BYTES, description: 'the pasted header (Outlook, Gmail …), a whole message or an mbox' }),
    domains: LIST('your own mail domains (suffixes): where your hops end'),
    internal: LIST('host-name suffixes or networks (CIDR) of your own'),
    authservIds: LIST('trust Authentication-Results written under these authserv-ids'),
  },
  { additionalProperties: false },
);

/** What History shows: the message's subject (it says which message it was, better than a Received line). */
function targetOf(text: string): string {
  const subject = /^Subject:[ \t]{0,100}([^\r\n]{0,998})/im.exec(text)?.[1]?.trim();
  return subject ? `pasted header: ${firstLine(subject)}` : 'pasted header';
}

export const headersKind: JobKind<typeof Params> = {
  name: 'headers',
  title: 'Header analyzer',
  params: Params,
  rerunnable: true,
  targetOf: (p) => targetOf(p.text),
  async run(p, { edges }) {
    const bytes = Buffer.byteLength(p.text);
    if (bytes > MAX_HEADERS_TEXT_BYTES) throw new UsageError(`the text is ${bytes} bytes: at most ${MAX_HEADERS_TEXT_BYTES / 1024 / 1024} MiB at once`);
    // A network that does not parse would silently become a name suffix that matches nothing.
    for (const item of p.internal ?? []) {
      if (item.includes('/') && parseCidr(item.trim()) === null) throw new UsageError(`internal ${JSON.stringify(item.slice(0, 60))} is not a network (192.0.2.0/24, 2001:db8::/32) nor a host-name suffix`);
    }
    return runHeaders({
      inputs: [{ name: 'pasted header', text: p.text }],
      domains: p.domains ?? [],
      internal: p.internal ?? [],
      authservIds: p.authservIds ?? [],
      target: targetOf(p.text),
      clock: edges.clock,
    });
  },
};
