// The job pages that are forms: Receiver test, Certificate, Send & enforce, Headers, Explain,
// Logs & captures, Posture & TLS-RPT. Each form starts a job through the API and goes to its page.
import { h } from '../dom.js';
import { alertBox, checkbox, compact, field, input, onSubmit, pageHead, select, startJob, submitButton, uploadForm, valuesOf } from '../ui.js';

/** A port field's value as a number, or undefined ('' or not a port). */
function portOf(value: string | boolean | undefined): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,5}$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 && n <= 65535 ? n : undefined;
}

export function homePage(main: HTMLElement): void {
  document.title = 'mxray';
  const cards: [string, string, string][] = [
    ['/check', 'Receiver test', 'Does a domain’s mail server accept TLS, with a valid certificate? The transcript live, then the report.'],
    ['/cert', 'Certificate', 'A server’s certificate, or a PEM, DER, P7B or PFX file: chain, names, expiry, revocation.'],
    ['/send', 'Send & enforce', 'Send a test message with the TLS you choose, or see whether a server enforces TLS.'],
    ['/sender-test', 'Sender test', 'Send mail to an address we give you: see how your server sends it.'],
    ['/headers', 'Headers', 'Paste a message’s header: every hop, its delay and whether it used TLS.'],
    ['/explain', 'Explain', 'Paste an SMTP error or a bounce: what it means and who must act.'],
    ['/logs', 'Logs & captures', 'Upload mail server logs or a packet capture: the TLS share per domain.'],
    ['/posture', 'Posture & TLS-RPT', 'MTA-STS, TLS-RPT, DANE and block lists of a domain; TLS-RPT reports read.'],
    ['/history', 'History', 'Every report kept: search, compare with the previous run, the certificate expiry timeline.'],
  ];
  main.append(
    h('h1', {}, 'mxray'),
    h('p', { class: 'intro' }, 'Is mail between organisations protected by TLS — and when it is not, why, and who must fix what.'),
    h('ul', { class: 'cards' }, ...cards.map(([path, title, text]) => h('li', {}, h('a', { href: path, class: 'card-link' }, h('strong', {}, title), h('span', {}, text))))),
  );
}

export function checkPage(main: HTMLElement): void {
  const box = alertBox();
  const form = h(
    'form',
    { class: 'card', 'data-testid': 'check-form' },
    field('Domain, address or server', input('target', { placeholder: 'example.com, user@example.com, mx.example.com:25, [2001:db8::1]', 'data-testid': 'check-target', autofocus: true }), 'The MX hosts of a domain are looked up; a host:port or an IP address is tested directly.'),
    h(
      'details',
      { class: 'advanced' },
      h('summary', {}, 'Advanced'),
      h(
        'div',
        { class: 'form-grid' },
        field('Server (skip the MX lookup)', input('host', { placeholder: 'mx1.example.com' })),
        field('Port', input('port', { inputmode: 'numeric', placeholder: '25', pattern: '\\d{1,5}' })),
        field('Address families', select('families', [['both', 'IPv4 and IPv6'], ['ipv4', 'IPv4 only'], ['ipv6', 'IPv6 only']], 'both')),
        field('EHLO name', input('helo', { placeholder: 'the server’s default' })),
        field('MAIL FROM', input('from', { placeholder: 'optional' })),
        field('RCPT TO', input('rcpt', { placeholder: 'optional' })),
        field('Warn when the certificate expires within (days)', input('warnDays', { inputmode: 'numeric', placeholder: 'the profile’s default', pattern: '\\d{1,4}' })),
        field('Expected certificate thumbprint (SHA-256)', input('expectThumbprint', { placeholder: 'optional' })),
      ),
      checkbox('quick', 'Quick: skip the extra handshake without SNI and the clear-text session'),
      checkbox('first', 'Only the primary MX host'),
      checkbox('tlsOnConnect', 'TLS on connect (port 465), not STARTTLS'),
      checkbox('noRevocation', 'Skip the revocation lookups (CRL and OCSP)'),
      checkbox('noPosture', 'Skip MTA-STS, TLS-RPT and DANE'),
    ),
    h('div', { class: 'actions' }, submitButton('Run the test', 'check-submit')),
    box,
  );
  onSubmit(form, box, async () => {
    const v = valuesOf(form);
    if (!v.target && !v.host) throw new Error('say what to test: a domain, user@domain, host:port or an IP address');
    const port = portOf(v.port);
    if (v.port && port === undefined) throw new Error('the port is a number from 1 to 65535');
    const warnDays = typeof v.warnDays === 'string' && /^\d{1,4}$/.test(v.warnDays) ? Number(v.warnDays) : undefined;
    if (v.warnDays && (warnDays === undefined || warnDays < 1 || warnDays > 3650)) throw new Error('warn days: a number from 1 to 3650');
    const { noRevocation, noPosture, ...rest } = v;
    // compact() leaves out unchecked boxes; these two say false on purpose.
    await startJob('check', { ...compact({ ...rest, port, warnDays, families: v.families === 'both' ? '' : v.families }), ...(noRevocation ? { revocation: false } : {}), ...(noPosture ? { posture: false } : {}) });
  });
  main.append(...pageHead('Receiver test', 'Connects to each mail server of a domain as a sender would: STARTTLS, the certificate, the protocols.'), form);
}

export function certPage(main: HTMLElement): void {
  const box = alertBox();
  const hostForm = h(
    'form',
    { class: 'card', 'data-testid': 'cert-host-form' },
    h('h2', {}, 'A server’s certificate'),
    h(
      'div',
      { class: 'form-grid' },
      field('Host or domain', input('host', { placeholder: 'mx1.example.com, mx1.example.com:465 or example.com', 'data-testid': 'cert-target' }), 'A domain: the certificate of each of its MX hosts.'),
      field('Port', input('port', { inputmode: 'numeric', placeholder: '25' })),
    ),
    h('div', { class: 'actions' }, submitButton('Check the certificate', 'cert-host-submit')),
    box,
  );
  onSubmit(hostForm, box, async () => {
    const v = valuesOf(hostForm);
    if (!v.host) throw new Error('name a host or a domain');
    const port = portOf(v.port);
    if (v.port && port === undefined) throw new Error('the port is a number from 1 to 65535');
    await startJob('cert', compact({ host: v.host, port }));
  });
  const password = input('password', { type: 'password', autocomplete: 'off' });
  const fileForm = uploadForm({
    kind: 'cert-file',
    testid: 'cert-file-form',
    label: 'Certificate file (PEM, DER, P7B or PFX)',
    button: 'Check the file',
    accept: '.pem,.crt,.cer,.der,.p7b,.p7c,.pfx,.p12,application/x-pem-file,application/pkix-cert,application/x-pkcs12',
    extra: [
      field('Password (PFX only)', password, 'Sent once with the file; never stored.'),
      field('Host name it must cover (optional)', input('host', { placeholder: 'mx1.example.com' })),
    ],
    params: (v) => ({ password: typeof v.password === 'string' ? v.password : '', host: typeof v.host === 'string' ? v.host : '' }),
    wait: 10,
  });
  main.append(...pageHead('Certificate', 'A server’s certificate as it presents it, or a certificate file: the chain, the names, the expiry, revocation.'), hostForm, h('h2', {}, 'A certificate file'), fileForm);
}

export function sendPage(main: HTMLElement): void {
  const sendBox = alertBox();
  const sendForm = h(
    'form',
    { class: 'card', 'data-testid': 'send-form' },
    h('h2', {}, 'Send a test message'),
    h(
      'div',
      { class: 'form-grid' },
      field('Domain or server', input('target', { placeholder: 'example.com or mx1.example.com:25', 'data-testid': 'send-target' })),
      field('From', input('from', { placeholder: 'postmaster@your.domain', autocomplete: 'email' })),
      field('To', input('to', { placeholder: 'someone@example.com', 'data-testid': 'send-to' }), 'Several: separate them with commas.'),
      field(
        'TLS',
        select(
          'tls',
          [
            ['opportunistic', 'Opportunistic (STARTTLS when offered)'],
            ['required', 'Required (STARTTLS or give up)'],
            ['implicit', 'Implicit (TLS on connect)'],
            ['none', 'None (clear text)'],
          ],
          'opportunistic',
        ),
      ),
      field(
        'Certificate check (TLS required or implicit)',
        select('verify', [
          ['', 'The name must match (default)'],
          ['ca', 'A trusted chain, any name'],
          ['none', 'None'],
        ]),
      ),
    ),
    h('div', { class: 'actions' }, submitButton('Send', 'send-submit')),
    sendBox,
  );
  onSubmit(sendForm, sendBox, async () => {
    const v = valuesOf(sendForm);
    const to = String(v.to ?? '')
      .split(/[,;\s]+/)
      .filter((a) => a !== '');
    if (!v.target && !to.length) throw new Error('name a recipient (or a domain or server to send to)');
    await startJob('send', compact({ ...v, to: to.length ? to : undefined }));
  });
  const enforceBox = alertBox();
  const enforceForm = h(
    'form',
    { class: 'card', 'data-testid': 'enforce-form' },
    h('h2', {}, 'Does the server enforce TLS?'),
    h('p', { class: 'hint' }, 'Tries a session without STARTTLS and one with it, and stops before a message is sent.'),
    h(
      'div',
      { class: 'form-grid' },
      field('Domain or server', input('target', { placeholder: 'example.com', 'data-testid': 'enforce-target' })),
      field('RCPT TO (for a server or an IP address)', input('rcpt', { placeholder: 'postmaster@example.com' })),
    ),
    h('div', { class: 'actions' }, submitButton('Test enforcement', 'enforce-submit')),
    enforceBox,
  );
  onSubmit(enforceForm, enforceBox, async () => {
    const v = valuesOf(enforceForm);
    if (!v.target) throw new Error('name a domain or a server');
    await startJob('enforce', compact({ target: v.target, rcpt: v.rcpt }));
  });
  main.append(...pageHead('Send & enforce', 'A real message with the TLS you choose, or a check that a server refuses mail without TLS.'), sendForm, enforceForm);
}

/** Headers and Explain: a text area whose text is the job's input. */
function pastePage(main: HTMLElement, o: { title: string; lead: string; kind: string; testid: string; label: string; placeholder: string; button: string; max: number }): void {
  const box = alertBox();
  const area = h('textarea', { name: 'text', rows: 14, spellcheck: 'false', placeholder: o.placeholder, maxlength: o.max, 'data-testid': `${o.testid}-text`, autofocus: true });
  const form = h('form', { class: 'card', 'data-testid': o.testid }, field(o.label, area), h('div', { class: 'actions' }, submitButton(o.button, `${o.testid}-submit`)), box);
  onSubmit(form, box, async () => {
    if (!area.value.trim()) throw new Error('paste the text first');
    await startJob(o.kind, { text: area.value }, 10);
  });
  main.append(...pageHead(o.title, o.lead), form);
}

export function headersPage(main: HTMLElement): void {
  pastePage(main, {
    title: 'Header analyzer',
    lead: 'Paste a message’s header (or the whole message): every hop, the delay between hops, and whether each used TLS.',
    kind: 'headers',
    testid: 'headers-form',
    label: 'Message header',
    placeholder: 'Received: from mx1.example.com (mx1.example.com [192.0.2.1]) …',
    button: 'Analyse',
    max: 1_000_000,
  });
}

export function explainPage(main: HTMLElement): void {
  pastePage(main, {
    title: 'Explain',
    lead: 'Paste an SMTP reply, an error from a log, or a bounce message: what it means, and who must act.',
    kind: 'explain',
    testid: 'explain-form',
    label: 'Error, reply or bounce',
    placeholder: '550 5.7.1 Service unavailable; client [192.0.2.1] blocked …',
    button: 'Explain',
    max: 1_000_000,
  });
}

export function logsPage(main: HTMLElement): void {
  const format = select(
    'format',
    [
      ['auto', 'Detect'],
      ['postfix', 'Postfix'],
      ['exim', 'Exim'],
      ['sendmail', 'Sendmail'],
      ['exchange', 'Exchange (protocol log)'],
      ['exchange-tracking', 'Exchange (message tracking)'],
      ['exchange2003', 'Exchange 2003'],
    ],
    'auto',
  );
  const logs = uploadForm({
    kind: 'logs',
    testid: 'logs-form',
    label: 'Log file (plain or .gz)',
    button: 'Read the log',
    extra: [field('Format', format)],
    params: (v) => ({ format: v.format === 'auto' ? '' : String(v.format) }),
  });
  const pcap = uploadForm({ kind: 'pcap', testid: 'pcap-form', label: 'Packet capture (pcap or pcapng)', button: 'Read the capture', accept: '.pcap,.pcapng,.cap,application/vnd.tcpdump.pcap' });
  main.append(
    ...pageHead('Logs & captures', 'How much of your mail went out and came in over TLS, per domain and per host — read from your server’s logs or a packet capture.'),
    h('h2', {}, 'Mail server logs'),
    logs,
    h('h2', {}, 'Packet capture'),
    pcap,
  );
}

export function posturePage(main: HTMLElement): void {
  const box = alertBox();
  const postureForm = h(
    'form',
    { class: 'card', 'data-testid': 'posture-form' },
    h('h2', {}, 'A domain’s posture'),
    field('Domain', input('domain', { placeholder: 'example.com', 'data-testid': 'posture-domain' }), 'MTA-STS, TLS-RPT, DANE and the block lists of its mail servers.'),
    h('div', { class: 'actions' }, submitButton('Check the domain', 'posture-submit')),
    box,
  );
  onSubmit(postureForm, box, async () => {
    const v = valuesOf(postureForm);
    if (!v.domain) throw new Error('name a domain');
    await startJob('posture', { domain: v.domain });
  });
  const tlsrpt = uploadForm({ kind: 'tlsrpt', testid: 'tlsrpt-form', label: 'TLS-RPT report (JSON, .json.gz)', button: 'Read the report', accept: '.json,.gz,application/json,application/tlsrpt+json,application/tlsrpt+gzip', wait: 10 });
  const blBox = alertBox();
  const blForm = h(
    'form',
    { class: 'card', 'data-testid': 'blocklist-form' },
    h('h2', {}, 'Block lists'),
    field('Domain, host or IP address', input('target', { placeholder: 'mx1.example.com or 192.0.2.1', 'data-testid': 'blocklist-target' })),
    h('div', { class: 'actions' }, submitButton('Look it up', 'blocklist-submit')),
    blBox,
  );
  onSubmit(blForm, blBox, async () => {
    const v = valuesOf(blForm);
    if (!v.target) throw new Error('name a domain, a host or an IP address');
    await startJob('blocklist', { target: v.target });
  });
  main.append(...pageHead('Posture & TLS-RPT', 'What a domain publishes about its mail TLS, what TLS-RPT reports say, and whether its servers are on block lists.'), postureForm, h('h2', {}, 'A TLS-RPT report'), tlsrpt, blForm);
}
