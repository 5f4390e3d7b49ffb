import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import type { Bindings } from './bindings.js';
import { closeCodes, refusals, type Refusal } from './codes.js';
import type { Hub } from './hub.js';
import type { SessionSockets, SocketSession } from './sessionSockets.js';
import type { Transport, Peer } from './transport.js';

/** How long a user's first socket waits for its binding before it is let in anyway. */
const bindWaitMs = 5_000;

export interface AdmissionOptions {
  readonly hub: Hub<Peer>;
  readonly bindings: Bindings;
  readonly transport: Transport;
  readonly wss: WebSocketServer;
  readonly sessions: SessionSockets;
  readonly isStopping: () => boolean;
}

/**
 * Completes an authenticated upgrade: a place in the hub, the user's binding, then the
 * socket. Waiting for the binding means that once a client's socket is open, a post
 * made after that moment reaches it. Returns the refusal to answer instead, if any.
 */
export function createAdmission({ hub, bindings, transport, wss, sessions, isStopping }: AdmissionOptions) {
  return async function admit(session: SocketSession, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<Refusal | undefined> {
    const { userId } = session;
    const peer: Peer = { userId, socket: undefined, alive: true, closeTimer: undefined };
    const admitted = hub.add(userId, peer);
    // Leaving the hub follows the TCP socket, whatever ends it (handshake error, close, cut).
    if (admitted) {
      socket.on('close', () => {
        hub.remove(peer);
        sessions.untrack(peer);
      });
      await bindings.whenBound(userId, bindWaitMs);
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
    });
    return undefined;
  };
}
