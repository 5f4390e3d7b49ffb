import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ClientError, createChannel, createClient, Status, type Channel } from 'nice-grpc';
import { AuthServiceDefinition, type AuthServiceClient } from '@herald/contracts/grpc';

/** A live session, as the auth service described it. */
export interface CheckedSession {
  readonly userId: string;
  /** sha256(token) in hex: how Redis, revocations and the caches name the token. */
  readonly key: string;
  /** When the auth service was asked (Date.now()): a revocation after this is not in the answer. */
  readonly checkedAt: number;
  /** When the session ends (Date.now() scale), when the auth service said. */
  readonly expiresAt: number | undefined;
  /** Which period of hearing (or not hearing) revocations the answer was asked in (see `trustCache`). */
  readonly epoch: number;
}

/** What the auth service said about a token; `unknown` when it was not asked (`mayAsk: false`) and nothing was cached. */
export type Verdict =
  | ({ readonly kind: 'user' } & CheckedSession)
  | { readonly kind: 'unauthenticated' }
  | { readonly kind: 'unavailable'; readonly cause: unknown }
  | { readonly kind: 'unknown' };

export interface ValidateOptions {
  /** False: answer from the caches only (`unknown` otherwise). */
  readonly mayAsk?: boolean;
  /** True: ask the auth service afresh, past the caches and calls in flight. */
  readonly fresh?: boolean;
}

export interface AuthOptions {
  readonly address: string;
  readonly deadlineMs: number;
  /** How long a good answer is reused; 0 asks the auth service every time. */
  readonly cacheTtlMs: number;
  readonly cacheMaxEntries: number;
  /** How long a refusal is reused; 0 asks every time. */
  readonly refusalCacheTtlMs: number;
}

/**
 * The token of an upgrade request: `Authorization: Bearer <token>`, the raw token in
 * that header, or the `token` query parameter (browsers cannot set headers).
 */
export function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers.authorization?.trim();
  if (header) {
    const bearer = /^bearer\s+(\S+)$/i.exec(header);
    return bearer?.[1] ?? (/\s/.test(header) ? undefined : header);
  }
  const query = url.searchParams.get('token')?.trim();
  return query || undefined;
}

/** Statuses that mean "this token is no good", as opposed to "could not ask". */
const refusedStatuses = new Set([Status.UNAUTHENTICATED, Status.INVALID_ARGUMENT, Status.PERMISSION_DENIED, Status.NOT_FOUND]);

interface Cached {
  readonly session: CheckedSession;
  readonly until: number;
}

/** How long a revocation is remembered: longer than any check and admission can take. */
const revocationMemoryMs = 60_000;

const keyOf = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * `AuthService.ValidateToken` over nice-grpc, each call bounded by a deadline. Good
 * answers are kept for a short while (keyed by the token's hash, never the token) so
 * a reconnect storm does not become an auth storm, but only while `trustCache(true)`
 * says revocations are being heard, and never past the session's expiry; `revoke`
 * forgets a token at once. Refusals are kept briefly too (a refused token never
 * turns good). Concurrent checks of one token share one call.
 */
export class TokenValidator {
  readonly #channel: Channel;
  readonly #client: AuthServiceClient;
  readonly #cache = new Map<string, Cached>();
  readonly #refused = new Map<string, { readonly until: number }>();
  readonly #revokedAt = new Map<string, number>();
  readonly #inFlight = new Map<string, Promise<Verdict>>();
  #trusted = false;
  /** Changes whenever `#trusted` does: an answer from an earlier epoch may have missed a revocation. */
  #epoch = 0;

  constructor(private readonly options: AuthOptions) {
    this.#channel = createChannel(options.address);
    this.#client = createClient(AuthServiceDefinition, this.#channel);
  }

  validate(token: string, { mayAsk = true, fresh = false }: ValidateOptions = {}): Promise<Verdict> {
    const key = keyOf(token);
    if (fresh) return this.#ask(token, key);
    const now = Date.now();
    const cached = this.#cache.get(key);
    if (cached && cached.until > now) return Promise.resolve({ kind: 'user', ...cached.session });
    if (cached) this.#cache.delete(key);
    if ((this.#refused.get(key)?.until ?? 0) > now) return Promise.resolve({ kind: 'unauthenticated' });
    const running = this.#inFlight.get(key);
    if (running) return running;
    if (!mayAsk) return Promise.resolve({ kind: 'unknown' });
    const call = this.#ask(token, key).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, call);
    return call;
  }

  /** A logout: the token's good answer is forgotten, and one in flight will not count. */
  revoke(key: string): void {
    this.#cache.delete(key);
    const now = Date.now();
    for (const [oldKey, at] of this.#revokedAt) {
      if (at > now - revocationMemoryMs) break;
      this.#revokedAt.delete(oldKey);
    }
    this.#revokedAt.delete(key);
    this.#revokedAt.set(key, now);
  }

  /** Whether the token was revoked at or after `time` (so an answer asked for then is stale). */
  revokedSince(key: string, time: number): boolean {
    return (this.#revokedAt.get(key) ?? -Infinity) >= time;
  }

  /** Good answers are reused only while revocations are heard; losing them forgets every one. */
  trustCache(trusted: boolean): void {
    if (trusted === this.#trusted) return;
    this.#trusted = trusted;
    this.#epoch += 1;
    this.#cache.clear();
  }

  /**
   * Whether a revocation of this session may have gone unheard: revocations are heard
   * now, but the answer was asked for before they were (across a gap). While they are
   * not heard, the recheck that follows covers every open socket.
   */
  mayHaveMissedRevocation(session: CheckedSession): boolean {
    return this.#trusted && session.epoch !== this.#epoch;
  }

  close(): void {
    this.#channel.close();
  }

  async #ask(token: string, key: string): Promise<Verdict> {
    // A deadline of our own rather than AbortSignal.timeout(): its timer would keep the
    // finished call reachable until it fires, and in a connection burst that is garbage
    // promoted to the old generation (RSS) for every connection.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.options.deadlineMs);
    const checkedAt = Date.now();
    const epoch = this.#epoch;
    const trusted = this.#trusted;
    try {
      const { userId, expiresInMs } = await this.#client.validateToken({ token }, { signal: deadline.signal });
      if (!userId || this.revokedSince(key, checkedAt)) return this.#refuse(key);
      const session: CheckedSession = { userId, key, checkedAt, expiresAt: expiresInMs > 0 ? checkedAt + expiresInMs : undefined, epoch };
      // Heard for the whole call: a gap meanwhile may have hidden this token's revocation.
      if (trusted && epoch === this.#epoch) this.#remember(session);
      return { kind: 'user', ...session };
    } catch (error) {
      if (error instanceof ClientError && refusedStatuses.has(error.code)) return this.#refuse(key);
      return { kind: 'unavailable', cause: error };
    } finally {
      clearTimeout(timer);
    }
  }

  #refuse(key: string): Verdict {
    if (this.options.refusalCacheTtlMs > 0) remember(this.#refused, key, { until: Date.now() + this.options.refusalCacheTtlMs }, this.options.cacheMaxEntries);
    return { kind: 'unauthenticated' };
  }

  #remember(session: CheckedSession): void {
    if (this.options.cacheTtlMs <= 0) return;
    const until = Math.min(Date.now() + this.options.cacheTtlMs, session.expiresAt ?? Infinity);
    remember(this.#cache, session.key, { session, until }, this.options.cacheMaxEntries);
  }
}

/**
 * Adds an entry to a cache whose entries mostly share one TTL, so the oldest are first:
 * the expired and the overflow are dropped from the front (an entry cut short by its
 * session's expiry further in goes when it is next looked up).
 */
function remember<V extends { readonly until: number }>(cache: Map<string, V>, key: string, value: V, maxEntries: number): void {
  const now = Date.now();
  for (const [oldKey, entry] of cache) {
    if (entry.until > now && cache.size < maxEntries) break;
    cache.delete(oldKey);
  }
  cache.delete(key);
  cache.set(key, value);
}
