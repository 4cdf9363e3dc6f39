// Whole bounce messages (src/jobs/explain/bounce.ts): the RFC 3464 delivery-status part and the
// human-readable dialects of Exchange / Exchange Online, Postfix, Exim and others, each read from
// the project's own fixtures (test/fixtures/bounces/, written here in each dialect's layout with
// our own addresses); hostile input; and the real bounces of ../shared/corpus/headers read in place
// (never copied into the repository).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { htmlToText, MAX_BOUNCE_RECIPIENTS, parseBounce, type Bounce, type BounceRecipient } from '../../../../src/jobs/explain/bounce.js';
import { skipWithout } from '../../../helpers/skip.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const FIXTURES = join(ROOT, 'test/fixtures/bounces');
const CORPUS = join(process.env.MXRAY_CORPUS ?? resolve(ROOT, '../shared/corpus'), 'headers');

const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

async function parsed(text: string): Promise<Bounce> {
  const b = await parseBounce(text);
  if (b === null) throw new Error('expected a bounce, got null');
  return b;
}

function only(b: Bounce, address: string): BounceRecipient {
  const r = b.recipients.filter((x) => x.recipient === address);
  expect(r, `${address} among ${b.recipients.map((x) => x.recipient).join(', ')}`).toHaveLength(1);
  return r[0] as BounceRecipient;
}

describe('RFC 3464 delivery-status', () => {
  it('a DSN pasted without MIME headers: 2 failed and 1 delayed, fields unfolded, types removed, X- fields ignored', async () => {
    const b = await parsed(fixture('dsn-pasted.txt'));
    expect(b.format).toBe('rfc3464');
    expect(b.reportingMta).toBe('gw.sender.example');
    expect(b.subject).toBeNull();
    expect(b.recipients.map((r) => [r.recipient, r.action, r.status])).toEqual([
      ['kim@partner.example', 'failed', '5.7.10'],
      ['lou@partner.example', 'failed', '5.1.1'],
      ['max@slow.example', 'delayed', '4.4.1'],
    ]);
    const kim = only(b, 'kim@partner.example');
    // Folded over three lines: one line, one space at each fold, no "smtp;".
    expect(kim.diagnostic).toBe('550-5.7.10 Messages to this domain must arrive over an encrypted connection. Enable TLS on the sending server and try again.');
    expect(kim.remoteMta).toBe('mx1.partner.example');
    expect(kim.lastAttempt).toBe('Wed, 4 Jun 2025 08:02:15 +0000');
    const lou = only(b, 'lou@partner.example');
    // "Final-Recipient: RFC822; <…>", "Action: Failed", a comment after the status, an address literal as Remote-MTA.
    expect(lou.remoteMta).toBe('192.0.2.31');
    expect(lou.diagnostic).toBe('550 5.1.1 <lou@partner.example>: Recipient address rejected: User unknown');
    expect(lou.lastAttempt).toBeNull();
    expect(only(b, 'max@slow.example').diagnostic).toBe('421 4.4.1 mx.slow.example: connection timed out');
  });

  it('groups without a blank line between them are still two recipients; Original-Recipient stands in for a missing Final-Recipient', async () => {
    const b = await parsed(
      [
        'Reporting-MTA: dns; mta.sender.example',
        '',
        'Final-Recipient: rfc822; one@partner.example',
        'Action: failed',
        'Status: 5.2.2',
        'Final-Recipient: rfc822; two@partner.example',
        'Action: failed',
        'Status: 5.2.1',
        '',
        'Original-Recipient: rfc822; three@partner.example',
        'Action: failed',
        'Diagnostic-Code: smtp; 554 5.7.1 rejected by policy',
      ].join('\n'),
    );
    expect(b.recipients.map((r) => [r.recipient, r.status])).toEqual([
      ['one@partner.example', '5.2.2'],
      ['two@partner.example', '5.2.1'],
      // No Status field: the enhanced code of the diagnostic.
      ['three@partner.example', '5.7.1'],
    ]);
  });

  it('Postfix: a multipart/report with two failed recipients; the folded Diagnostic-Code unfolded', async () => {
    const b = await parsed(fixture('postfix-failed.eml'));
    expect(b.format).toBe('rfc3464');
    expect(b.reportingMta).toBe('mail.sender.example');
    expect(b.subject).toBe('Returned mail: Site visit on Thursday');
    expect(b.recipients.map((r) => r.recipient)).toEqual(['ana@partner.example', 'bo@other.example']);
    expect(only(b, 'ana@partner.example')).toEqual({
      recipient: 'ana@partner.example',
      action: 'failed',
      status: '5.7.1',
      remoteMta: 'mx1.partner.example',
      diagnostic: '550 5.7.1 <ana@partner.example>: Recipient address rejected: this domain accepts mail from listed partners only',
      lastAttempt: null,
    });
    expect(only(b, 'bo@other.example').diagnostic).toBe('554 5.7.1 <bo@other.example>: Relay access denied');
  });

  it("Postfix's delay warning: Action delayed, Status 4.7.4, the X-Postfix diagnostic without its type", async () => {
    const b = await parsed(fixture('postfix-delayed.eml'));
    expect(b.recipients).toEqual([
      {
        recipient: 'ops@partner.example',
        action: 'delayed',
        status: '4.7.4',
        remoteMta: 'mx.partner.example',
        diagnostic: 'TLS is required, but was not offered by host mx.partner.example[203.0.113.40]',
        lastAttempt: null,
      },
    ]);
  });

  it('CRLF line ends read as LF ones', async () => {
    const lf = await parsed(fixture('postfix-failed.eml'));
    const crlf = await parsed(fixture('postfix-failed.eml').replace(/\n/g, '\r\n'));
    expect(crlf).toEqual(lf);
    const dsn = await parsed(fixture('dsn-pasted.txt').replace(/\n/g, '\r\n'));
    expect(dsn.recipients[0]?.diagnostic).toBe(only(await parsed(fixture('dsn-pasted.txt')), 'kim@partner.example').diagnostic);
  });
});

describe('Exchange and Exchange Online', () => {
  it('Exchange Online: the delivery-status fields, and the remote server (missing there) taken from "Error Details"', async () => {
    const b = await parsed(fixture('exchange-online.eml'));
    expect(b.format).toBe('rfc3464');
    expect(b.reportingMta).toBe('AM0PR01MB1234.eur01.exo.example.net');
    expect(b.subject).toBe('Undeliverable: Contract draft');
    expect(b.recipients).toEqual([
      {
        recipient: 'kai@partner.example',
        action: 'failed',
        status: '5.7.3',
        remoteMta: 'mx.partner.example',
        diagnostic: '550 5.7.3 STARTTLS is required to send mail [LastAttemptedServerName=mx.partner.example] [LastAttemptedIP=192.0.2.77:25]',
        lastAttempt: null,
      },
    ]);
    // The sender's own address ("Sender Address:") is not a recipient; the reported error belongs to kai.
    expect(b.diagnostics).toEqual([]);
  });

  it('Exchange Online without its delivery-status part: the "Error Details" layout alone names recipient, error and servers', async () => {
    const text = fixture('exchange-online.eml');
    const withoutDsn = text.replace(/--b1_[^\n]*\nContent-Type: message\/delivery-status[\s\S]*?(?=--b1_)/, '');
    expect(withoutDsn).not.toContain('Final-Recipient');
    const b = await parsed(withoutDsn);
    expect(b.format).toBe('exchange');
    expect(b.reportingMta).toBe('AM0PR01MB1234.eur01.exo.example.net');
    expect(b.recipients).toEqual([
      {
        recipient: 'kai@partner.example',
        action: 'failed',
        status: '5.7.3',
        remoteMta: 'mx.partner.example',
        diagnostic: '550 5.7.3 STARTTLS is required to send mail [LastAttemptedServerName=mx.partner.example] [LastAttemptedIP=192.0.2.77:25]',
        lastAttempt: null,
      },
    ]);
  });

  it('an HTML-only NDR: the administrators\' block read from the HTML, character references decoded', async () => {
    const b = await parsed(fixture('exchange-html-only.eml'));
    expect(b.format).toBe('exchange');
    expect(b.reportingMta).toBe('EX02.corp.sender.example');
    expect(b.recipients.map((r) => r.recipient)).toEqual(['eva@partner.example', 'tom@partner.example']);
    const eva = only(b, 'eva@partner.example');
    expect(eva.diagnostic).toBe("Remote Server returned '550 5.7.3 <eva@partner.example>: TLS required & not negotiated'");
    expect(eva.status).toBe('5.7.3');
    expect(eva.remoteMta).toBe('mx.partner.example');
    const tom = only(b, 'tom@partner.example');
    expect(tom.status).toBe('5.7.1');
    // "Client host [198.51.100.90]" is not a server name.
    expect(tom.remoteMta).toBeNull();
    expect(tom.action).toBe('failed');
  });

  it('an NDR copied out of Outlook as text: the remote host line, and the "host #reply ##" form', async () => {
    const b = await parsed(fixture('exchange-pasted.txt'));
    expect(b.format).toBe('exchange');
    expect(b.reportingMta).toBe('MBX01.corp.sender.example');
    expect(b.recipients).toEqual([
      { recipient: 'jo@partner.example', action: 'failed', status: '5.7.3', remoteMta: 'mx-a.partner.example', diagnostic: "Remote Server returned '451 5.7.3 STARTTLS is required to send mail'", lastAttempt: null },
      { recipient: 'pat@partner.example', action: 'failed', status: '5.4.1', remoteMta: 'mx-a.partner.example', diagnostic: '550 5.4.1 Recipient address rejected: Access denied', lastAttempt: null },
    ]);
  });

  it('"Delivery is delayed to these recipients" makes them delayed', async () => {
    const b = await parsed(
      ['Delivery is delayed to these recipients or groups:', '', 'gil@partner.example', '', 'Diagnostic information for administrators:', '', 'Generating server: EX03.corp.sender.example', '', 'gil@partner.example', "Remote Server returned '451 4.4.0 DNS query failed'", ''].join('\n'),
    );
    expect(b.recipients).toEqual([{ recipient: 'gil@partner.example', action: 'delayed', status: '4.4.0', remoteMta: null, diagnostic: "Remote Server returned '451 4.4.0 DNS query failed'", lastAttempt: null }]);
  });
});

describe('Postfix, Exim and other human-readable reports', () => {
  it("Postfix's report pasted alone: the recipient line with its continuation, \"expanded from\", the host that said it", async () => {
    const b = await parsed(fixture('postfix-pasted.txt'));
    expect(b.format).toBe('postfix');
    expect(b.reportingMta).toBe('smtp-out.sender.example');
    expect(b.recipients).toEqual([
      {
        recipient: 'lena@partner.example',
        action: 'failed',
        status: '5.7.0',
        remoteMta: 'mx2.partner.example',
        diagnostic: 'host mx2.partner.example[192.0.2.26] said: 530 5.7.0 Must issue a STARTTLS command first (in reply to MAIL FROM command)',
        lastAttempt: null,
      },
    ]);
  });

  it("Postfix's report followed by its DSN, pasted as one text: the DSN's fields, the report's words where the DSN has none", async () => {
    const human = fixture('postfix-pasted.txt');
    const dsn = ['Reporting-MTA: dns; smtp-out.sender.example', '', 'Final-Recipient: rfc822; lena@partner.example', 'Action: failed', 'Status: 5.7.0', ''].join('\n');
    const b = await parsed(`${human}\n${dsn}`);
    expect(b.format).toBe('rfc3464');
    expect(b.recipients).toEqual([
      {
        recipient: 'lena@partner.example',
        action: 'failed',
        status: '5.7.0',
        remoteMta: 'mx2.partner.example',
        diagnostic: 'host mx2.partner.example[192.0.2.26] said: 530 5.7.0 Must issue a STARTTLS command first (in reply to MAIL FROM command)',
        lastAttempt: null,
      },
    ]);
  });

  it('Exim with a DSN: the DSN wins (Status 5.0.0), the report fills the diagnostic the DSN lacks for the same recipient', async () => {
    const b = await parsed(fixture('exim-failed.eml'));
    expect(b.format).toBe('rfc3464');
    expect(b.reportingMta).toBe('mail.sender.example');
    expect(b.recipients).toEqual([
      { recipient: 'ana@partner.example', action: 'failed', status: '5.0.0', remoteMta: 'mx1.partner.example', diagnostic: '550 5.1.1 <ana@partner.example>: Recipient address rejected: User unknown', lastAttempt: null },
      { recipient: 'bo@partner.example', action: 'failed', status: '5.0.0', remoteMta: null, diagnostic: 'a TLS session is required, but the server did not offer TLS support', lastAttempt: null },
    ]);
  });

  it("Exim's report pasted alone: each address with its indented lines; the returned message's addresses are not recipients", async () => {
    const b = await parsed(fixture('exim-pasted.txt'));
    expect(b.format).toBe('exim');
    expect(b.recipients.map((r) => r.recipient)).toEqual(['noa@partner.example', 'eli@partner.example']);
    expect(only(b, 'noa@partner.example')).toEqual({
      recipient: 'noa@partner.example',
      action: 'failed',
      status: '5.7.1',
      remoteMta: 'mx.partner.example',
      diagnostic: 'host mx.partner.example [203.0.113.9] SMTP error from remote mail server after end of data: 554 5.7.1 Message rejected: sending host not permitted',
      lastAttempt: null,
    });
    const eli = only(b, 'eli@partner.example');
    expect(eli.diagnostic).toBe('a TLS session is required for mx.partner.example [203.0.113.9], but an attempt to start TLS failed');
    expect(eli.remoteMta).toBe('mx.partner.example');
    expect(eli.status).toBeNull();
  });

  it('an Exim-style report whose host line has no address: "host: name" is the remote server', async () => {
    const b = await parsed(
      [
        'This message was created automatically by mail delivery software.',
        '',
        'A message that you sent could not be delivered to one or more of',
        'its recipients. This is a permanent error. The following address',
        'failed:',
        '',
        '"ugo@partner.example":',
        'SMTP error from remote server for RCPT TO command, host: mx3.partner.example reason: 550 5.7.1 not allowed',
        'host: mx3.partner.example',
        '',
      ].join('\n'),
    );
    expect(b.format).toBe('exim');
    expect(b.recipients.map((r) => [r.recipient, r.status, r.remoteMta])).toEqual([['ugo@partner.example', '5.7.1', 'mx3.partner.example']]);
  });

  it('a returned message that follows the report without a separator: its headers end the report', async () => {
    const b = await parsed(
      [
        'Subject: Undeliverable mail',
        'From: postmaster@gw.sender.example',
        'To: ben@sender.example',
        '',
        'The following recipient failed:',
        '<joe@partner.example>: 550 5.1.1 unknown user',
        '',
        'Received: from app.sender.example by gw.sender.example; Mon, 2 Jun 2025 10:00:00 +0000',
        'To: joe@partner.example',
        '',
        'kim@partner.example',
        '',
      ].join('\n'),
    );
    expect(b.recipients.map((r) => r.recipient)).toEqual(['joe@partner.example']);
  });

  it("a qmail-style report ('text'): the lines under each address, qmail's \"(#5.1.2)\" as the status", async () => {
    const b = await parsed(fixture('qmail-text.eml'));
    expect(b.format).toBe('text');
    expect(b.subject).toBe('failure notice');
    expect(b.recipients.map((r) => [r.recipient, r.action, r.status])).toEqual([
      ['zoe@partner.example', 'failed', '5.7.1'],
      ['yan@partner.example', 'failed', '5.1.2'],
    ]);
    expect(only(b, 'zoe@partner.example').diagnostic).toBe('192.0.2.88 does not like recipient. Remote host said: 550 5.7.1 <zoe@partner.example>... Relaying denied. Proper authentication required. Giving up on 192.0.2.88.');
  });

  it("a report that gives one reason for all: the reason paragraph after its heading goes to each recipient, and to the report's diagnostics", async () => {
    const b = await parsed(
      [
        'Subject: Returned mail: delivery problems',
        'From: postmaster@gw.sender.example',
        'To: ben@sender.example',
        '',
        '   ----- The following addresses had delivery problems -----',
        'ria@partner.example',
        'sol@partner.example',
        '',
        '   ----- Transcript of session follows -----',
        '... while talking to mx.partner.example.:',
        '>>> DATA',
        '<<< 554 5.7.1 Message refused: sender domain has no valid SPF record',
        '',
        '   ----- Original message follows -----',
        'To: someone-else@partner.example',
      ].join('\n'),
    );
    expect(b.format).toBe('text');
    expect(b.recipients.map((r) => r.recipient)).toEqual(['ria@partner.example', 'sol@partner.example']);
    const reason = '... while talking to mx.partner.example.: >>> DATA <<< 554 5.7.1 Message refused: sender domain has no valid SPF record';
    for (const r of b.recipients) expect([r.diagnostic, r.status, r.action]).toEqual([reason, '5.7.1', 'failed']);
    expect(b.diagnostics).toEqual([reason]);
  });

  it('a recipient named twice (listed, then in the transcript) is one recipient with the words of both', async () => {
    const b = await parsed(
      [
        'Subject: Warning: could not send message for past 4 hours',
        'From: Mail Delivery Subsystem <MAILER-DAEMON@gw.sender.example>',
        'To: ben@sender.example',
        '',
        '    **********************************************',
        '    **      THIS IS A WARNING MESSAGE ONLY      **',
        '    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **',
        '    **********************************************',
        '',
        'A copy of this message was sent to <ben@sender.example> as a courtesy.',
        'The message will be retried for another 4 days.',
        '',
        '   ----- The following addresses had transient non-fatal errors -----',
        '<ria@partner.example>',
        '',
        '   ----- Transcript of session follows -----',
        '<ria@partner.example>... Deferred: Connection refused by mx.partner.example.',
        '',
      ].join('\n'),
    );
    // The bounce's own addressee, named in "sent to <…>", is not a recipient.
    expect(b.recipients).toEqual([{ recipient: 'ria@partner.example', action: 'delayed', status: null, remoteMta: null, diagnostic: 'Deferred: Connection refused by mx.partner.example.', lastAttempt: null }]);
  });

  it('a report that names no recipient: the one addressee of the returned message, with the reason; none when it had several', async () => {
    const report = (to: string) =>
      [
        'Subject: Returned mail: Cannot send message for 5 days',
        'From: Mail Delivery Subsystem <MAILER-DAEMON@old.sender.example>',
        'To: pia@sender.example',
        '',
        '   ----- Transcript of session follows -----',
        '421 partner.example (smtp)... Deferred: Connection timed out with partner.example',
        '',
        '   ----- Unsent message follows -----',
        'Received: by old.sender.example; Mon, 2 Jun 2025 10:00:00 +0000',
        'From: pia@sender.example',
        `To: ${to}`,
        'Subject: Hello',
        '',
        'Body text.',
      ].join('\n');
    const one = await parsed(report('rex@partner.example'));
    expect(one.recipients).toEqual([{ recipient: 'rex@partner.example', action: 'failed', status: null, remoteMta: null, diagnostic: '421 partner.example (smtp)... Deferred: Connection timed out with partner.example', lastAttempt: null }]);
    const several = await parsed(report('rex@partner.example, sue@partner.example'));
    expect(several.recipients).toEqual([]);
    expect(several.diagnostics).toEqual(['421 partner.example (smtp)... Deferred: Connection timed out with partner.example']);
  });

  it('a bounce inside a forwarded message: the attached report is read', async () => {
    const inner = fixture('postfix-failed.eml');
    const outer = ['From: nora@sender.example', 'To: helpdesk@sender.example', 'Subject: Fwd: why did this bounce?', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="fwd"', '', '--fwd', 'Content-Type: text/plain', '', 'See below.', '', '--fwd', 'Content-Type: message/rfc822', '', inner, '--fwd--', ''].join('\n');
    const b = await parsed(outer);
    expect(b.subject).toBe('Returned mail: Site visit on Thursday');
    expect(b.recipients.map((r) => r.recipient)).toEqual(['ana@partner.example', 'bo@other.example']);
  });

  it('a part whose boundary lost its folding: the body is read as text', async () => {
    const b = await parsed(
      [
        'From: postmaster@sender.example',
        'To: vic@sender.example',
        'Subject: Undeliverable mail',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="outer"',
        '',
        '--outer',
        'Content-Type: multipart/alternative;',
        'boundary="inner"',
        '',
        '--inner',
        'Content-Type: text/plain',
        '',
        'Unable to deliver message to: <wes@partner.example>',
        'Delivery failed for the following reason:',
        'mx.partner.example[192.0.2.45] responded with failure: 552 5.2.2 mailbox full',
        '',
        '--inner--',
        '--outer--',
      ].join('\n'),
    );
    expect(b.recipients).toEqual([
      {
        recipient: 'wes@partner.example',
        action: 'failed',
        status: '5.2.2',
        remoteMta: 'mx.partner.example',
        diagnostic: 'Delivery failed for the following reason: mx.partner.example[192.0.2.45] responded with failure: 552 5.2.2 mailbox full',
        lastAttempt: null,
      },
    ]);
  });

  it('an mbox "From " line before the headers is skipped', async () => {
    const b = await parsed(`From MAILER-DAEMON Mon Jun  2 09:14:07 2025\n${fixture('postfix-failed.eml')}`);
    expect(b.recipients).toHaveLength(2);
  });

  it('not a bounce: null (an ordinary message that lists addresses, plain words, empty text)', async () => {
    expect(await parseBounce(fixture('not-a-bounce.eml'))).toBeNull();
    expect(await parseBounce('Hello, could we meet on Friday?\nada@partner.example: yes')).toBeNull();
    expect(await parseBounce('')).toBeNull();
    expect(await parseBounce('   \n\n')).toBeNull();
  });

  it('bounce words but no recipient: a bounce with none, saying what it can', async () => {
    const b = await parsed('Subject: Undeliverable: report\nFrom: postmaster@sender.example\n\nYour message could not be delivered.\n\nReason:\n550 5.7.1 Blocked by policy\n');
    expect(b.format).toBe('text');
    expect(b.recipients).toEqual([]);
    expect(b.diagnostics).toEqual(['550 5.7.1 Blocked by policy']);
  });
});

describe('HTML to text', () => {
  it('decodes named, decimal and hexadecimal references; leaves unknown ones; replaces invalid code points', () => {
    expect(htmlToText('a &amp;amp; b &lt;c@d.example&gt; &quot;q&quot; it&#39;s it&#x27;s&nbsp;x &rsquo; &bogus; &#0; &#xD800; &#128512;')).toBe('a &amp; b <c@d.example> "q" it\'s it\'s x ’ &bogus; \uFFFD \uFFFD 😀');
  });

  it('drops head, style, script and comments; rows and blocks become lines, cells are separated', () => {
    const t = htmlToText('<html><head><title>T</title><style>p{}</style></head><body><!-- c <p>hidden</p> --><script>var a = "<p>";</script><p>one</p><table><tr><td>Reported error:</td><td>550 5.7.1 x</td></tr></table>two<br>three</body></html>');
    expect(t.split('\n').filter((l) => l !== '')).toEqual(['one', 'Reported error:\t550 5.7.1 x', 'two', 'three']);
  });

  it('unterminated tags, comments and skipped elements end the text instead of failing', () => {
    expect(htmlToText('<p>kept</p><a href="x')).toBe('kept');
    expect(htmlToText('<p>kept</p><!-- never closed <p>lost')).toBe('kept');
    expect(htmlToText('<p>kept</p><script>lost')).toBe('kept');
  });
});

describe('bounds and hostile input', () => {
  it(`keeps at most ${MAX_BOUNCE_RECIPIENTS} recipients and caps a diagnostic at 4 KiB`, async () => {
    const groups = Array.from({ length: 700 }, (_, i) => `Final-Recipient: rfc822; u${i}@partner.example\nAction: failed\nStatus: 5.1.1\n`);
    const b = await parsed(`Reporting-MTA: dns; mta.sender.example\n\n${groups.join('\n')}`);
    expect(b.recipients).toHaveLength(MAX_BOUNCE_RECIPIENTS);
    expect(b.recipients.at(-1)?.recipient).toBe(`u${MAX_BOUNCE_RECIPIENTS - 1}@partner.example`);

    const long = `Reporting-MTA: dns; m.sender.example\n\nFinal-Recipient: rfc822; a@partner.example\nAction: failed\nStatus: 5.0.0\nDiagnostic-Code: smtp; 550 ${'word '.repeat(3000)}\n${'  more words\n'.repeat(2000)}`;
    const d = (await parsed(long)).recipients[0]?.diagnostic ?? '';
    expect(d.length).toBe(4096);
    expect(d.startsWith('550 word word')).toBe(true);
  });

  it('pathological inputs end quickly', async () => {
    const size = 2 * 1024 * 1024;
    const inputs = [
      '<'.repeat(size),
      `Content-Type: text/html\n\n${'<p'.repeat(size / 2)}`,
      `Content-Type: text/html\n\n${'&#'.repeat(size / 2)}`,
      `Subject: Undeliverable\n\n${'a@'.repeat(size / 2)}`,
      `Subject: Undeliverable\n\n${'x'.repeat(60)}@${'.'.repeat(size)}`,
      `Subject: Undeliverable\n\n${'['.repeat(size / 4)}${'1.'.repeat(size / 4)}]`,
      `Reporting-MTA: dns; ${'.'.repeat(size)}x\n`,
      `Reporting-MTA: dns; x\n\n${'Final-Recipient: rfc822; a@b.example\n'.repeat(60_000)}`,
      `Subject: failure notice\n\n${'<a@b.example>:\n'.repeat(100_000)}`,
      `Delivery failure\n${Array.from({ length: 60_000 }, (_, i) => `<u${i}@b.example>: 550 5.1.1 unknown`).join('\n')}`,
      `Subject: failure notice\n\n${' '.repeat(size)}x`,
      `Content-Type: multipart/mixed; boundary=b\n\n${'--b\nContent-Type: multipart/mixed; boundary=b\n\n'.repeat(5000)}`,
      `Subject: x\n\n${'Diagnostic information for administrators:\n'}${'a@b.example\nmx.b.example\n'.repeat(50_000)}`,
    ];
    for (const input of inputs) {
      // Ends without throwing (a runaway parse would hold the test past its time-out); no wall-clock assertion here.
      const b = await parseBounce(input);
      if (b) {
        expect(b.recipients.length).toBeLessThanOrEqual(MAX_BOUNCE_RECIPIENTS);
        for (const r of b.recipients) expect(r.diagnostic?.length ?? 0).toBeLessThanOrEqual(4096);
      }
    }
  });

  it('random and mutated messages never throw, and every string stays capped', async () => {
    const samples = readdirSync(FIXTURES).map((f) => fixture(f));
    const mutated = fc
      .tuple(fc.constantFrom(...samples), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 200 }), fc.string({ maxLength: 40, unit: 'binary' })), { maxLength: 6 }))
      .map(([text, edits]) => edits.reduce((t, [at, cut, insert]) => t.slice(0, at % (t.length + 1)) + insert + t.slice((at % (t.length + 1)) + cut), text));
    const random = fc.string({ maxLength: 3000, unit: 'binary' });
    const lines = fc.array(fc.constantFrom('Reporting-MTA: dns; x', 'Final-Recipient: rfc822; a@b.example', 'Action: failed', 'Status: 5.7.1', '  folded', '', '<a@b.example>: said: 550', 'Diagnostic information for administrators:', 'Content-Type: text/html', '<p>&amp;', 'This is the mail system at host x.', '--b'), { maxLength: 60 }).map((l) => l.join('\n'));
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutated, random, lines), async (text) => {
        const b = await parseBounce(text);
        if (b === null) return true;
        expect(b.recipients.length).toBeLessThanOrEqual(MAX_BOUNCE_RECIPIENTS);
        expect(b.diagnostics.length).toBeLessThanOrEqual(50);
        for (const r of b.recipients) {
          expect(r.recipient.length).toBeGreaterThan(0);
          expect(r.recipient.length).toBeLessThanOrEqual(320);
          for (const s of [r.diagnostic, r.remoteMta, r.status, r.action, r.lastAttempt]) expect((s ?? '').length).toBeLessThanOrEqual(4096);
        }
        for (const d of b.diagnostics) expect(d.length).toBeLessThanOrEqual(4096);
        return true;
      }),
      { numRuns: 300 },
    );
  });
});

describe('the real bounces of the corpus (read in place)', () => {
  /** Files of the corpus that are not delivery reports naming a recipient, and why. */
  const NO_RECIPIENT: Record<string, { bounce: boolean; why: string }> = {
    'sisimai-arf-22.eml': { bounce: false, why: 'an abuse complaint that forwards the reported message: no delivery report at all' },
    'sisimai-arf-25.eml': { bounce: false, why: 'an ARF feedback report (multipart/report; report-type=feedback-report), not a delivery report' },
    'sisimai-lhost-fml-02.eml': { bounce: false, why: "a mailing-list manager's refusal (\"not a member\"), not a delivery report" },
    'sisimai-lhost-googlegroups-14.eml': { bounce: true, why: "Google Groups' refusal names the group by its name, not by an address, and gives no reply or status code" },
  };

  function corpusFiles(ctx: Parameters<typeof skipWithout>[0]): string[] {
    let names: string[];
    try {
      names = readdirSync(CORPUS).filter((f) => f.startsWith('sisimai-') && f.endsWith('.eml')).sort();
    } catch {
      return skipWithout(ctx, 'corpus', `no bounce corpus at ${CORPUS} (set MXRAY_CORPUS to its parent folder)`);
    }
    if (names.length === 0) return skipWithout(ctx, 'corpus', `no sisimai-*.eml files in ${CORPUS}`);
    return names;
  }

  it('every bounce names at least one recipient with an address and a status or a diagnostic; the exceptions are the listed non-reports', async (ctx) => {
    const formats = new Set<string>();
    for (const name of corpusFiles(ctx)) {
      const b = await parseBounce(readFileSync(join(CORPUS, name), 'utf8'));
      const exception = NO_RECIPIENT[name];
      if (exception) {
        if (exception.bounce) expect(b?.recipients ?? [], `${name}: ${exception.why}`).toEqual([]);
        else expect(b, `${name}: ${exception.why}`).toBeNull();
        continue;
      }
      expect(b, name).not.toBeNull();
      const good = (b as Bounce).recipients.filter((r) => /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(r.recipient) && (r.status !== null || r.diagnostic !== null));
      expect(good.length, name).toBeGreaterThan(0);
      for (const r of (b as Bounce).recipients) expect(r.recipient, name).toMatch(/^[^@\s]+@[^@\s]+$/);
      formats.add((b as Bounce).format);
    }
    // The corpus holds standard DSNs, Exim-style and free-form reports: each dialect reader had its turn.
    expect([...formats].sort()).toEqual(expect.arrayContaining(['exim', 'rfc3464', 'text']));
  });
});
