import { WebSocket } from 'ws';
import { closeCodes, type CloseCode } from './codes.js';
import type { NotifierMetrics } from './metrics.js';

/** One client connection of one user; `socket` is set once the upgrade completes. */
export interface Peer {
  readonly userId: string;
  /** Opted in (`changes=1`): also sent friends' edits and deletes, not only their new posts. */
  readonly changes: boolean;
  socket: WebSocket | undefined;
  /** The cursor of the last post this peer was sent (or its starting point): nothing at or before it is sent again. */
  cursor: string | undefined;
  /** While the peer catches up from history, live posts wait here (cursor and frame), in order. */
  pending: Array<{ readonly cursor: string; readonly frame: Buffer }> | undefined;
  /** Answered the last ping (or has not been pinged yet). */
  alive: boolean;
  closeTimer: NodeJS.Timeout | undefined;
}

export interface TransportOptions {
  readonly sendBufferLimitBytes: number;
  readonly closeGraceMs: number;
  readonly heartbeatIntervalMs: number;
}

const peerOfSocket = new WeakMap<WebSocket, Peer>();

// Shared handlers, so an idle socket carries no closures of its own.
function onPong(this: WebSocket): void {
  const peer = peerOfSocket.get(this);
  if (peer) peer.alive = true;
}

function onClosed(this: WebSocket): void {
  const peer = peerOfSocket.get(this);
  if (peer) clearTimeout(peer.closeTimer);
}

function onSocketError(): void {
  // A reset or a protocol error from the client; `ws` closes the socket and 'close' follows.
}

/**
 * Sending and closing over `ws`, and nothing else: a send that would push a socket's
 * queue past its bound closes that socket instead of growing memory, a close that the
 * client does not complete is cut after a grace period, and one heartbeat timer pings
 * every socket and cuts those that did not answer the previous ping.
 */
export class Transport {
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: TransportOptions,
    private readonly metrics: NotifierMetrics,
  ) {}

  attach(peer: Peer, socket: WebSocket): void {
    peer.socket = socket;
    peerOfSocket.set(socket, peer);
    socket.on('pong', onPong);
    socket.on('error', onSocketError);
    socket.on('close', onClosed);
  }

  /** Writes one encoded frame; returns false when the peer could not take it. */
  send(peer: Peer, frame: Buffer | string): boolean {
    const socket = peer.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    if (socket.bufferedAmount + Buffer.byteLength(frame) > this.options.sendBufferLimitBytes) {
      this.metrics.drops.inc({ reason: 'send_buffer_full' });
      this.close(peer, closeCodes.sendBufferFull);
      return false;
    }
    socket.send(frame, { binary: false, compress: false });
    return true;
  }

  close(peer: Peer, close: CloseCode): void {
    const socket = peer.socket;
    if (!socket || socket.readyState === WebSocket.CLOSING || socket.readyState === WebSocket.CLOSED) return;
    this.metrics.closes.inc({ code: close.code });
    socket.close(close.code, close.reason);
    // The close frame waits behind whatever is queued; a client that does not read never gets it.
    peer.closeTimer = setTimeout(() => socket.terminate(), this.options.closeGraceMs);
  }

  startHeartbeat(peers: () => Iterable<Peer>): void {
    this.#heartbeat = setInterval(() => this.#beat(peers()), this.options.heartbeatIntervalMs);
  }

  stopHeartbeat(): void {
    clearInterval(this.#heartbeat);
  }

  #beat(peers: Iterable<Peer>): void {
    for (const peer of peers) {
      const socket = peer.socket;
      if (!socket || socket.readyState !== WebSocket.OPEN) continue;
      if (!peer.alive) {
        this.metrics.closes.inc({ code: 'heartbeat_timeout' });
        socket.terminate();
        continue;
      }
      peer.alive = false;
      socket.ping();
    }
  }
}
