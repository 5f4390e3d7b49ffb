// A live feed in a terminal: opens /post/feed/posted with a login token, as the web page
// does, and prints each post that arrives as one JSON line. The README's first session
// uses it: node --import tsx packages/notifier/src/cli/listen.ts --token "$TOKEN" --count 1
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const usage = `usage: listen.ts --token <login token> [--api <command API url>] [--url <ws url>] [--count <n>] [--timeout <seconds>]

Prints "connected" on stderr once the socket is open, then each post of a friend as
one JSON line on stdout: {"postId", "postText", "author_user_id"}. Exits 0 after
--count posts (default: never), 1 when the socket is refused, closed or --timeout
(default 60 s) passes first. The notifier's address is --url, else the one the command
API at --api (default http://localhost:8080) gives its web page (/web/config.json).`;

function fail(message: string): never {
  console.error(`listen: ${message}`);
  process.exit(1);
}

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a whole number of at least 1, not "${value}"`);
  return n;
}

/** Where the web page of that command API opens its live feed. */
async function notifierUrl(api: string): Promise<string> {
  const answer = await fetch(new URL('/web/config.json', api)).catch((error: unknown) => fail(`cannot reach the command API at ${api}: ${String(error)}`));
  if (!answer.ok) fail(`${api}/web/config.json answered ${answer.status}`);
  const config = (await answer.json()) as { notifierUrl: string | null; defaultNotifierPort: number };
  return config.notifierUrl ?? `ws://${new URL(api).hostname}:${config.defaultNotifierPort}/post/feed/posted`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      token: { type: 'string' }, api: { type: 'string' }, url: { type: 'string' },
      count: { type: 'string' }, timeout: { type: 'string' }, help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  if (!values.token) fail(`--token is required\n${usage}`);
  const count = values.count === undefined ? Infinity : positive('count', values.count, 1);
  const timeoutSeconds = positive('timeout', values.timeout, 60);
  const url = new URL(values.url ?? (await notifierUrl(values.api ?? 'http://localhost:8080')));
  url.searchParams.set('token', values.token);

  const socket = new WebSocket(url);
  let received = 0;
  const timer = setTimeout(() => fail(`${received} of ${count} posts within ${timeoutSeconds} s`), timeoutSeconds * 1000);
  socket.on('open', () => console.error('connected'));
  socket.on('unexpected-response', (_request, response) => fail(`the notifier refused the socket: ${response.statusCode} (is the token right?)`));
  socket.on('error', (error) => fail(`cannot reach the notifier at ${url.origin}: ${error.message}`));
  socket.on('close', (code) => {
    if (received < count) fail(`the notifier closed the socket (${code})`);
  });
  socket.on('message', (data) => {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- ws hands a text frame over as one Buffer (binaryType nodebuffer), never an ArrayBuffer or fragments
    console.log(data.toString());
    received += 1;
    if (received >= count) {
      clearTimeout(timer);
      socket.close(1000);
    }
  });
}

await main();
