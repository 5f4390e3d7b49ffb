// A fleet of websocket clients in a process of its own (forked by the benchmark), so
// the clients' CPU and file descriptors are not the server's. Driven over IPC. Each
// client remembers the cursor of the last post it got, so it can resume elsewhere.
import { inPool } from '@herald/kit';
import { WebSocket } from 'ws';

export type FleetRequest =
  | { op: 'open'; url: string; tokens: string[]; concurrency: number }
  | { op: 'resume'; url: string; concurrency: number }
  | { op: 'count' }
  | { op: 'probes' }
  | { op: 'close' };

/** What the probe posts did since the last `probes` request. */
export interface ProbeReport {
  /** One per first arrival of a probe at a client: its sequence number and latency (ms) from when it was due. */
  readonly arrivals: Array<[seq: number, latencyMs: number]>;
  /** Arrivals of a probe at a client that already had it (on this socket or an earlier one), by sequence number. */
  readonly duplicated: Array<[seq: number, count: number]>;
}

export type FleetReply =
  | { op: 'opened'; open: number; failed: number; firstError?: string }
  | { op: 'resumed'; open: number; failed: number; firstError?: string; latenciesMs: number[] }
  | { op: 'count'; received: number }
  | ({ op: 'probes' } & ProbeReport)
  | { op: 'closed' };

interface Client {
  readonly token: string;
  ws: WebSocket | undefined;
  cursor: string | undefined;
  readonly seen: Set<number>;
}

const clients: Client[] = [];
const clientOf = new WeakMap<WebSocket, Client>();
let received = 0;
let probes = { arrivals: [] as Array<[number, number]>, duplicated: new Map<number, number>() };
const now = () => performance.timeOrigin + performance.now();
const probeMarker = 'probe ';

/**
 * Probe posts say `probe <seq> <epoch ms when due>`; other frames are only counted.
 * Frames are parsed: those sent from the history are JSON written by PostgreSQL, with
 * other spacing than the live ones.
 */
function onMessage(this: WebSocket, data: unknown): void {
  received += 1;
  const client = clientOf.get(this);
  if (!client) return;
  const frame = JSON.parse(String(data)) as { postText?: unknown; cursor?: unknown };
  if (typeof frame.cursor === 'string') client.cursor = frame.cursor;
  if (typeof frame.postText !== 'string' || !frame.postText.startsWith(probeMarker)) return;
  const [seq, due] = frame.postText.slice(probeMarker.length).split(' ').map(Number.parseFloat) as [number, number];
  if (client.seen.has(seq)) {
    probes.duplicated.set(seq, (probes.duplicated.get(seq) ?? 0) + 1);
    return;
  }
  client.seen.add(seq);
  probes.arrivals.push([seq, now() - due]);
}

function connect(client: Client, url: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const target = new URL(url);
    target.searchParams.set('token', client.token);
    if (client.cursor) target.searchParams.set('since', client.cursor);
    const ws = new WebSocket(target, { perMessageDeflate: false });
    clientOf.set(ws, client);
    ws.on('message', onMessage);
    ws.once('open', () => {
      client.ws = ws;
      resolve(undefined);
    });
    ws.once('unexpected-response', (_req, res) => resolve(`HTTP ${res.statusCode}`));
    ws.once('error', (error) => resolve(error.message));
  });
}

/** Runs `work` over every client, `concurrency` at a time: how many failed, and the first failure's reason. */
async function each(list: readonly Client[], concurrency: number, work: (client: Client) => Promise<string | undefined>) {
  const errors = (await inPool(list.length, concurrency, (i) => work(list[i]!))).filter((error) => error !== undefined);
  return { failed: errors.length, firstError: errors[0] };
}

async function open(url: string, tokens: string[], concurrency: number): Promise<FleetReply> {
  const fresh = tokens.map((token) => ({ token, ws: undefined, cursor: undefined, seen: new Set<number>() }));
  clients.push(...fresh);
  const { failed, firstError } = await each(fresh, concurrency, (client) => connect(client, url));
  return { op: 'opened', open: clients.filter((c) => c.ws).length, failed, firstError };
}

/** Every client reconnects to `url` with its cursor; latency from the start of the storm to each socket's open. */
async function resume(url: string, concurrency: number): Promise<FleetReply> {
  const started = performance.now();
  const latenciesMs: number[] = [];
  for (const client of clients) client.ws = undefined;
  const { failed, firstError } = await each(clients, concurrency, async (client) => {
    const error = await connect(client, url);
    if (!error) latenciesMs.push(performance.now() - started);
    return error;
  });
  return { op: 'resumed', open: clients.filter((c) => c.ws).length, failed, firstError, latenciesMs };
}

process.on('message', (request: FleetRequest) => {
  const reply = (r: FleetReply) => process.send?.(r);
  switch (request.op) {
    case 'open':
      void open(request.url, request.tokens, request.concurrency).then(reply);
      break;
    case 'resume':
      void resume(request.url, request.concurrency).then(reply);
      break;
    case 'count':
      reply({ op: 'count', received });
      break;
    case 'probes':
      reply({ op: 'probes', arrivals: probes.arrivals, duplicated: [...probes.duplicated] });
      probes = { arrivals: [], duplicated: new Map() };
      break;
    case 'close':
      for (const client of clients) client.ws?.terminate();
      reply({ op: 'closed' });
      process.disconnect();
      break;
  }
});
