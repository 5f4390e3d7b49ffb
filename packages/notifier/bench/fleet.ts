// A fleet of websocket clients in a process of its own (forked by the benchmark), so
// the clients' CPU and file descriptors are not the server's. Driven over IPC.
import { WebSocket } from 'ws';

export type FleetRequest =
  | { op: 'open'; url: string; tokens: string[]; concurrency: number }
  | { op: 'count' }
  | { op: 'latencies' }
  | { op: 'close' };

export type FleetReply =
  | { op: 'opened'; open: number; failed: number; firstError?: string }
  | { op: 'count'; received: number }
  | { op: 'latencies'; values: number[] }
  | { op: 'closed' };

const sockets: WebSocket[] = [];
let received = 0;
let latencies: number[] = [];
const now = () => performance.timeOrigin + performance.now();

function onMessage(data: unknown): void {
  received += 1;
  // End-to-end probes carry their send time: `e2e <epoch ms>`.
  const text = String(data);
  const at = text.indexOf('"postText":"e2e ');
  if (at >= 0) latencies.push(now() - Number.parseFloat(text.slice(at + 16)));
}

function openOne(url: string, token: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url}?token=${encodeURIComponent(token)}`, { perMessageDeflate: false });
    ws.on('message', onMessage);
    ws.once('open', () => {
      sockets.push(ws);
      resolve(undefined);
    });
    ws.once('unexpected-response', (_req, res) => resolve(`HTTP ${res.statusCode}`));
    ws.once('error', (error) => resolve(error.message));
  });
}

async function open(url: string, tokens: string[], concurrency: number): Promise<FleetReply> {
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < tokens.length) {
      const error = await openOne(url, tokens[next++]!);
      if (error) {
        failed += 1;
        firstError ??= error;
      }
    }
  }));
  return { op: 'opened', open: sockets.length, failed, firstError };
}

process.on('message', (request: FleetRequest) => {
  const reply = (r: FleetReply) => process.send?.(r);
  switch (request.op) {
    case 'open':
      void open(request.url, request.tokens, request.concurrency).then(reply);
      break;
    case 'count':
      reply({ op: 'count', received });
      break;
    case 'latencies':
      reply({ op: 'latencies', values: latencies });
      latencies = [];
      break;
    case 'close':
      for (const ws of sockets) ws.terminate();
      reply({ op: 'closed' });
      process.disconnect();
      break;
  }
});
