import type { CheckedSession, TokenValidator } from './auth.js';
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

/** Sessions asked about at once in a recheck. */
const recheckConcurrency = 8;

/**
 * Which open sockets belong to which session (token), so that a session's end ends
 * them: `revoke(key)` on a logout (4001), one timer for expiries (4002; sessions filed
 * by the slot of time they end in), and `recheckAll` after revocations may have gone
 * unheard. Beside the hub, not in it: the hub is about users.
 */
export class SessionSockets {
  readonly #byKey = new Map<string, Tracked>();
  readonly #keyOfPeer = new Map<Peer, string>();
  readonly #endingIn = new Map<number, Set<string>>();
  #sweptUpTo = slotOf(Date.now());
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly auth: TokenValidator,
  ) {}

  /** Follows a socket that just opened; ends it at once if its session ended meanwhile. */
  track(peer: Peer, session: SocketSession): void {
    if (this.auth.revokedSince(session.key, session.checkedAt)) return this.transport.close(peer, closeCodes.sessionRevoked);
    if (session.expiresAt !== undefined && session.expiresAt <= Date.now()) return this.transport.close(peer, closeCodes.sessionExpired);
    let tracked = this.#byKey.get(session.key);
    if (!tracked) {
      tracked = { session, peers: new Set() };
      this.#byKey.set(session.key, tracked);
      if (session.expiresAt !== undefined) this.#fileExpiry(session.key, session.expiresAt);
    }
    tracked.peers.add(peer);
    this.#keyOfPeer.set(peer, session.key);
    // An answer from before revocations were heard again: ask once more.
    if (this.auth.mayHaveMissedRevocation(session)) void this.#recheck(session);
  }

  untrack(peer: Peer): void {
    const key = this.#keyOfPeer.get(peer);
    if (key === undefined) return;
    this.#keyOfPeer.delete(peer);
    const tracked = this.#byKey.get(key);
    tracked?.peers.delete(peer);
    if (tracked?.peers.size === 0) this.#byKey.delete(key);
  }

  /** A logout: the token is forgotten and each of its sockets closed with 4001. */
  revoke(key: string): void {
    this.auth.revoke(key);
    this.#end(key, closeCodes.sessionRevoked);
  }

  /** Asks about every session with open sockets again (8 at a time), ending those that ended; stops when `current()` turns false. */
  async recheckAll(current: () => boolean): Promise<void> {
    const pending = [...this.#byKey.values()].map((t) => t.session);
    const worker = async () => {
      for (let session = pending.pop(); session && current(); session = pending.pop()) await this.#recheck(session);
    };
    await Promise.all(Array.from({ length: Math.min(recheckConcurrency, pending.length) }, worker));
  }

  start(): void {
    this.#timer = setInterval(() => this.#sweep(Date.now()), sweepMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #recheck(session: SocketSession): Promise<void> {
    const verdict = await this.auth.validate(session.token, { fresh: true });
    if (verdict.kind === 'unauthenticated') this.revoke(session.key);
  }

  #end(key: string, code: CloseCode): void {
    for (const peer of this.#byKey.get(key)?.peers ?? []) this.transport.close(peer, code);
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
      for (const key of keys ?? []) this.#end(key, closeCodes.sessionExpired);
    }
  }
}
