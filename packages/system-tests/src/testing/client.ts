// What a client of Herald uses: plain HTTP calls and feed sockets (the `ws` client).
import type { PushedPost } from '@herald/contracts';
import { sleep } from '@herald/kit';
import { call, eventually, type Answer } from '@herald/kit/testing';
import WebSocket from 'ws';

const positionHeader = 'x-herald-position';

/** X-Herald-Position of a command's answer: send it back to read one's own writes. */
export function positionOf(answer: Answer): string | null {
  return answer.headers.get(positionHeader);
}

export interface ReadOptions {
  readonly token?: string;
  /** Sent as X-Herald-Position: read one's own writes. */
  readonly position?: string | null;
}

/**
 * A read as a careful client makes it: a 503 with Retry-After (the read models have not
 * reached X-Herald-Position yet, on a busy machine) is retried after the pause it asks
 * for, up to `patienceMs` in all.
 */
export async function readWithRetry(apiUrl: string, path: string, options: ReadOptions, patienceMs = 30_000): Promise<Answer> {
  const deadline = Date.now() + patienceMs;
  const headers: Record<string, string> = options.position ? { [positionHeader]: options.position } : {};
  for (;;) {
    const answer = await call(apiUrl, 'GET', path, { headers, token: options.token });
    const retryAfter = answer.headers.get('retry-after');
    if (answer.status !== 503 || retryAfter === null || Date.now() > deadline) return answer;
    await sleep(Number(retryAfter) * 1000);
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
