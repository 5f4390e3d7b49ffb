import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import type { Bindings } from './bindings.js';
import { everyPostKey } from './bus.js';
import { closeCodes, refusals, type Refusal } from './codes.js';
import type { Hub } from './hub.js';
import type { Transport, Peer } from './transport.js';

/** How long the process's first socket waits for the queue's binding before it is let in anyway. */
const bindWaitMs = 5_000;

export interface AdmissionOptions {
  readonly hub: Hub<Peer>;
  readonly bindings: Bindings;
  readonly transport: Transport;
  readonly wss: WebSocketServer;
  readonly isStopping: () => boolean;
}

/**
 * Completes an authenticated upgrade: a place in the hub, the queue's binding to the
 * posts exchange, then the socket. Waiting for the binding means that once a client's
 * socket is open, a post made after that moment reaches it: the post is routed to this
 * queue, and finds the peer in the hub when it is taken from it. Returns the refusal to
 * answer instead, if any.
 */
export function createAdmission({ hub, bindings, transport, wss, isStopping }: AdmissionOptions) {
  return async function admit(userId: string, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<Refusal | undefined> {
    const peer: Peer = { userId, socket: undefined, alive: true, closeTimer: undefined };
    const admitted = hub.add(userId, peer);
    // Leaving the hub follows the TCP socket, whatever ends it (handshake error, close, cut).
    if (admitted) {
      socket.on('close', () => hub.remove(peer));
      await bindings.whenBound(everyPostKey, bindWaitMs);
    }
    if (socket.destroyed) return undefined;
    if (isStopping()) {
      hub.remove(peer);
      return refusals.stopping;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      transport.attach(peer, ws);
      if (!admitted) transport.close(peer, closeCodes.tooManySockets);
    });
    return undefined;
  };
}
