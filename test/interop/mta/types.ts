// The contract between the interop harness and the MTA launchers (Postfix, Exim, OpenSMTPD).
// Every instance runs in the foreground under the test's own process id, from a config
// directory under the test's temporary folder, bound to its own loopback address only.

export type MtaKind = 'postfix' | 'exim' | 'opensmtpd';

/** Key and certificates for the server, as files the launcher may copy into its own folder. */
export interface TlsMaterial {
  /** PEM: the leaf first, then the chain the server should send. */
  chainPem: string;
  keyPem: string;
  /** PEM of the CA whose client certificates the server asks for (client-certificate configs). */
  clientCaPem?: string;
}

export interface InstanceOptions {
  /** A loopback address of the instance's own (127.0.x.y), never anything else. */
  address: string;
  /** Usually 25; 465 for implicit TLS. */
  port: number;
  /** The name the server announces in its banner and EHLO reply. */
  hostname: string;
  /** A fresh folder for this instance: config, spool, logs, pid. Removed by the harness. */
  workDir: string;
  /** Null: no TLS at all (no STARTTLS offered). */
  tls: TlsMaterial | null;
  /** Refuse mail without TLS (Postfix smtpd_tls_security_level = encrypt, Exim/OpenSMTPD equivalents). */
  requireTls?: boolean;
  /** Allow only TLS 1.0/1.1 (as far as the installed TLS library permits). */
  oldProtocolsOnly?: boolean;
  /** Implicit TLS (wrapper mode / smtps) instead of STARTTLS. */
  implicitTls?: boolean;
  /** Ask the client for a certificate (never require it). */
  requestClientCert?: boolean;
  /** Require a client certificate (Postfix smtpd_tls_req_ccert at encrypt, Exim tls_verify_hosts): partner connectors. */
  requireClientCert?: boolean;
  /** Postfix only: more main.cf lines, appended last (e.g. smtpd_recipient_restrictions with reject_plaintext_session). */
  postfixMainCf?: string[];
  /** Exim only: what `mxray send`'s tests need of a real receiving Exim. */
  exim?: EximExtras;
}

export interface EximExtras {
  /** Take messages (queued in the spool, never delivered) instead of refusing them at the end of DATA. */
  acceptMessages?: boolean;
  /** PLAIN, LOGIN and CRAM-MD5 for this one account, advertised only inside TLS (the usual setup). */
  auth?: { user: string; password: string };
  /** More main-section lines (e.g. message_size_limit). */
  main?: string[];
  /** An ACL run at the DATA command (acl_smtp_predata), e.g. a `drop` that answers 421 and closes. */
  predataAcl?: string[];
}

export interface MtaInstance {
  kind: MtaKind;
  address: string;
  port: number;
  /** Process id of the foreground daemon we started (stopped by this id). */
  pid: number;
  /** What the daemon logged so far (for failure messages). */
  logs(): string;
  /** Stops exactly the processes this instance started, and waits for them to exit. */
  stop(): Promise<void>;
}

export type StartMta = (options: InstanceOptions) => Promise<MtaInstance>;
