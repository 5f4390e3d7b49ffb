// The HTTP client of Herald's tests and benchmarks: one real request with fetch, its
// answer as a test reads it.

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  /** The parsed JSON body, the raw text when it is not JSON, undefined when empty. */
  readonly body: any;
}

export interface CallOptions {
  /** A body sent as JSON. */
  readonly json?: unknown;
  /** A raw body, sent as is (with `contentType`). */
  readonly raw?: string | Uint8Array;
  readonly contentType?: string;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  readonly headers?: Record<string, string>;
}

/** One real HTTP request; any status is an answer. */
export async function call(baseUrl: string, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | Uint8Array | undefined;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] = 'application/json';
  } else if (options.raw !== undefined) {
    body = options.raw;
    if (options.contentType) headers['content-type'] = options.contentType;
  }
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** A request a set-up step relies on: an answer other than 2xx throws, naming the status and the body. */
export async function callOk(baseUrl: string, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const answer = await call(baseUrl, method, path, options);
  if (answer.status < 200 || answer.status > 299) {
    throw new Error(`${method} ${path} answered ${answer.status}: ${typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body)}`);
  }
  return answer;
}
