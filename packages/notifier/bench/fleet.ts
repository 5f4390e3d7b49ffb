// A fleet of websocket clients in a process of its own (forked by the benchmark), so
// the clients' CPU and file descriptors are not the server's. Driven over IPC. Each
// client remembers the cursor of the last post it got, so it can resume elsewhere; opened
// with a list of URLs, a client whose socket the server closes or drops reconnects by
// itself with that cursor, to the next URL of the list, as Herald's page does.
import { setTimeout as sleep } from 'node:timers/promises';
import { inPool } from '@herald/kit';
import { WebSocket } from 'ws';

export type FleetRequest =
  | { op: 'open'; url: string; tokens: string[]; concurrency: number; reconnectTo?: string[] }
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
  | { op: 'count'; received: number; open: number; reconnects: number }
  | ({ op: 'probes' } & ProbeReport)
  | { op: 'closed' };

interface Client {
  readonly token: string;
  ws: WebSocket | undefined;
  cursor: string | undefined;
  readonly seen: Set<number>;
  /** Where it reconnects, in turn, when its socket ends; none: it stays closed. */
  readonly reconnectTo: readonly string[];
  /** The index in `reconnectTo` it last connected to. */
  at: number;
}

const clients: Client[] = [];
const clientOf = new WeakMap<WebSocket, Client>();
let received = 0;
let reconnects = 0;
let closing = false;
let probes = { arrivals: [] as Array<[number, number]>, duplicated: new Map<number, number>() };
const now = () => performance.timeOrigin + performance.now();
const probeMarker = 'probe ';

/**
 * Probe posts say `probe <seq> <epoch ms when due>`; other frames are only counted.
 * The two fields are picked out of the text rather than parsing each frame: the clients
 * share the measured machine, and a parse per frame was a third of their time. Allowing
 * any spacing around the colon: frames sent from the history are JSON written by
 * PostgreSQL, spaced otherwise than the live ones. Cursors and probe texts hold no
 * character JSON escapes.
 */
const cursorField = /"cursor"\s*:\s*"([^"]*)"/;
const probeField = new RegExp(`"postText"\\s*:\\s*"${probeMarker}(\\d+) ([\\d.]+)"`);

function onMessage(this: WebSocket, data: unknown): void {
  received += 1;
  const client = clientOf.get(this);
  if (!client) return;
  const frame = String(data);
  const cursor = cursorField.exec(frame)?.[1];
  if (cursor !== undefined) client.cursor = cursor;
  const probe = probeField.exec(frame);
  if (!probe) return;
  const [seq, due] = [Number(probe[1]), Number(probe[2])];
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
      ws.once('close', () => onClosed(client, ws));
      resolve(undefined);
    });
    ws.once('unexpected-response', (_req, res) => resolve(`HTTP ${res.statusCode}`));
    ws.once('error', (error) => resolve(error.message));
  });
}

/** A socket the server closed or lost: its client reconnects, with its cursor, to the next URL it knows. */
function onClosed(client: Client, ws: WebSocket): void {
  if (client.ws !== ws || closing || client.reconnectTo.length === 0) return;
  client.ws = undefined;
  reconnects += 1;
  void reconnect(client);
}

async function reconnect(client: Client): Promise<void> {
  // Spread out, as real clients are: a whole notifier's clients come back at once.
  await sleep(Math.random() * 250);
  for (let backoffMs = 100; !closing; backoffMs = Math.min(2_000, backoffMs * 2)) {
    client.at = (client.at + 1) % client.reconnectTo.length;
    if (!(await connect(client, client.reconnectTo[client.at]!))) return;
    await sleep(backoffMs * (0.5 + Math.random()));
  }
}

/** Runs `work` over every client, `concurrency` at a time: how many failed, and the first failure's reason. */
async function each(list: readonly Client[], concurrency: number, work: (client: Client) => Promise<string | undefined>) {
  const errors = (await inPool(list.length, concurrency, (i) => work(list[i]!))).filter((error) => error !== undefined);
  return { failed: errors.length, firstError: errors[0] };
}

async function open(url: string, tokens: string[], concurrency: number, reconnectTo: string[] = []): Promise<FleetReply> {
  const at = Math.max(0, reconnectTo.indexOf(url));
  const fresh = tokens.map((token) => ({ token, ws: undefined, cursor: undefined, seen: new Set<number>(), reconnectTo, at }));
  clients.push(...fresh);
  const { failed, firstError } = await each(fresh, concurrency, async (client) => {
    const error = await connect(client, url);
    // A client that knows where to reconnect keeps trying, as it does after losing its socket.
    if (error && client.reconnectTo.length > 0) void reconnect(client);
    return error;
  });
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
      void open(request.url, request.tokens, request.concurrency, request.reconnectTo).then(reply);
      break;
    case 'resume':
      void resume(request.url, request.concurrency).then(reply);
      break;
    case 'count':
      reply({ op: 'count', received, open: clients.filter((c) => c.ws?.readyState === WebSocket.OPEN).length, reconnects });
      break;
    case 'probes':
      reply({ op: 'probes', arrivals: probes.arrivals, duplicated: [...probes.duplicated] });
      probes = { arrivals: [], duplicated: new Map() };
      break;
    case 'close':
      closing = true;
      for (const client of clients) client.ws?.terminate();
      reply({ op: 'closed' });
      process.disconnect();
      break;
  }
});
