import type { CheckedSession } from './auth.js';
import { closeCodes, type CloseCode } from './codes.js';
import type { Transport, Peer } from './transport.js';

/** The session a socket was opened with. */
export interface SocketSession extends CheckedSession {
  /** Kept while a socket is open on it: a notifier that missed revocations asks about it again. */
  readonly token: string;
}

interface Tracked {
  readonly session: SocketSession;
  readonly peers: Set<Peer>;
}

/** Expiries are filed in slots of this length and swept once a slot is over: at most this late, twice. */
const sweepMs = 250;
const slotOf = (time: number) => Math.ceil(time / sweepMs);

/**
 * Which open sockets belong to which session (token), so that a session's end ends
 * them: `end(key, code)` on a logout, and one timer for expiries (sessions filed by
 * the slot of time they end in). Beside the hub, not in it: the hub is about users.
 */
export class SessionSockets {
  readonly #byKey = new Map<string, Tracked>();
  readonly #keyOfPeer = new Map<Peer, string>();
  readonly #endingIn = new Map<number, Set<string>>();
  #sweptUpTo = slotOf(Date.now());
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly transport: Transport,
    /** Whether the session was revoked since it was checked (a logout heard meanwhile). */
    private readonly revokedSince: (key: string, time: number) => boolean,
  ) {}

  /** Follows a socket that just opened; ends it at once if its session ended meanwhile. */
  track(peer: Peer, session: SocketSession): void {
    if (this.revokedSince(session.key, session.checkedAt)) return this.transport.close(peer, closeCodes.sessionRevoked);
    if (session.expiresAt !== undefined && session.expiresAt <= Date.now()) return this.transport.close(peer, closeCodes.sessionExpired);
    let tracked = this.#byKey.get(session.key);
    if (!tracked) {
      tracked = { session, peers: new Set() };
      this.#byKey.set(session.key, tracked);
      if (session.expiresAt !== undefined) this.#fileExpiry(session.key, session.expiresAt);
    }
    tracked.peers.add(peer);
    this.#keyOfPeer.set(peer, session.key);
  }

  untrack(peer: Peer): void {
    const key = this.#keyOfPeer.get(peer);
    if (key === undefined) return;
    this.#keyOfPeer.delete(peer);
    const tracked = this.#byKey.get(key);
    tracked?.peers.delete(peer);
    if (tracked?.peers.size === 0) this.#byKey.delete(key);
  }

  /** Closes every socket of the session; returns how many. */
  end(key: string, code: CloseCode): number {
    const peers = this.#byKey.get(key)?.peers;
    if (!peers) return 0;
    for (const peer of peers) this.transport.close(peer, code);
    return peers.size;
  }

  /** The sessions with open sockets, to ask about again. */
  sessions(): SocketSession[] {
    return [...this.#byKey.values()].map((t) => t.session);
  }

  start(): void {
    this.#timer = setInterval(() => this.#sweep(Date.now()), sweepMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #fileExpiry(key: string, expiresAt: number): void {
    // Never filed under a slot already swept: the next sweep takes it.
    const slot = Math.max(slotOf(expiresAt), this.#sweptUpTo + 1);
    let keys = this.#endingIn.get(slot);
    if (!keys) this.#endingIn.set(slot, (keys = new Set()));
    keys.add(key);
  }

  #sweep(now: number): void {
    for (let slot = this.#sweptUpTo + 1; slot * sweepMs <= now; slot++) {
      const keys = this.#endingIn.get(slot);
      this.#endingIn.delete(slot);
      this.#sweptUpTo = slot;
      for (const key of keys ?? []) this.end(key, closeCodes.sessionExpired);
    }
  }
}
