/** Told when a user's first local socket arrives and when the last one leaves. */
export interface Membership {
  first(userId: string): void;
  last(userId: string): void;
}

/**
 * Which local sockets belong to which user: two maps kept in step. It owns only the
 * membership; sockets are opaque here, and what "first" and "last" mean for RabbitMQ
 * is the Membership's business. Everything here is synchronous, so two sockets of
 * one user connecting or leaving together can never skew the count.
 */
export class Hub<Peer> {
  readonly #peersByUser = new Map<string, Set<Peer>>();
  readonly #userByPeer = new Map<Peer, string>();

  constructor(
    private readonly maxPeersPerUser: number,
    private readonly membership: Membership,
  ) {}

  /** Adds a peer, or returns false when its user already holds the most it may. */
  add(userId: string, peer: Peer): boolean {
    if (this.#userByPeer.has(peer)) throw new Error('peer added twice');
    const peers = this.#peersByUser.get(userId);
    if (peers && peers.size >= this.maxPeersPerUser) return false;
    this.#userByPeer.set(peer, userId);
    if (peers) {
      peers.add(peer);
      return true;
    }
    this.#peersByUser.set(userId, new Set([peer]));
    this.membership.first(userId);
    return true;
  }

  /** Removes a peer; removing one that is not (or no longer) here does nothing. */
  remove(peer: Peer): void {
    const userId = this.#userByPeer.get(peer);
    if (userId === undefined) return;
    this.#userByPeer.delete(peer);
    const peers = this.#peersByUser.get(userId);
    if (!peers) throw new Error(`hub maps out of step for user ${userId}`);
    peers.delete(peer);
    if (peers.size > 0) return;
    this.#peersByUser.delete(userId);
    this.membership.last(userId);
  }

  peersOf(userId: string): ReadonlySet<Peer> | undefined {
    return this.#peersByUser.get(userId);
  }

  peers(): IterableIterator<Peer> {
    return this.#userByPeer.keys();
  }

  get userCount(): number {
    return this.#peersByUser.size;
  }

  get peerCount(): number {
    return this.#userByPeer.size;
  }
}
