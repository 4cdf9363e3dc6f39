// Measures one MX address: the main dialogue (banner → EHLO → STARTTLS → TLS → EHLO again →
// envelope → RSET/QUIT), the legacy retry when the handshake fails, a handshake without SNI,
// a short cleartext session, and, only when the handshake without SNI showed another certificate,
// one more handshake with SNI to confirm it. It records facts only; checks/ judges them.
import type { ProbeContext, TlsHandshake } from '../../core/context.js';
import { MxrayError, statusOfError, TlsHandshakeError } from '../../core/errors.js';
import type { CertInfo, CleartextFacts, DaneHandshake, Evidence, EnvelopeStep, HandshakeFailure, HostFacts, LegacyRetry, NoSniFacts, SniConfirmFacts, TlsFacts } from '../../core/schema.js';
import { describeCertificate } from '../../pki/certificate.js';
import { announcedName, hasCapability, isMaskedKeyword } from '../../smtp/ehlo.js';
import { formatReply } from '../../smtp/reply.js';
import { openSmtp, type Hello, type SmtpClient, type SmtpClientDeps, type StartTlsResult, type TlsChoice } from '../../smtp/client.js';
import { TLS_ECDSA_ONLY, TLS_LEGACY, TLS_NORMAL, TLS_RSA_ONLY } from '../../tls/profiles.js';
import { alertOfErrorCode, recordsOf } from '../../tls/records.js';
import type { Unread } from '../../net/line-reader.js';
import { aborted } from '../job-run.js';

export interface HostTarget {
  mx: string;
  preference: number | null;
  address: string;
  family: 4 | 6;
  port: number;
  implicitTls: boolean;
  /** SNI and certificate name: the MX host name; null when the target is an IP address. */
  serverName: string | null;
  /** The mail domain (for the domain-match info and postmaster@domain), or null. */
  domain: string | null;
}

export interface ProbeOptions {
  helo: string;
  from: string | null;
  rcpt: string | null;
  /** Run the extra handshake without SNI and the cleartext session. */
  extras: boolean;
  /**
   * DANE: for an MX host with usable TLSA records, the TLSA base domain (the SNI a DANE sender
   * sends); null when DANE does not apply. Given: after the other phases, one handshake per key type
   * shows every certificate a DANE sender may be presented.
   */
  daneBase?: (mx: string) => Promise<string | null>;
}


export interface HostProbe {
  facts: HostFacts;
  /** The local address our connection came from (for net.all-unreachable). */
  localAddress: string | null;
}

/** How long the report waits for a reverse lookup after probing is done. */
const PTR_WAIT_MS = 3000;
/** Most bytes of a stapled OCSP response kept (real ones are 1-3 KiB; the schema allows 64 KiB). */
const MAX_STAPLED_OCSP_BYTES = 64 * 1024;

export function hostKey(t: { mx: string; address: string; port: number }): string {
  const addr = t.address.includes(':') ? `[${t.address}]` : t.address;
  return t.mx === t.address ? `${addr}:${t.port}` : `${t.mx}[${t.address}]:${t.port}`;
}

function emptyFacts(t: HostTarget): HostFacts {
  return {
    key: hostKey(t),
    mx: t.mx,
    preference: t.preference,
    address: t.address,
    family: t.family,
    port: t.port,
    implicitTls: t.implicitTls,
    serverName: t.serverName,
    ptr: [],
    ptrMatchesBanner: null,
    status: 'ok',
    statusDetail: null,
    statusReason: null,
    connectMs: null,
    banner: null,
    bannerName: null,
    greeting: null,
    ehloReply: null,
    ehloName: null,
    capabilities: [],
    starttls: { offered: false, masked: false, reply: null, negotiated: false },
    tls: null,
    legacyRetry: null,
    capabilitiesInTls: null,
    ehloTlsReply: null,
    envelope: [],
    noSni: null,
    cleartext: null,
    evidence: {},
  };
}

const statusOf = statusOfError;

function setStatus(facts: HostFacts, err: unknown): void {
  const s = statusOf(err);
  facts.status = s.status;
  facts.statusDetail = s.detail;
  facts.statusReason = s.reason;
}

/** Collects the sequence numbers recorded while `fn` runs on this connection. */
async function track<T>(ctx: ProbeContext, conn: string, into: number[], fn: () => Promise<T>): Promise<T> {
  const before = ctx.transcript.events.length;
  try {
    return await fn();
  } finally {
    for (const e of ctx.transcript.events.slice(before)) if (e.conn === conn) into.push(e.seq);
  }
}

function clientDeps(ctx: ProbeContext): SmtpClientDeps {
  return { connector: ctx.connector, transcript: ctx.transcript, clock: ctx.clock, limits: ctx.limits, signal: ctx.signal };
}

/** A connection through the one SMTP client (it records the connect events and their failure). */
function open(ctx: ProbeContext, t: HostTarget, conn: string): Promise<SmtpClient> {
  return openSmtp(clientDeps(ctx), { address: t.address, port: t.port, serverName: t.serverName, conn });
}

/** Banner, then EHLO, on an extra connection: null when the banner was not 220. */
async function greet(client: SmtpClient, helo: string): Promise<Hello | null> {
  const banner = await client.greeting();
  if (banner.code !== 220) return null;
  return client.hello(helo);
}

async function envelope(client: SmtpClient, from: string, rcpt: string | null): Promise<EnvelopeStep[]> {
  const steps: EnvelopeStep[] = [];
  // After an EHLO refused inside TLS the envelope is still tried: its replies are worth seeing.
  const mail = await client.mail(from, [], { afterRefusedHello: true });
  steps.push({ command: `MAIL FROM:<${from}>`, reply: mail });
  // Replies are 2xx to 5xx (anything else is not a reply): below 300 is positive.
  if (mail.code < 300 && rcpt) {
    const r = await client.rcpt(rcpt);
    steps.push({ command: `RCPT TO:<${rcpt}>`, reply: r });
  }
  // A failed RSET changes nothing: the steps are what we learned.
  await client.rset().catch(() => undefined);
  return steps;
}

/**
 * A failed handshake on the main connection: the host's status and the TLS facts say so, with the
 * bytes injected before it. Returns the TLS error for the legacy retry (null when it was our bug).
 */
function recordHandshakeFailure(facts: HostFacts, err: unknown, sni: string | null, injected: Unread): TlsHandshakeError | null {
  setStatus(facts, err);
  facts.tls = {
    ok: false,
    status: facts.status,
    protocol: null,
    cipher: null,
    cipherStandard: null,
    group: null,
    sni,
    ocspStapled: false,
    handshakeMs: null,
    error: facts.statusDetail,
    failure: err instanceof TlsHandshakeError ? failureOf(err) : null,
    injectedBytes: injected.bytes,
    injectedSample: sampleText(injected),
    clientCertificateRequested: null,
    alertAfterHandshake: null,
    peerChain: [],
  };
  // (The client has recorded the failure in the transcript.)
  return err instanceof TlsHandshakeError ? err : null;
}

/** The first injected bytes as text (Latin-1: one character per byte), or null when there were none. */
function sampleText(injected: Unread): string | null {
  return injected.bytes ? injected.sample.subarray(0, 256).toString('latin1') : null;
}

const NOTHING_INJECTED: Unread = { bytes: 0, sample: Buffer.alloc(0) };

function failureOf(e: TlsHandshakeError): HandshakeFailure {
  return { error: e.message, reason: e.reason, seen: { ...e.seen }, timedOut: e.timedOut };
}

/** The certificates as sent, in the transcript: what a person reading it wants to see (judged later). */
function recordCertificates(ctx: ProbeContext, conn: string, h: Pick<TlsHandshake, 'peerChain' | 'sentChain'>, prefix = ''): void {
  const chain = h.peerChain;
  let leaf: CertInfo | null = null;
  try {
    leaf = chain[0] ? describeCertificate(chain[0], 'sent') : null;
  } catch {
    // Not a certificate Node can read: the checks say so.
  }
  ctx.transcript.record(
    conn,
    'cert',
    leaf
      ? `${prefix}${chain.length} certificate(s) sent; leaf ${leaf.subject} issued by ${leaf.issuer}, valid until ${leaf.notAfter}, SHA-256 ${leaf.sha256}`
      : `${prefix}${chain.length} certificate(s) sent; the leaf could not be read`,
  );
  // Node's view orders the certificates by issuer and drops duplicates and unrelated ones: when
  // the server's own Certificate message says otherwise, the transcript shows it as sent.
  const sent = h.sentChain;
  if (sent && (sent.length !== chain.length || sent.some((c, i) => !c.equals(chain[i] as Buffer)))) {
    ctx.transcript.record(conn, 'cert', `${prefix}as sent on the wire: ${sent.length} certificate(s), in this order: ${sent.map(sentName).join(' | ')}`);
  }
}

/** A certificate of the chain as sent, by subject (or why it cannot be read), with its SHA-256 prefix to tell copies apart. */
function sentName(der: Buffer): string {
  try {
    const info = describeCertificate(der, 'sent');
    return `${info.subject || '(empty subject)'} [${info.sha256.slice(0, 8)}]`;
  } catch {
    return `(${der.length} bytes that are no certificate Node can read)`;
  }
}

/** The main dialogue. Partial facts survive every failure. */
interface MainResult {
  localAddress: string | null;
  /** The failed normal handshake, when there was one (the legacy retry explains it). */
  tlsFailure: TlsHandshakeError | null;
}

async function probeMain(ctx: ProbeContext, t: HostTarget, opts: ProbeOptions, facts: HostFacts, ev: Evidence): Promise<MainResult> {
  const conn = `${facts.key}/main`;
  let client: SmtpClient;
  const connectEv: number[] = (ev.connect = []);
  try {
    client = await track(ctx, conn, connectEv, () => open(ctx, t, conn));
  } catch (err) {
    setStatus(facts, err);
    return { localAddress: err instanceof MxrayError ? err.localAddress : null, tlsFailure: null };
  }
  facts.connectMs = client.connectMs;
  const opened = client;
  const progress = (phase: string) => ctx.onProgress?.(facts.key, phase);
  try {
    if (t.implicitTls) {
      progress('TLS (implicit)');
      const tlsEv: number[] = (ev.tls = []);
      let handshake: TlsHandshake;
      try {
        handshake = await track(ctx, conn, tlsEv, () => client.tlsOnConnect());
      } catch (err) {
        // Nothing is "injected" before an implicit handshake: a banner read then is a plain server's.
        return { localAddress: opened.localAddress, tlsFailure: recordHandshakeFailure(facts, err, t.serverName, NOTHING_INJECTED) };
      }
      facts.tls = tlsFacts(ctx, t, conn, handshake, NOTHING_INJECTED);
      facts.starttls.negotiated = true;
    }
    progress('banner');
    const bannerEv: number[] = (ev.banner = []);
    const banner = await track(ctx, conn, bannerEv, () => client.greeting());
    facts.banner = banner;
    facts.bannerName = banner.code === 220 ? announcedName(banner.lines[0] ?? '') : null;
    if (banner.code !== 220) {
      facts.status = 'protocol-error';
      facts.statusDetail = formatReply(banner);
      facts.statusReason = 'greeting-refused';
      return { localAddress: opened.localAddress, tlsFailure: null };
    }
    progress('EHLO');
    const ehloEv: number[] = (ev.ehlo = []);
    const g = await track(ctx, conn, ehloEv, () => client.hello(opts.helo));
    facts.ehloReply = g.ehlo;
    facts.greeting = g.greeting;
    if (t.implicitTls) {
      // With implicit TLS this EHLO was already inside TLS: it is the only one.
      facts.ehloTlsReply = g.ehlo;
      ev.ehloTls = ehloEv;
    }
    if (g.greeting === 'EHLO') {
      facts.ehloName = g.ehloName;
      if (t.implicitTls) facts.capabilitiesInTls = [...g.capabilities];
      else facts.capabilities = [...g.capabilities];
    }
    if (!g.greeting) {
      facts.status = 'protocol-error';
      facts.statusDetail = formatReply(g.helo ?? g.ehlo);
      facts.statusReason = 'ehlo-refused';
      return { localAddress: opened.localAddress, tlsFailure: null };
    }
    // Capabilities in clear come only from an accepted EHLO: none after HELO, and none with
    // implicit TLS (nothing is said before TLS), so no STARTTLS then.
    const caps = facts.capabilities;
    facts.starttls.offered = hasCapability(caps, 'STARTTLS');
    facts.starttls.masked = caps.some((c) => isMaskedKeyword(c.keyword));
    if (facts.starttls.offered) {
      progress('STARTTLS');
      // The reply to STARTTLS is its own phase; the handshake after a 220 is the TLS phase.
      const before = ctx.transcript.events.length;
      let splitAt: number | null = null;
      const phases = () => {
        const mine = (from: number, to?: number) => ctx.transcript.events.slice(from, to).filter((e) => e.conn === conn).map((e) => e.seq);
        const at = splitAt ?? ctx.transcript.events.length;
        ev.starttls = mine(before, at);
        if (splitAt !== null) ev.tls = mine(splitAt);
      };
      let started: StartTlsResult;
      let observerFailed = false;
      try {
        started = await client.starttls({
          profile: TLS_NORMAL,
          onReply: (reply) => {
            facts.starttls.reply = reply;
            if (reply.code === 220) {
              splitAt = ctx.transcript.events.length;
              try {
                progress('TLS handshake');
              } catch (err) {
                observerFailed = true;
                throw err;
              }
            }
          },
        });
      } catch (err) {
        phases();
        // Before a 220 the dialogue broke (a time-out, a bad reply): that is not a handshake failure.
        // (Nor is a progress observer that threw: that is a bug, reported as ours below.)
        if (splitAt === null || observerFailed) throw err;
        return {
          localAddress: opened.localAddress,
          tlsFailure: recordHandshakeFailure(facts, err, t.serverName, { bytes: client.injectedBytes, sample: client.injectedSample }),
        };
      }
      phases();
      if (started.handshake) {
        const shake = { handshake: started.handshake, injected: started.injected };
        // Judged outside the handshake's try: a bug of ours must not read as a handshake failure.
        facts.tls = tlsFacts(ctx, t, conn, shake.handshake, shake.injected);
        facts.starttls.negotiated = true;
        // RFC 3207 §4.2: forget what was learned in clear and ask again, inside TLS.
        progress('EHLO in TLS');
        const e2: number[] = (ev.ehloTls = []);
        const again = await track(ctx, conn, e2, () => client.hello(opts.helo, { heloFallback: false }));
        facts.ehloTlsReply = again.ehlo;
        if (again.greeting === 'EHLO') facts.capabilitiesInTls = [...again.capabilities];
      }
    }
    if (opts.from !== null || opts.rcpt !== null) {
      progress('envelope');
      const envEv: number[] = (ev.envelope = []);
      facts.envelope = await track(ctx, conn, envEv, () => envelope(client, opts.from ?? '', opts.rcpt));
    }
  } catch (err) {
    setStatus(facts, err);
    // An alert that ended the session inside TLS (TLS 1.3: the server's verdict on our empty
    // Certificate comes after the handshake worked on our side).
    if (facts.tls?.ok) facts.tls.alertAfterHandshake = alertOfErrorCode(facts.statusReason);
    // A failure after a good handshake is its own category: the server broke inside TLS.
    // (Our own bug, or input we should have refused earlier, stays what it is: never blamed on the server.)
    if (facts.starttls.negotiated && facts.status !== 'internal-error' && facts.status !== 'invalid-input' && !t.implicitTls) facts.status = 'post-tls-error';
    return { localAddress: opened.localAddress, tlsFailure: null };
  } finally {
    await client.quit();
  }
  return { localAddress: opened.localAddress, tlsFailure: null };
}

/** A completed handshake: its facts and certificates, both in the transcript. */
function tlsFacts(ctx: ProbeContext, t: HostTarget, conn: string, h: TlsHandshake, injected: Unread): TlsFacts {
  recordCertificates(ctx, conn, h);
  const records = recordsOf(h);
  return {
    ok: true,
    status: 'ok',
    protocol: h.protocol,
    cipher: h.cipher,
    cipherStandard: h.cipherStandard,
    group: h.group,
    sni: t.serverName,
    ocspStapled: h.ocspResponse !== null,
    ocspResponse: h.ocspResponse !== null && h.ocspResponse.length <= MAX_STAPLED_OCSP_BYTES ? h.ocspResponse.toString('base64') : null,
    handshakeMs: h.handshakeMs,
    error: null,
    failure: null,
    injectedBytes: injected.bytes,
    injectedSample: sampleText(injected),
    // A CertificateRequest travels in the clear only up to TLS 1.2; in TLS 1.3 we cannot see it.
    clientCertificateRequested: records === null || h.protocol === 'TLSv1.3' ? null : records.certificateRequest,
    alertAfterHandshake: null,
    peerChain: h.peerChain.map((der) => der.toString('base64')),
    sentChain: h.sentChain && h.sentChain.length > 0 ? h.sentChain.slice(0, 64).map((der) => der.toString('base64')) : null,
  };
}

/** An extra connection's TLS: the handshake, or why there was none (a TlsHandshakeError: the handshake itself failed). */
type ExtraTls = { ok: true; client: SmtpClient; handshake: TlsHandshake } | { ok: false; err: unknown };

/**
 * A fresh connection, then a handshake with `choice`: at once for implicit TLS, else after EHLO and
 * STARTTLS (sent even if not advertised here: the main connection saw it offered).
 */
async function extraTls(ctx: ProbeContext, t: HostTarget, conn: string, helo: string, choice: TlsChoice): Promise<ExtraTls> {
  let client: SmtpClient;
  try {
    client = await open(ctx, t, conn);
  } catch (err) {
    return { ok: false, err };
  }
  try {
    if (t.implicitTls) return { ok: true, client, handshake: await client.tlsOnConnect(choice) };
    const g = await greet(client, helo);
    if (g?.greeting !== 'EHLO') throw new MxrayError('protocol-error', 'EHLO refused on the extra connection');
    const st = await client.starttls({ ...choice, force: true });
    if (!st.handshake) throw new MxrayError('starttls-refused', formatReply(st.reply));
    return { ok: true, client, handshake: st.handshake };
  } catch (err) {
    // QUIT where the dialogue is still in step (a refused EHLO or STARTTLS); a broken one is closed.
    await client.quit();
    return { ok: false, err };
  }
}

/** After a failed handshake: try again with legacy settings (the checks read why it failed). */
async function probeLegacy(ctx: ProbeContext, t: HostTarget, opts: ProbeOptions, ev: Evidence): Promise<LegacyRetry> {
  const conn = `${hostKey(t)}/legacy`;
  const into: number[] = (ev.legacy = []);
  return track(ctx, conn, into, async () => {
    const r = await extraTls(ctx, t, conn, opts.helo, { profile: TLS_LEGACY });
    if (r.ok) {
      const h = r.handshake;
      recordCertificates(ctx, conn, h, 'legacy handshake: ');
      // Politely, inside TLS: QUIT, its 221, close_notify (a bare close leaves an error in the server's log).
      await r.client.quit();
      return { ok: true, protocol: h.protocol, cipher: h.cipher, cipherStandard: h.cipherStandard, error: null, failure: null, peerChain: h.peerChain.map((der) => der.toString('base64')) };
    }
    // Only the handshake itself throws a TlsHandshakeError (the refusals before it are MxrayErrors).
    const failure = r.err instanceof TlsHandshakeError ? failureOf(r.err) : null;
    return { ok: false, protocol: null, cipher: null, cipherStandard: null, error: statusOf(r.err).detail, failure, peerChain: [] };
  });
}

async function probeNoSni(ctx: ProbeContext, t: HostTarget, opts: ProbeOptions, ev: Evidence): Promise<NoSniFacts> {
  const conn = `${hostKey(t)}/no-sni`;
  const into: number[] = (ev.noSni = []);
  return track(ctx, conn, into, async () => {
    const r = await extraTls(ctx, t, conn, opts.helo, { profile: TLS_NORMAL, servername: null });
    if (!r.ok) {
      // Refused before TLS (the status says how), the handshake failed, or a bug of ours.
      const s = statusOf(r.err);
      return { status: s.status, error: s.detail, peerChain: [] };
    }
    recordCertificates(ctx, conn, r.handshake, 'without SNI: ');
    // Politely, inside TLS: QUIT, its 221, close_notify (a bare close leaves "lost connection after STARTTLS" in Postfix's log).
    await r.client.quit();
    return { status: 'ok', error: null, peerChain: r.handshake.peerChain.map((der) => der.toString('base64')) };
  });
}

/**
 * The handshake without SNI showed another certificate than the main one: one more handshake with
 * SNI tells a server that chooses by SNI (the main certificate again) from one whose certificate
 * differs between connections (a pool behind one address: another certificate).
 */
async function probeSniConfirm(ctx: ProbeContext, t: HostTarget, opts: ProbeOptions, ev: Evidence): Promise<SniConfirmFacts> {
  const conn = `${hostKey(t)}/sni-confirm`;
  const into: number[] = (ev.sniConfirm = []);
  return track(ctx, conn, into, async () => {
    const r = await extraTls(ctx, t, conn, opts.helo, { profile: TLS_NORMAL });
    if (!r.ok) {
      const s = statusOf(r.err);
      return { status: s.status, error: s.detail, peerChain: [] };
    }
    recordCertificates(ctx, conn, r.handshake, 'again with SNI: ');
    // Politely, inside TLS, as the other extra connections.
    await r.client.quit();
    return { status: 'ok', error: null, peerChain: r.handshake.peerChain.map((der) => der.toString('base64')) };
  });
}

/**
 * DANE's handshakes: offering RSA signature algorithms only, then ECDSA ones only, with the TLSA base
 * domain as SNI — a server with both kinds of certificate presents each. Where the main handshake
 * already sent that SNI, only the key type it did not show is asked for.
 */
async function probeDane(ctx: ProbeContext, t: HostTarget, opts: ProbeOptions, ev: Evidence, base: string, mainKey: 'rsa' | 'ecdsa' | null): Promise<DaneHandshake[]> {
  const conn = `${hostKey(t)}/dane`;
  const into: number[] = (ev.dane = []);
  const wanted = (['rsa', 'ecdsa'] as const).filter((a) => a !== mainKey);
  return track(ctx, conn, into, async () => {
    const out: DaneHandshake[] = [];
    for (const algorithm of wanted) {
      if (ctx.signal?.aborted) break;
      const r = await extraTls(ctx, t, conn, opts.helo, { profile: algorithm === 'rsa' ? TLS_RSA_ONLY : TLS_ECDSA_ONLY, servername: base });
      if (!r.ok) {
        const s = statusOf(r.err);
        out.push({ algorithm, serverName: base, status: s.status, error: s.detail.slice(0, 500), protocol: null, peerChain: [], leafKeyType: null, leafSubject: null });
        continue;
      }
      recordCertificates(ctx, conn, r.handshake, `${algorithm === 'rsa' ? 'RSA' : 'ECDSA'} signatures only: `);
      await r.client.quit();
      const leaf = r.handshake.peerChain[0] ? describeCertificate(r.handshake.peerChain[0], 'sent') : null;
      out.push({
        algorithm,
        serverName: base,
        status: 'ok',
        error: null,
        protocol: r.handshake.protocol,
        peerChain: r.handshake.peerChain.map((der) => der.toString('base64')),
        leafKeyType: leaf ? leaf.keyType.slice(0, 40) : null,
        leafSubject: leaf ? leaf.subject.slice(0, 1000) : null,
      });
    }
    return out;
  });
}

/** The key type of the main handshake's leaf, when its SNI was the TLSA base domain (its certificate then counts for DANE). */
function mainKeyType(facts: HostFacts, base: string): 'rsa' | 'ecdsa' | null {
  const leaf = facts.tls?.ok ? facts.tls.peerChain[0] : undefined;
  if (leaf === undefined || facts.serverName !== base) return null;
  const type = describeCertificate(Buffer.from(leaf, 'base64'), 'sent').keyType.toLowerCase();
  return type.startsWith('ec') ? 'ecdsa' : type.startsWith('rsa') ? 'rsa' : null;
}

/** Whether both handshakes showed a leaf, and not the same one (the very same bytes). */
function otherLeaf(main: readonly string[] | undefined, other: NoSniFacts | null): boolean {
  const a = main?.[0];
  const b = other?.status === 'ok' ? other.peerChain[0] : undefined;
  return a !== undefined && b !== undefined && a !== b;
}

async function probeCleartext(ctx: ProbeContext, t: HostTarget, opts: ProbeOptions, ev: Evidence): Promise<CleartextFacts> {
  const conn = `${hostKey(t)}/cleartext`;
  const into: number[] = (ev.cleartext = []);
  return track(ctx, conn, into, async () => {
    let client: SmtpClient;
    try {
      client = await open(ctx, t, conn);
    } catch (err) {
      return { status: statusOf(err).status, steps: [] };
    }
    try {
      const g = await greet(client, opts.helo);
      if (!g?.greeting) return { status: 'protocol-error', steps: [] };
      const rcpt = opts.rcpt ?? (t.domain ? `postmaster@${t.domain}` : null);
      return { status: 'ok', steps: await envelope(client, '', rcpt) };
    } catch (err) {
      return { status: statusOf(err).status, steps: [] };
    } finally {
      await client.quit();
    }
  });
}

/** Everything we measure for one address, in order, on at most one connection at a time. */
export async function probeHost(ctx: ProbeContext, t: HostTarget, opts: ProbeOptions): Promise<HostProbe> {
  const facts = emptyFacts(t);
  const evidence: Evidence = facts.evidence;
  const ptrPromise = ctx.resolver.ptr(t.address).catch(() => [] as string[]);
  const main = await probeMain(ctx, t, opts, facts, evidence);
  if (main.tlsFailure) {
    ctx.onProgress?.(facts.key, 'legacy TLS retry');
    facts.legacyRetry = await probeLegacy(ctx, t, opts, evidence);
  }
  const greeted = facts.greeting !== null;
  // A server that timed out or broke the protocol on the main session would only make the extra
  // sessions wait (or fail) the same way: one wait per address is enough.
  const worthMore = facts.status === 'ok' || facts.status === 'tls-handshake-error' || facts.status === 'post-tls-error';
  if (opts.extras && !worthMore && greeted) ctx.transcript.record(`${facts.key}/main`, 'note', `no extra connections after ${facts.status}`);
  if (opts.extras && worthMore && greeted && facts.tls?.ok && t.serverName) {
    ctx.onProgress?.(facts.key, 'handshake without SNI');
    facts.noSni = await probeNoSni(ctx, t, opts, evidence);
  }
  if (opts.extras && worthMore && greeted && !t.implicitTls) {
    ctx.onProgress?.(facts.key, 'cleartext session');
    facts.cleartext = await probeCleartext(ctx, t, opts, evidence);
  }
  // Made last, after the cleartext session: behind a load balancer that takes turns per connection
  // between two servers, it then reaches the server the handshake without SNI reached (on an SMTPS
  // port there is no cleartext session, and it reaches the main session's server again: the same
  // certificate, read as SNI dependence). One handshake cannot prove SNI dependence against a pool;
  // another certificate does prove a pool.
  if (facts.noSni && otherLeaf(facts.tls?.peerChain, facts.noSni)) {
    ctx.onProgress?.(facts.key, 'handshake with SNI again');
    facts.noSni.confirm = await probeSniConfirm(ctx, t, opts, evidence);
  }
  // DANE: only once its lookup says this host has usable TLSA records (it ran beside everything above).
  if (opts.daneBase && worthMore && greeted) {
    // Bounded by the probe's deadlines: a lookup still running when they come is not waited for.
    const base = await Promise.race([opts.daneBase(t.mx).catch(() => null), aborted(ctx.signal).then(() => null)]);
    if (base !== null && !ctx.signal?.aborted) {
      ctx.onProgress?.(facts.key, 'DANE handshakes');
      facts.dane = await probeDane(ctx, t, opts, evidence, base, mainKeyType(facts, base));
    }
  }
  // Reverse DNS is a note, never worth waiting long for: a silent reverse zone must not hold the report.
  // A deadline that stops the probe stops this wait too.
  const waited = new AbortController();
  const stop = () => waited.abort();
  if (ctx.signal?.aborted) stop();
  else ctx.signal?.addEventListener('abort', stop, { once: true });
  const ptr = await Promise.race([ptrPromise, ctx.clock.sleep(PTR_WAIT_MS, waited.signal).then(() => [] as string[])]);
  ctx.signal?.removeEventListener('abort', stop);
  waited.abort();
  facts.ptr = ptr.map((n) => n.toLowerCase().replace(/\.$/, ''));
  const announced = [facts.bannerName, facts.ehloName].filter((n): n is string => Boolean(n));
  facts.ptrMatchesBanner = facts.ptr.length && announced.length ? announced.some((n) => facts.ptr.includes(n)) : null;
  ctx.onProgress?.(facts.key, 'done');
  return { facts, localAddress: main.localAddress };
}
