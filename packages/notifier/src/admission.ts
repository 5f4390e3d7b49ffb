import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import type { Bindings } from './bindings.js';
import { everyPostKey } from './bus.js';
import type { CatchUp } from './catch-up.js';
import { closeCodes, refusals, type Refusal } from './codes.js';
import type { HistoryReader } from './history.js';
import type { Hub } from './hub.js';
import type { SessionSockets, SocketSession } from './session-sockets.js';
import type { Transport, Peer } from './transport.js';

/** How long the process's first socket waits for the queue's binding before it is let in anyway. */
const bindWaitMs = 5_000;

export interface AdmissionOptions {
  readonly hub: Hub<Peer>;
  readonly bindings: Bindings;
  readonly transport: Transport;
  readonly wss: WebSocketServer;
  readonly catchUp: CatchUp;
  readonly history: HistoryReader;
  readonly lastSeen: () => string | undefined;
  readonly sessions: SessionSockets;
  readonly isStopping: () => boolean;
}

/** What a client asked of its feed socket, besides being let in. */
export interface FeedRequest {
  /** The cursor it resumes from: `since` in the query, or the `X-Herald-Since` header. */
  readonly since: string | undefined;
  /** `changes=1`: friends' edits and deletes too. OTUS clients send nothing and get new posts only. */
  readonly changes: boolean;
}

const changesValues: ReadonlyMap<string, boolean> = new Map([['1', true], ['true', true], ['0', false], ['false', false]]);

/** The client's request, or the refusal for one it got wrong. */
export function feedRequestOf(req: IncomingMessage, url: URL): FeedRequest | Refusal {
  const header = req.headers['x-herald-since'];
  const since = url.searchParams.get('since') ?? (typeof header === 'string' ? header : undefined);
  const asked = url.searchParams.get('changes');
  const changes = asked === null ? false : changesValues.get(asked.toLowerCase());
  return changes === undefined ? refusals.badChanges : { since, changes };
}

/**
 * Completes an authenticated upgrade: a place in the hub, the queue's binding to the
 * posts exchange, then the socket. Waiting for the binding means that once a client's
 * socket is open, a post made after that moment reaches it: the post is routed to this
 * queue, and finds the peer in the hub when it is taken from it. A client that sends
 * `since` first gets what it missed (see CatchUp), its live posts held from the moment it
 * joins the hub. Returns the refusal to answer instead, if any.
 */
export function createAdmission({ hub, bindings, transport, wss, catchUp, history, lastSeen, sessions, isStopping }: AdmissionOptions) {
  return async function admit(session: SocketSession, req: IncomingMessage, socket: Duplex, head: Buffer, { since, changes }: FeedRequest): Promise<Refusal | undefined> {
    const { userId } = session;
    const peer: Peer = { userId, changes, socket: undefined, alive: true, closeTimer: undefined, cursor: undefined, pending: undefined };
    const admitted = hub.add(userId, peer);
    let opened: () => void = () => undefined;
    const open = new Promise<void>((resolve) => (opened = resolve));
    // Leaving the hub follows the TCP socket, whatever ends it (handshake error, close, cut).
    socket.on('close', () => {
      hub.remove(peer);
      sessions.untrack(peer);
      opened();
    });
    if (admitted) {
      if (since !== undefined) void catchUp.run(peer, { since, tell: true, after: open });
      await bindings.whenBound(everyPostKey, bindWaitMs);
      // Without `since`, the live stream starts here: what this process has taken from the bus is before it.
      if (since === undefined) peer.cursor = lastSeen() ?? await history.newest(userId);
    }
    if (socket.destroyed) return undefined;
    if (isStopping()) {
      hub.remove(peer);
      return refusals.stopping;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      transport.attach(peer, ws);
      // Ended with its session from now on (or at once, should it have ended meanwhile).
      if (admitted) sessions.track(peer, session);
      else transport.close(peer, closeCodes.tooManySockets);
      opened();
    });
    return undefined;
  };
}
