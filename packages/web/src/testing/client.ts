// What a client of Herald uses: plain HTTP calls and feed sockets (the `ws` client).
import type { PostedMessage } from '@herald/contracts';
import { eventually } from '@herald/kit/testing';
import WebSocket from 'ws';

export interface Answer {
  readonly status: number;
  readonly body: unknown;
  /** X-Herald-Position of a command's answer. */
  readonly position: string | null;
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
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), position: response.headers.get('x-herald-position') };
}

/** A feed socket on one notifier: every message it got, in order. */
export interface Device {
  readonly received: PostedMessage[];
  /** Calls `listener` with each message as it arrives (after it is recorded). */
  onMessage(listener: (message: PostedMessage) => void): void;
  /** Resolves once `count` messages have arrived; returns them. */
  waitFor(count: number, what: string): Promise<PostedMessage[]>;
  close(): Promise<void>;
}

/** Opens /post/feed/posted with the token as query parameter, as a browser does. */
export async function openDevice(notifierPort: number, token: string): Promise<Device> {
  const socket = new WebSocket(`ws://127.0.0.1:${notifierPort}/post/feed/posted?token=${encodeURIComponent(token)}`);
  const received: PostedMessage[] = [];
  const listeners: ((message: PostedMessage) => void)[] = [];
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as PostedMessage;
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
