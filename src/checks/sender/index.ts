// The sender test's judge (`mxray sender-test`): what our listener saw of a sending server — its
// TLS (tls.ts), the client certificate it presented (client-cert.ts, verified here with the client
// purpose, so `mxray report --rejudge` judges it again), its names in DNS and SPF (names.ts), and
// the message with its header (message.ts) — into `sender.*` findings. Pure: the trust store and
// the judging time are handed in. judge.ts runs SENDER_CHECKS and makes the verdict.
import type { TrustStore } from '../../core/context.js';
import type { Finding, SenderBody } from '../../core/schema.js';
import { makeFinding } from '../../kb/index.js';
import { DEFAULT_PROFILE, type Profile } from '../../kb/profiles.js';
import type { Check } from '../check.js';
import type { Add } from './add.js';
import { assessAbandoned } from './abandoned.js';
import { assessClientCertificate } from './client-cert.js';
import { assessMessage } from './message.js';
import { assessNames } from './names.js';
import { assessTls } from './tls.js';

export { cipherWeakness, handshakeWhy, listenerText } from './tls.js';
export { clientCertificateVerdict, ekuOf } from './client-cert.js';
export { ehloProblem, sameAddress } from './names.js';

export interface SenderJudgeContext {
  trustStore: TrustStore;
  /** The moment the client certificate is judged at (the session's time, or --at), epoch ms. */
  now: number;
  /** The thresholds (the old protocols); the default profile when absent. */
  profile?: Profile;
}

export interface SenderCheckInput {
  body: SenderBody;
  ctx: SenderJudgeContext;
}

export type SenderCheck = Check<SenderCheckInput>;

export const senderCheck: SenderCheck = {
  name: 'sender',
  assess({ body, ctx }) {
    const findings: Finding[] = [];
    const add: Add = (id, facts) => findings.push(makeFinding(id, facts));
    assessTls(body, ctx.profile ?? DEFAULT_PROFILE, add);
    assessClientCertificate(body, ctx.trustStore, ctx.now, add);
    assessNames(body, add);
    assessAbandoned(body, add);
    assessMessage(body, new Set(findings.map((f) => f.id)), add);
    return findings;
  },
};
