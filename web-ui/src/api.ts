// The REST API (/api/v1), as the pages use it: JSON in and out, the CSRF token on every POST and
// DELETE once signed in, errors as ApiError with the server's one line. Uploads go through
// XMLHttpRequest (fetch reports no upload progress).

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

export interface KindInfo {
  name: string;
  title: string;
  upload: { maxBytes: number } | null;
  rerunnable: boolean;
}

export interface Session {
  auth: boolean;
  user: string | null;
  csrf: string | null;
  public: boolean;
  canBrowse: boolean;
  canWrite: boolean;
  kinds: KindInfo[];
  senderTest: { hostname: string; listeners: { address: string; port: number; policy: string }[] } | null;
}

const UNKNOWN_SESSION: Session = { auth: false, user: null, csrf: null, public: false, canBrowse: true, canWrite: true, kinds: [], senderTest: null };

let session: Session | null = null;
let sessionPromise: Promise<Session> | null = null;

/** The session (cached); `force` asks again (after signing in or out). */
export function getSession(force = false): Promise<Session> {
  if (force) sessionPromise = null;
  sessionPromise ??= request<Partial<Session>>('GET', '/api/v1/session').then(
    ({ data }) => (session = normaliseSession(data)),
    () => (session = { ...UNKNOWN_SESSION }),
  );
  return sessionPromise;
}

/** The last session read, if any (synchronously: for the CSRF header). */
export const currentSession = (): Session | null => session;

function normaliseSession(d: Partial<Session>): Session {
  const kinds = Array.isArray(d.kinds)
    ? d.kinds
        .filter((k): k is KindInfo => typeof k === 'object' && k !== null && typeof k.name === 'string')
        .map((k) => ({ name: k.name, title: typeof k.title === 'string' ? k.title : k.name, upload: k.upload && typeof k.upload.maxBytes === 'number' ? { maxBytes: k.upload.maxBytes } : null, rerunnable: k.rerunnable === true }))
    : [];
  return {
    auth: d.auth === true,
    user: typeof d.user === 'string' ? d.user : null,
    csrf: typeof d.csrf === 'string' ? d.csrf : null,
    public: d.public === true,
    canBrowse: d.canBrowse !== false,
    canWrite: d.canWrite !== false,
    kinds,
    senderTest: d.senderTest && typeof d.senderTest === 'object' && typeof d.senderTest.hostname === 'string' ? { hostname: d.senderTest.hostname, listeners: Array.isArray(d.senderTest.listeners) ? d.senderTest.listeners : [] } : null,
  };
}

/** After signing in: the token for X-CSRF-Token. */
export function setCsrf(user: string, csrf: string): void {
  session = { ...(session ?? UNKNOWN_SESSION), auth: true, user, csrf };
}

function writeHeaders(contentType: string | null): Record<string, string> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (contentType) headers['Content-Type'] = contentType;
  if (session?.csrf) headers['X-CSRF-Token'] = session.csrf;
  return headers;
}

/** The server's one-line error, or a word for the status. */
function errorOf(status: number, data: unknown, retryAfter: string | null): ApiError {
  const text = data && typeof data === 'object' && typeof (data as { error?: unknown }).error === 'string' ? (data as { error: string }).error.slice(0, 500) : statusWords(status);
  const seconds = retryAfter !== null && /^\d{1,6}$/.test(retryAfter) ? Number(retryAfter) : null;
  return new ApiError(status, text, seconds);
}

function statusWords(status: number): string {
  if (status === 401) return 'sign in first';
  if (status === 403) return 'not allowed';
  if (status === 404) return 'not found';
  if (status === 413) return 'too large';
  if (status === 429) return 'too many requests: try again shortly';
  if (status >= 500) return `the server failed (HTTP ${status})`;
  return `HTTP ${status}`;
}

export interface ApiResponse<T> {
  status: number;
  data: T;
  headers: Headers;
}

/** One request; JSON body when `body` is given (POST/DELETE always carry the JSON type). Throws ApiError on 4xx/5xx. */
export async function request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, signal?: AbortSignal): Promise<ApiResponse<T>> {
  const write = method !== 'GET';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: writeHeaders(write ? 'application/json' : null),
      credentials: 'same-origin',
      ...(write ? { body: JSON.stringify(body ?? {}) } : {}),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(0, 'the server cannot be reached');
  }
  const text = await response.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) throw errorOf(response.status, data, response.headers.get('retry-after'));
  return { status: response.status, data: data as T, headers: response.headers };
}

/**
 * An upload: the file as the request body (application/octet-stream), progress reported as it is
 * sent. Resolves with the status and the parsed JSON answer; rejects with ApiError.
 */
export function upload<T>(path: string, file: Blob, onProgress: (sent: number, total: number) => void, signal?: AbortSignal, extraHeaders: Record<string, string> = {}): Promise<ApiResponse<T>> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    for (const [name, value] of Object.entries({ ...writeHeaders('application/octet-stream'), ...extraHeaders })) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener('progress', (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size));
    xhr.addEventListener('load', () => {
      let data: unknown = null;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        data = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        const headers = new Headers();
        const id = xhr.getResponseHeader('x-mxray-report-id');
        if (id) headers.set('x-mxray-report-id', id);
        resolve({ status: xhr.status, data: data as T, headers });
      } else reject(errorOf(xhr.status, data, xhr.getResponseHeader('retry-after')));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, 'the upload failed: the server cannot be reached')));
    xhr.addEventListener('abort', () => reject(new ApiError(0, 'the upload was cancelled')));
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(file);
  });
}

/** A query string from the non-empty values: "?name=a.pem&password=…" ('' when none). */
export function query(values: Record<string, string | number | boolean | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== null && v !== undefined && v !== '' && v !== false) q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : '';
}

/** The answer to POST /api/v1/jobs/:kind (202 running, or 200 finished with ?wait). */
export interface JobInfo {
  id: string;
  kind: string;
  status: string;
  target: string;
  reportId?: string | null;
  verdict?: string | null;
  error?: string | null;
}

/** An error for people: the server's line, or the exception's message. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.retryAfter ? `${error.message} (try again in ${error.retryAfter} s)` : error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
