// Every error text issue 21 quotes, recognised with the cause it stands for, and the confirming
// command naming the host, domain or address the text names (a placeholder only where the text
// names none). The texts are the issue's (vendors' short error strings quoted as facts); host names
// are varied where a text carries one, so the captures are what is tested.
import { describe, expect, it } from 'vitest';
import { explainLine } from '../../../src/kb/explain-text.js';

interface Expect {
  text: string;
  /** The rule ids that must be among the matches (product rules and the reasons they quote). */
  ids: string[];
  /** The findings of the first cause of the first product rule (what the text most likely means). */
  cause: string[];
  /** The confirming command of the first product rule. */
  confirm: string;
}

const CASES: Expect[] = [
  { text: '451 4.4.0 Primary target IP address responded with: "451 5.7.3 STARTTLS is required to send mail."', ids: ['exchange.starttls-required'], cause: ['starttls.not-offered'], confirm: 'mxray check {domain} --dnsbl' },
  {
    text: `450 4.4.101 Proxy session setup failed on Frontend with '451 4.4.0 Primary target IP address responded with: "454 4.7.5 Certificate validation failure" Attempted failover to alternate host, but that did not succeed. Reason: UntrustedRoot'`,
    ids: ['exchange.cert-validation-failure-reply', 'exchange.status-untrusted-root'],
    cause: ['cert.untrusted-root', 'cert.chain-incomplete'],
    confirm: 'mxray cert {host} --profile exchange-server',
  },
  { text: 'Event ID: 12014', ids: ['exchange.event-12014'], cause: ['starttls.not-offered'], confirm: 'mxray check {host}' },
  { text: 'Cert NOT VALIDATED: self-signed certificate', ids: ['openssl.self-signed'], cause: ['cert.self-signed'], confirm: 'mxray cert {host}' },
  { text: 'Untrusted TLS connection established to mx1.partner.example[192.0.2.25]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)', ids: ['postfix.untrusted-tls'], cause: ['cert.self-signed'], confirm: 'mxray cert mx1.partner.example' },
  { text: '451 5.7.3 Must issue a STARTTLS command first', ids: ['exchange-online.must-issue-starttls'], cause: ['dnsbl.listed', 'starttls.not-offered'], confirm: 'mxray check {domain} --dnsbl' },
  { text: "There is no partner connector configured that matched the message's recipient domain", ids: ['exchange-online.no-partner-connector'], cause: [], confirm: 'mxray cert <the sending server> --profile exchange-online' },
  { text: '550 5.7.51 TenantInboundAttribution; There is a partner connector configured that matched the message\'s recipient domain', ids: ['exchange-online.tenant-inbound-attribution'], cause: [], confirm: '' },
  { text: '550 5.7.64 TenantAttribution; Relay Access Denied', ids: ['exchange-online.tenant-attribution'], cause: [], confirm: '' },
  {
    text: '450 4.4.317 Cannot connect to remote server [Message=451 5.7.3 STARTTLS is required to send mail] [LastAttemptedServerName=mx1.partner.example] [LastAttemptedIP=192.0.2.25:25]',
    ids: ['exchange.starttls-required', 'exchange-online.cannot-connect-4.4.317'],
    cause: ['starttls.not-offered'],
    confirm: 'mxray check mx1.partner.example --dnsbl',
  },
  { text: 'TLS negotiation failed with error NoCredentials', ids: ['exchange.tls-negotiation-no-credentials'], cause: [], confirm: '' },
  { text: 'TLS negotiation failed with error UnknownCredentials', ids: ['exchange.tls-negotiation-unknown-credentials'], cause: [], confirm: '' },
  { text: '550 5.7.10 TLS is required but was not offered by the remote server', ids: ['smtp.tls-required-not-offered'], cause: ['starttls.not-offered'], confirm: 'mxray check {domain} --dnsbl' },
  { text: 'warning: TLS is required, but was not offered by host mx1.partner.example[192.0.2.25]', ids: ['postfix.tls-required-not-offered'], cause: ['starttls.not-offered'], confirm: 'mxray check mx1.partner.example' },
  { text: 'Server certificate not trusted', ids: ['postfix.server-certificate-not-trusted'], cause: [], confirm: '' },
  { text: 'Server certificate not verified', ids: ['postfix.server-certificate-not-trusted'], cause: [], confirm: '' },
  { text: 'Cannot start TLS: handshake failure', ids: ['postfix.handshake-failure'], cause: [], confirm: '' },
  { text: 'certificate verification failed for mx1.partner.example[192.0.2.25]:25: num=10:certificate has expired', ids: ['postfix.certificate-verification-failed', 'openssl.certificate-expired'], cause: [], confirm: 'mxray cert mx1.partner.example' },
  { text: 'SSL_accept error from client.example.net[198.51.100.7]: -1', ids: ['postfix.ssl-accept-error'], cause: [], confirm: 'mxray check <your MX host>' },
  { text: 'warning: TLS library problem: error:0A0000C1:SSL routines::no shared cipher', ids: ['postfix.tls-library-problem', 'openssl.no-shared-cipher'], cause: [], confirm: '' },
  { text: 'TLS error on connection to mx1.partner.example [192.0.2.25] (gnutls_handshake): A TLS fatal alert has been received.', ids: ['exim.tls-session-failed', 'gnutls.fatal-alert'], cause: [], confirm: 'mxray check mx1.partner.example' },
  {
    text: '== ann@partner.example R=dnslookup T=remote_smtp defer (-37) H=mx1.partner.example [192.0.2.25]: TLS session: (certificate verification failed): certificate invalid',
    ids: ['exim.certificate-verification-failed'],
    cause: [],
    confirm: '',
  },
  { text: '== ann@partner.example R=dnslookup T=remote_smtp defer (-38) H=mx1.partner.example [192.0.2.25]: a TLS session is required, but the server did not offer TLS support', ids: ['exim.tls-required-not-offered'], cause: ['starttls.not-offered'], confirm: 'mxray check mx1.partner.example' },
  { text: 'TLS error on connection to mx1.partner.example [192.0.2.25] (SSL_connect): error:0A000086:SSL routines::certificate verify failed', ids: ['exim.tls-session-failed', 'openssl.certificate-verify-failed'], cause: [], confirm: 'mxray check mx1.partner.example' },
  { text: 'STARTTLS=client, relay=mx1.partner.example., version=TLSv1.3, verify=FAIL, cipher=TLS_AES_256_GCM_SHA384, bits=256/256', ids: ['sendmail.verify-fail'], cause: [], confirm: '' },
  { text: 'error:0A00010B:SSL routines::wrong version number', ids: ['openssl.wrong-version-number'], cause: [], confirm: '' },
  { text: '4F1A2: conversation with mx1.partner.example[192.0.2.25]:465 timed out while receiving the initial server greeting', ids: ['postfix.greeting-timeout'], cause: [], confirm: 'mxray check mx1.partner.example' },
  { text: '250-XXXXXXXA', ids: ['firewall.masked-starttls'], cause: ['starttls.masked', 'smtp.banner-masked'], confirm: '' },
  { text: "500 'XXXXXXXX': command not recognized", ids: ['firewall.masked-starttls'], cause: ['starttls.masked', 'smtp.banner-masked'], confirm: '' },
];

describe('the error texts issue 21 quotes', () => {
  it.each(CASES.map((c) => [c.text.slice(0, 80), c] as const))('%s', (_, c) => {
    const e = explainLine(c.text);
    const ids = e.matches.map((m) => m.rule.id);
    for (const id of c.ids) expect(ids, c.text).toContain(id);
    const main = e.matches.find((m) => !m.rule.reason) ?? e.matches[0];
    expect(main?.rule.id).toBe(c.ids[0]);
    if (c.cause.length) expect(main?.rule.causes[0]?.findings).toEqual(c.cause);
    if (c.confirm) expect(main?.confirm).toBe(c.confirm);
  });

  it('the Exchange certificate validation statuses the issue names each get their own reason, the domain of the text in the command', () => {
    const reasons: Record<string, string> = {
      Expired: 'exchange.status-certificate-expired',
      UntrustedRoot: 'exchange.status-untrusted-root',
      RevocationOffline: 'exchange.status-revocation-offline',
      CNNotMatch: 'exchange.status-subject-mismatch',
      PartialChain: 'exchange.status-partial-chain',
    };
    for (const [status, id] of Object.entries(reasons)) {
      const e = explainLine(`The connection to partner.example could not be established because the validation of the Transport Layer Security (TLS) certificate for mx1.partner.example failed with status '${status}'`);
      expect(e.matches.map((m) => m.rule.id), status).toEqual(['exchange.certificate-validation-failed', id]);
      expect(e.matches[0]?.confirm, status).toBe('mxray cert mx1.partner.example --profile exchange-server');
    }
  });
});
