import { WebSocket } from 'ws';
import { eventually } from '@herald/kit/testing';
import { isPostFrame, pushedChangeSchema, pushedPostSchema, type PushedChange, type PushedPost } from '@herald/contracts';

export type TokenPlacement = 'bearer' | 'raw' | 'query';

export interface FeedClient {
  readonly ws: WebSocket;
  /** Every post received so far: the AsyncAPI Post message and its cursor. */
  readonly messages: PushedPost[];
  /** Every friend's edit and delete received so far (only a socket that opted in gets any). */
  readonly changes: PushedChange[];
  /** Every frame received so far, parsed, posts and control frames alike. */
  readonly frames: unknown[];
  /** Resolves with the close code and reason once the socket is closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  close(): Promise<{ code: number; reason: string }>;
}

function target(baseUrl: string, token: string | undefined, placement: TokenPlacement, path: string, extraHeaders: Record<string, string> = {}) {
  const url = new URL(path, baseUrl);
  const headers: Record<string, string> = { ...extraHeaders };
  if (token !== undefined && placement === 'query') url.searchParams.set('token', token);
  if (token !== undefined && placement === 'bearer') headers.authorization = `Bearer ${token}`;
  if (token !== undefined && placement === 'raw') headers.authorization = token;
  return { url, headers };
}

/**
 * A real ws client on the feed channel; rejects if the upgrade is refused. `since` resumes
 * from a cursor; `changes` opts in to friends' edits and deletes (`changes=1`).
 */
export function connectFeed(
  baseUrl: string, token: string, placement: TokenPlacement = 'bearer', path = '/post/feed/posted',
  { since, changes, extraHeaders }: { since?: string; changes?: boolean; extraHeaders?: Record<string, string> } = {},
): Promise<FeedClient> {
  const { url, headers } = target(baseUrl, token, placement, path, extraHeaders);
  if (since !== undefined) url.searchParams.set('since', since);
  if (changes) url.searchParams.set('changes', '1');
  const ws = new WebSocket(url, { headers, perMessageDeflate: false });
  const messages: PushedPost[] = [];
  const edits: PushedChange[] = [];
  const frames: unknown[] = [];
  ws.on('message', (data) => {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- ws hands a text frame over as one Buffer (binaryType nodebuffer), never an ArrayBuffer or fragments
    const text = String(data);
    const frame: unknown = JSON.parse(text);
    frames.push(frame);
    // A change has every field of a post and a `type`: only a frame without one is a post.
    const post = isPostFrame(text) ? pushedPostSchema.safeParse(frame) : undefined;
    if (post?.success) messages.push(post.data);
    const change = pushedChangeSchema.safeParse(frame);
    if (change.success) edits.push(change.data);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages, changes: edits, frames, closed, close: () => { ws.close(); return closed; } }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Tries an upgrade and reports the HTTP answer it got instead (status, headers and JSON body). */
export function refusedUpgrade(
  baseUrl: string,
  token: string | undefined,
  placement: TokenPlacement = 'bearer',
  path = '/post/feed/posted',
  extraHeaders?: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: { message?: string; code?: string } }> {
  const { url, headers } = target(baseUrl, token, placement, path, extraHeaders);
  const ws = new WebSocket(url, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('the upgrade was accepted'));
    });
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        ws.terminate();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text || '{}') });
      });
    });
    ws.once('error', (error) => reject(error));
  });
}

/** The client's posts once it holds at least `count` (what the wait is for names the timeout). */
export function postsReceived(client: FeedClient, count: number, what: string, timeoutMs = 30_000): Promise<PushedPost[]> {
  return eventually(() => (client.messages.length >= count ? client.messages : undefined), what, timeoutMs);
}
