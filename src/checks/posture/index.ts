// The posture check: MTA-STS and TLS-RPT judged from their facts (judge.ts), as `mxray posture`
// and the receiver test run it; what an MTA-STS policy does to host verdicts is mta-sts-hosts.ts.
import type { Check } from '../check.js';
import { judgePosture, type PostureFacts } from './judge.js';

export { judgePosture, type PostureFacts, type PostureJudgement } from './judge.js';
export { applyMtaSts, mtaStsFailure, MTA_STS_FATAL } from './mta-sts-hosts.js';

export type PostureCheck = Check<PostureFacts>;

export const postureCheck: PostureCheck = {
  name: 'posture',
  assess: (facts) => judgePosture(facts).findings,
};
