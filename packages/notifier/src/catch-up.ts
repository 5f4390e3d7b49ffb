import type { Logger } from '@herald/kit';
import { resumeFailures } from './codes.js';
import type { HistoryReader } from './history.js';
import type { NotifierMetrics } from './metrics.js';
import type { Peer, Transport } from './transport.js';

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

  constructor(
    private readonly history: HistoryReader,
    private readonly transport: Transport,
    private readonly metrics: NotifierMetrics,
    private readonly logger: Logger,
  ) {}

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
    const recovery = await this.history.after(peer.userId, since, { changes: peer.changes });
    if (recovery.recovered) {
      if (peer.cursor === undefined || since > peer.cursor) peer.cursor = since;
      for (const { cursor, frame } of recovery.frames) this.#sendNewer(peer, cursor, frame);
      this.metrics.resumes.inc({ outcome: 'recovered' });
    } else {
      this.metrics.resumes.inc({ outcome: recovery.reason });
      if (tell) this.transport.send(peer, JSON.stringify({ type: 'resume', recovered: false, reason: recovery.reason, message: resumeFailures[recovery.reason] }));
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
