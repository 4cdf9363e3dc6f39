// `mxray pcap`: a capture file (handed in as chunks of bytes) → packets (capture.ts) → TCP
// segments on the SMTP ports (packet.ts) → reassembled flows (tcp-flows.ts) → each followed as an
// SMTP dialogue with its TLS handshake (smtp-flow.ts) → failed TLS followed by a retry in clear
// paired (correlate.ts) → judged (checks/pcap) → a Report of kind `pcap`. Streamed: memory holds
// the open flows (capped) and the flows kept for the report (capped), whatever the file's size.
import type { Clock } from '../../core/context.js';
import { emptyVerdictCounts, MAX_REPORTED_FLOWS, type PcapBody, type PcapCapture, type PcapCaptureProblem, type PcapFlow } from '../../core/pcap-schema.js';
import type { PcapReport } from '../../core/schema.js';
import { Transcript } from '../../core/transcript.js';
import { SCHEMA_VERSION, VERSION } from '../../core/version.js';
import { PCAP_CHECKS } from '../../checks/registry.js';
import { verdictOf } from '../../checks/verdict.js';
import { DEFAULT_PROFILE } from '../../kb/profiles.js';
import { sortFindings } from '../../kb/index.js';
import { CaptureReader } from './capture.js';
import { RetryMatcher, DEFAULT_RETRY_WINDOW_MS } from './correlate.js';
import type { CaptureProblem, FlowHandler, FlowMeta, ProblemCounter } from './model.js';
import { decodePacket } from './packet.js';
import { SmtpFlow } from './smtp-flow.js';
import { TcpFlows } from './tcp-flows.js';

/** The SMTP ports followed by default: relay (25), submission (587), SMTPS (465), the common alternative (2525). */
export const DEFAULT_PORTS: readonly number[] = [25, 465, 587, 2525];

/** Flows kept whole with their dialogue; the rest of the kept flows carry no dialogue. */
const DIALOGUE_KEPT = 200;

export interface PcapOptions {
  /** The file's name as shown. */
  name: string;
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  /** Extra ports to follow as SMTP (beside DEFAULT_PORTS). */
  ports?: readonly number[];
  /** How long after a failed TLS attempt a connection in clear counts as its retry. */
  retryWindowMs?: number;
  clock?: Clock;
  target?: string;
}

/** Thrown when the file is not a capture at all (the CLI makes it a usage error, exit 2). */
export class NotACaptureError extends Error {}

class Problems implements ProblemCounter {
  readonly counts: Partial<Record<PcapCaptureProblem, { count: number; first: string }>> = {};
  problem(kind: CaptureProblem, detail: string): void {
    const p = this.counts[kind];
    if (p) p.count++;
    else this.counts[kind] = { count: 1, first: detail.slice(0, 300) };
  }
}

/** Problem flows first: they are what the reader came for. */
const RANK: Record<PcapFlow['verdict'], number> = {
  'cleartext-after-starttls': 0,
  'handshake-failed': 1,
  'starttls-refused': 2,
  'starttls-not-offered': 3,
  'not-attempted': 4,
  incomplete: 5,
  tls: 6,
  'implicit-tls': 7,
  'no-mail': 8,
};

export async function runPcap(options: PcapOptions, defaults?: () => { clock: Clock }): Promise<PcapReport> {
  const clock = options.clock ?? defaults?.().clock;
  if (!clock) throw new Error('runPcap: no clock');
  const startedAt = new Date(clock.now()).toISOString();
  const startedMono = clock.monotonic();
  const transcript = new Transcript(clock);
  const ports = [...new Set([...DEFAULT_PORTS, ...(options.ports ?? [])])].sort((a, b) => a - b);
  const portSet = new Set(ports);
  const problems = new Problems();
  const totals = emptyVerdictCounts();
  let flowCount = 0;
  let smtpSegments = 0;
  // Kept flows: every problem flow first (up to the cap), then the others as room allows.
  const kept: PcapFlow[] = [];
  let notListed = 0;
  let withDialogue = 0;
  const matcher = new RetryMatcher(options.retryWindowMs ?? DEFAULT_RETRY_WINDOW_MS);
  const keptById = new Map<number, PcapFlow>();

  const finish = (facts: PcapFlow): void => {
    flowCount++;
    const pair = matcher.add(facts);
    if (pair) {
      facts.retryOf = pair.failedId;
      const failed = keptById.get(pair.failedId);
      if (failed) failed.retriedBy = facts.id;
    }
    totals[facts.verdict]++;
    if (withDialogue < DIALOGUE_KEPT && (RANK[facts.verdict] < 6 || withDialogue < DIALOGUE_KEPT / 2)) withDialogue++;
    else {
      facts.dialogueNotListed += facts.dialogue.length;
      facts.dialogue = [];
    }
    if (kept.length < MAX_REPORTED_FLOWS) {
      kept.push(facts);
      keptById.set(facts.id, facts);
      return;
    }
    // Full: a problem flow takes the place of the last-kept flow of a lesser rank.
    let worst = -1;
    for (let i = kept.length - 1; i >= 0; i--) {
      if (RANK[kept[i]!.verdict] > RANK[facts.verdict] && kept[i]!.retriedBy === null && kept[i]!.retryOf === null) {
        worst = i;
        break;
      }
    }
    if (worst < 0) {
      notListed++;
      return;
    }
    keptById.delete(kept[worst]!.id);
    kept.splice(worst, 1);
    kept.push(facts);
    keptById.set(facts.id, facts);
    notListed++;
  };

  const flows = new TcpFlows({
    ports: portSet,
    problems,
    onFlow(meta: FlowMeta): FlowHandler {
      const follow = new SmtpFlow(meta);
      return {
        data: (dir, bytes, ts) => follow.data(dir, bytes, ts),
        gap: (dir, missing, ts) => follow.gap(dir, missing, ts),
        end: (how, ts) => {
          follow.end(how, ts);
          finish(follow.facts());
        },
      };
    },
  });
  const reader = new CaptureReader((p) => {
    const segment = decodePacket(p, portSet, problems);
    if (segment) {
      smtpSegments++;
      flows.segment(segment);
    }
  }, problems);
  for await (const chunk of options.chunks) reader.push(chunk);
  reader.end();
  if (reader.stats.notCapture) throw new NotACaptureError(`${options.name} is not a pcap or pcapng file`);
  flows.end(reader.stats.lastTs ?? 0);
  kept.sort((a, b) => a.id - b.id);
  const stats = reader.stats;
  const capture: PcapCapture = {
    format: stats.format,
    linkTypes: stats.linkTypes.slice(0, 32),
    packets: stats.packets,
    bytes: stats.bytes,
    smtpSegments,
    firstTs: stats.firstTs,
    lastTs: stats.lastTs,
    problems: problems.counts,
  };
  const body: PcapBody = { file: options.name.slice(0, 1000), capture, ports, flowCount, flows: kept, flowsNotListed: notListed, totals };
  transcript.record('pcap', 'note', `${options.name.slice(0, 200)}: ${stats.format ?? 'unknown format'}, ${stats.packets} packets, ${smtpSegments} SMTP segments, ${flowCount} flows`);
  const findings = sortFindings(PCAP_CHECKS.flatMap((check) => check.assess({ body })));
  const at = clock.now();
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'mxray', version: VERSION },
    kind: 'pcap',
    target: options.target ?? options.name,
    startedAt,
    durationMs: Math.round((clock.monotonic() - startedMono) * 1000) / 1000,
    verdict: flowCount === 0 && findings.length === 0 ? 'inconclusive' : verdictOf(findings),
    judgedWith: {
      at: new Date(at).toISOString(),
      profile: { name: DEFAULT_PROFILE.name, version: DEFAULT_PROFILE.version },
      trustStore: { description: 'not used: the capture is read, nothing is probed', bundledRootsOfNode: null, extraCaFiles: [] },
      options: { warnDays: 0, expectThumbprint: null },
      rejudged: false,
    },
    findings,
    transcript: transcript.events,
    body,
  };
}

/** Judges a saved capture report again (mxray report --rejudge). */
export function rejudgePcap(report: PcapReport): PcapReport {
  const findings = sortFindings(PCAP_CHECKS.flatMap((check) => check.assess({ body: report.body })));
  return { ...report, findings, verdict: report.body.flowCount === 0 && findings.length === 0 ? 'inconclusive' : verdictOf(findings), judgedWith: { ...report.judgedWith, rejudged: true } };
}
