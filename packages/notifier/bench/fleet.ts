// A fleet of websocket clients in a process of its own (forked by the benchmark), so
// the clients' CPU and file descriptors are not the server's. Driven over IPC.
import { WebSocket } from 'ws';

export type FleetRequest =
  | { op: 'open'; url: string; tokens: string[]; concurrency: number }
  | { op: 'count' }
  | { op: 'probes' }
  | { op: 'close' };

/** What the probe posts did since the last `probes` request. */
export interface ProbeReport {
  /** One per first arrival of a probe at a socket: its sequence number and latency (ms) from when it was due. */
  readonly arrivals: Array<[seq: number, latencyMs: number]>;
  /** Arrivals of a probe at a socket that already had it, by sequence number. */
  readonly duplicated: Array<[seq: number, count: number]>;
}

export type FleetReply =
  | { op: 'opened'; open: number; failed: number; firstError?: string }
  | { op: 'count'; received: number }
  | ({ op: 'probes' } & ProbeReport)
  | { op: 'closed' };

const sockets: WebSocket[] = [];
let received = 0;
let probes = { arrivals: [] as Array<[number, number]>, duplicated: new Map<number, number>() };
const seenBySocket = new WeakMap<WebSocket, Set<number>>();
const now = () => performance.timeOrigin + performance.now();
const probeMarker = '"postText":"probe ';

/** Probe posts say `probe <seq> <epoch ms when due>`; other frames are only counted. */
function onMessage(this: WebSocket, data: unknown): void {
  received += 1;
  const text = String(data);
  const at = text.indexOf(probeMarker);
  if (at < 0) return;
  const [seq, due] = text.slice(at + probeMarker.length).split(' ').map(Number.parseFloat) as [number, number];
  let seen = seenBySocket.get(this);
  if (!seen) seenBySocket.set(this, (seen = new Set()));
  if (seen.has(seq)) {
    probes.duplicated.set(seq, (probes.duplicated.get(seq) ?? 0) + 1);
    return;
  }
  seen.add(seq);
  probes.arrivals.push([seq, now() - due]);
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
    case 'probes':
      reply({ op: 'probes', arrivals: probes.arrivals, duplicated: [...probes.duplicated] });
      probes = { arrivals: [], duplicated: new Map() };
      break;
    case 'close':
      for (const ws of sockets) ws.terminate();
      reply({ op: 'closed' });
      process.disconnect();
      break;
  }
});
