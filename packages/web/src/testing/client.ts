// What a client of Herald uses: plain HTTP calls and feed sockets (the `ws` client).
import type { PushedPost } from '@herald/contracts';
import { eventually } from '@herald/kit/testing';
import WebSocket from 'ws';

export interface Answer {
  readonly status: number;
  readonly body: unknown;
  /** X-Herald-Position of a command's answer. */
  readonly position: string | null;
  /** Retry-After of a 429 or 503, in seconds. */
  readonly retryAfterSeconds: number | null;
}

export interface CallOptions {
  readonly token?: string;
  readonly body?: unknown;
  /** Sent as X-Herald-Position: read one's own writes. */
  readonly position?: string | null;
}

export async function call(apiUrl: string, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.position) headers['x-herald-position'] = options.position;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  const retryAfter = response.headers.get('retry-after');
  return {
    status: response.status,
    body: text === '' ? undefined : JSON.parse(text),
    position: response.headers.get('x-herald-position'),
    retryAfterSeconds: retryAfter === null ? null : Number(retryAfter),
  };
}

/**
 * A read as a careful client makes it: a 503 with Retry-After (the read models have not
 * reached X-Herald-Position yet, on a busy machine) is retried after the pause it asks
 * for, up to `patienceMs` in all.
 */
export async function readWithRetry(apiUrl: string, path: string, options: CallOptions, patienceMs = 30_000): Promise<Answer> {
  const deadline = Date.now() + patienceMs;
  for (;;) {
    const answer = await call(apiUrl, 'GET', path, options);
    if (answer.status !== 503 || answer.retryAfterSeconds === null || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, (answer.retryAfterSeconds ?? 1) * 1000));
  }
}

/** A feed socket on one notifier: every message it got, in order. */
export interface Device {
  readonly received: PushedPost[];
  /** Calls `listener` with each message as it arrives (after it is recorded). */
  onMessage(listener: (message: PushedPost) => void): void;
  /** Resolves once `count` messages have arrived; returns them. */
  waitFor(count: number, what: string): Promise<PushedPost[]>;
  close(): Promise<void>;
}

/** Opens /post/feed/posted with the token as query parameter, as a browser does. */
export async function openDevice(notifierPort: number, token: string): Promise<Device> {
  const socket = new WebSocket(`ws://127.0.0.1:${notifierPort}/post/feed/posted?token=${encodeURIComponent(token)}`);
  const received: PushedPost[] = [];
  const listeners: ((message: PushedPost) => void)[] = [];
  socket.on('message', (data) => {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- ws hands a text frame over as one Buffer (binaryType nodebuffer), never an ArrayBuffer or fragments
    const message = JSON.parse(data.toString()) as PushedPost;
    received.push(message);
    for (const listener of listeners) listener(message);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_req, res) => reject(new Error(`the notifier refused the socket: ${res.statusCode}`)));
    socket.once('error', reject);
  });
  return {
    received,
    onMessage: (listener) => void listeners.push(listener),
    waitFor: (count, what) => eventually(() => (received.length >= count ? [...received] : undefined), what, 20_000),
    async close() {
      if (socket.readyState === WebSocket.CLOSED) return;
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.close(1000);
      await closed;
    },
  };
}
