import pLimit, { type LimitFunction } from 'p-limit';
import { WebSocket } from 'ws';
import { Backoff, sleep, type Logger } from '@herald/kit';
import { resumeFailures } from './codes.js';
import type { HistoryReader, Recovery } from './history.js';
import type { NotifierMetrics } from './metrics.js';
import type { Peer, Transport } from './transport.js';

export interface CatchUpOptions {
  /**
   * History reads at once. After a new queue every socket catches up together: thousands
   * of reads at once each wait behind the others in Redis, and time out.
   */
  readonly readsAtOnce: number;
  /**
   * How long a catch-up nobody asked for (every socket after a new queue) keeps trying a
   * history it cannot read, holding the socket's live posts meanwhile, before it gives up:
   * the socket has no way to learn that it missed posts.
   */
  readonly retryForMs: number;
}

/**
 * Brings a peer up to date from the notification history, then lets live posts through,
 * with no gap and no duplicate at the seam: from `run` on, live posts for the peer wait
 * in order; the history read afterwards covers everything published before them (the
 * relay writes history before it publishes); what waited is then sent if it is newer
 * than what the peer has. Catch-ups of one peer run one after another.
 */
export class CatchUp {
  readonly #running = new WeakMap<Peer, Promise<void>>();
  /** Catch-ups queued or running per peer: live posts wait until the last one ends. */
  readonly #queued = new WeakMap<Peer, number>();

  readonly #reads: LimitFunction;

  constructor(
    private readonly history: HistoryReader,
    private readonly transport: Transport,
    private readonly metrics: NotifierMetrics,
    private readonly logger: Logger,
    private readonly options: CatchUpOptions,
  ) {
    this.#reads = pLimit(options.readsAtOnce);
  }

  /**
   * Holds the peer's live posts at once, and once `after` settles (the queue bound, the
   * socket open) sends what it missed after `since` (its own cursor when omitted), then
   * what waited. `tell`: a client that asked to resume gets the control frame when its
   * gap cannot be recovered whole.
   */
  run(peer: Peer, { since, tell, after }: { since?: string; tell: boolean; after?: Promise<unknown> }): Promise<void> {
    peer.pending ??= [];
    this.#queued.set(peer, (this.#queued.get(peer) ?? 0) + 1);
    const previous = this.#running.get(peer) ?? Promise.resolve();
    const next = Promise.all([previous, after])
      .then(() => this.#catchUp(peer, since ?? peer.cursor ?? '', tell))
      .catch((error: unknown) => this.logger.error({ err: error, userId: peer.userId }, 'catching a socket up failed'))
      .finally(() => {
        const left = (this.#queued.get(peer) ?? 1) - 1;
        this.#queued.set(peer, left);
        if (left === 0) this.#release(peer);
      });
    this.#running.set(peer, next);
    return next;
  }

  async #catchUp(peer: Peer, since: string, tell: boolean): Promise<void> {
    const recovery = await this.#recover(peer, since, tell);
    if (recovery.recovered) {
      if (peer.cursor === undefined || since > peer.cursor) peer.cursor = since;
      for (const { cursor, frame } of recovery.frames) this.#sendNewer(peer, cursor, frame);
      this.metrics.resumes.inc({ outcome: 'recovered' });
    } else {
      this.metrics.resumes.inc({ outcome: recovery.reason });
      if (tell) this.transport.send(peer, JSON.stringify({ type: 'resume', recovered: false, reason: recovery.reason, message: resumeFailures[recovery.reason] }));
    }
  }

  /**
   * A client that asked (`tell`) gets one answer now: it can reload its feed. A socket
   * caught up unasked is retried while Redis does not answer, up to retryForMs.
   */
  async #recover(peer: Peer, since: string, tell: boolean): Promise<Recovery> {
    const read = () => this.#reads(() => this.history.after(peer.userId, since, { changes: peer.changes }));
    const giveUpAt = Date.now() + (tell ? 0 : this.options.retryForMs);
    const backoff = new Backoff({ firstMs: 250, maxMs: 2_000, jitter: 0.5 });
    for (;;) {
      const recovery = await read();
      if (recovery.recovered || !recovery.readFailed || Date.now() >= giveUpAt || peer.socket?.readyState !== WebSocket.OPEN) return recovery;
      this.metrics.resumes.inc({ outcome: 'retried' });
      await sleep(Math.min(backoff.next(), Math.max(0, giveUpAt - Date.now())));
    }
  }

  #release(peer: Peer): void {
    const waiting = peer.pending ?? [];
    peer.pending = undefined;
    for (const { cursor, frame } of waiting) this.#sendNewer(peer, cursor, frame);
  }

  #sendNewer(peer: Peer, cursor: string, frame: Buffer | string): void {
    if (sendNewer(this.transport, peer, cursor, frame)) this.metrics.deliveries.inc();
  }
}

/**
 * The seam's one rule: a post goes to a socket only if it is newer than the last one the
 * socket was sent (or started from), and then becomes the socket's cursor. Returns whether
 * it was written.
 */
export function sendNewer(transport: Transport, peer: Peer, cursor: string, frame: Buffer | string): boolean {
  if (peer.cursor !== undefined && cursor <= peer.cursor) return false;
  if (!transport.send(peer, frame)) return false;
  peer.cursor = cursor;
  return true;
}
