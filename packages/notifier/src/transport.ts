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

/**
 * The heartbeat pings a socket once an interval, in this many slices of the sockets, one
 * slice a tick: pinging them all in one tick blocked the event loop for as long as the
 * writes took (10,000 sockets: several hundred ms), and every post routed meanwhile waited,
 * which was most of the end-to-end p99 at 250 posts/s (docs/scaling.md).
 */
export const heartbeatSlices = 30;

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
 * every socket once an interval, a slice at a time, and cuts those that did not answer
 * the previous ping.
 */
export class Transport {
  #heartbeat: NodeJS.Timeout | undefined;
  /** Each peer's slice, given in turn as they attach, so the slices stay even. */
  readonly #sliceOf = new WeakMap<Peer, number>();
  #attached = 0;

  constructor(
    private readonly options: TransportOptions,
    private readonly metrics: NotifierMetrics,
  ) {}

  attach(peer: Peer, socket: WebSocket): void {
    peer.socket = socket;
    peerOfSocket.set(socket, peer);
    this.#sliceOf.set(peer, this.#attached++ % heartbeatSlices);
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
    let tick = 0;
    this.#heartbeat = setInterval(() => this.#beat(peers(), tick++ % heartbeatSlices), this.options.heartbeatIntervalMs / heartbeatSlices);
  }

  stopHeartbeat(): void {
    clearInterval(this.#heartbeat);
  }

  #beat(peers: Iterable<Peer>, slice: number): void {
    for (const peer of peers) {
      if (this.#sliceOf.get(peer) !== slice) continue;
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
