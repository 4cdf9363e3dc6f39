// A job page's state, folded from the job's Server-Sent Events (pure; job.ts draws it). Every
// event's data is JSON from the server, read without trusting its shape: a field of the wrong
// type is ignored, never thrown on.

export interface TranscriptLine {
  t: number;
  host: string;
  kind: string;
  text: string;
}

export interface JobState {
  status: 'connecting' | 'running' | 'done' | 'failed' | 'cancelled';
  /** Each host's (progress key's) latest phase, in the order they first appeared. */
  phases: Map<string, string>;
  /** Lines not yet drawn are appended here; the page takes them (see takeLines). */
  lines: TranscriptLine[];
  /** Lines seen in all (the page keeps only the newest MAX_LINES). */
  lineCount: number;
  /** The server's buffer had lost earlier events (a `reset`): the transcript starts late. */
  truncated: boolean;
  reportId: string | null;
  verdict: string | null;
  error: string | null;
}

export const MAX_LINES = 5000;
const MAX_HOSTS = 200;

export function initialJobState(): JobState {
  return { status: 'connecting', phases: new Map(), lines: [], lineCount: 0, truncated: false, reportId: null, verdict: null, error: null };
}

const str = (v: unknown, max: number): string | null => (typeof v === 'string' ? v.slice(0, max) : null);

function parse(data: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(data);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The state after one event (`type` is the SSE event name, `data` its data). Mutates and returns `state`. */
export function applyJobEvent(state: JobState, type: string, data: string): JobState {
  const d = parse(data);
  switch (type) {
    case 'progress': {
      const key = str(d.key, 300);
      const phase = str(d.phase, 200);
      if (key === null || phase === null) break;
      if (state.phases.has(key) || state.phases.size < MAX_HOSTS) state.phases.set(key, phase);
      if (state.status === 'connecting') state.status = 'running';
      break;
    }
    case 'transcript': {
      const text = str(d.text, 2000);
      if (text === null) break;
      state.lines.push({ t: typeof d.t === 'number' && Number.isFinite(d.t) ? d.t : 0, host: str(d.conn, 300) ?? str(d.host, 300) ?? '', kind: str(d.kind, 20) ?? '', text });
      if (state.lines.length > MAX_LINES) state.lines.splice(0, state.lines.length - MAX_LINES);
      state.lineCount++;
      if (state.status === 'connecting') state.status = 'running';
      break;
    }
    case 'status': {
      // 'done' and 'failed' wait for their own events, which carry the report id and the error.
      const s = d.status;
      if (s === 'running' || s === 'cancelled') state.status = s;
      break;
    }
    case 'done':
      state.status = 'done';
      state.reportId = str(d.reportId, 64);
      state.verdict = str(d.verdict, 40);
      break;
    case 'failed':
      state.status = 'failed';
      state.error = str(d.error, 1000) ?? 'the job failed';
      break;
    case 'reset':
      // Events before this one are gone from the server's buffer: what we have may have a gap.
      state.truncated = true;
      break;
    default:
      break;
  }
  return state;
}

/** Lines to draw since the last call (the state keeps none of them). */
export function takeLines(state: JobState): TranscriptLine[] {
  return state.lines.splice(0, state.lines.length);
}

/** Whether the stream is over (the page closes the EventSource: it would reconnect otherwise). */
export const isFinished = (state: JobState): boolean => state.status === 'done' || state.status === 'failed' || state.status === 'cancelled';

/** The arrow (or mark) a transcript line is shown with, by its kind. */
export function arrowOf(kind: string): string {
  switch (kind) {
    case 'send':
      return '→';
    case 'recv':
      return '←';
    case 'tls':
    case 'cert':
      return '◆';
    case 'error':
      return '✗';
    case 'dns':
      return '?';
    case 'connect':
      return '↔';
    case 'close':
      return '×';
    default:
      return '·';
  }
}

/** "1.234 s" from milliseconds since the job started. */
export const offsetText = (t: number): string => `${(t / 1000).toFixed(3)} s`;
