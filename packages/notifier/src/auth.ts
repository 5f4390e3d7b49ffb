import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ClientError, createChannel, createClient, Status, type Channel } from 'nice-grpc';
import { AuthServiceDefinition, type AuthServiceClient } from '@herald/contracts/grpc';

/** What the auth service said about a token. */
export type Verdict = { readonly kind: 'user'; readonly userId: string } | { readonly kind: 'unauthenticated' } | { readonly kind: 'unavailable'; readonly cause: unknown };

export interface AuthOptions {
  readonly address: string;
  readonly deadlineMs: number;
  /** How long a good answer is reused; 0 asks the auth service every time. */
  readonly cacheTtlMs: number;
  readonly cacheMaxEntries: number;
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
  readonly userId: string;
  readonly expiresAt: number;
}

/**
 * `AuthService.ValidateToken` over nice-grpc, each call bounded by a deadline. Good
 * answers are kept for a short while (keyed by the token's hash, never the token) so
 * a reconnect storm does not become an auth storm; concurrent checks of one token
 * share one call. Refusals are never cached: a fresh login must work at once.
 */
export class TokenValidator {
  readonly #channel: Channel;
  readonly #client: AuthServiceClient;
  readonly #cache = new Map<string, Cached>();
  readonly #inFlight = new Map<string, Promise<Verdict>>();

  constructor(private readonly options: AuthOptions) {
    this.#channel = createChannel(options.address);
    this.#client = createClient(AuthServiceDefinition, this.#channel);
  }

  validate(token: string): Promise<Verdict> {
    const key = createHash('sha256').update(token).digest('base64url');
    const cached = this.#cache.get(key);
    if (cached && cached.expiresAt > Date.now()) return Promise.resolve({ kind: 'user', userId: cached.userId });
    if (cached) this.#cache.delete(key);
    const running = this.#inFlight.get(key);
    if (running) return running;
    const call = this.#ask(token, key).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, call);
    return call;
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
    try {
      const { userId } = await this.#client.validateToken({ token }, { signal: deadline.signal });
      if (!userId) return { kind: 'unauthenticated' };
      this.#remember(key, userId);
      return { kind: 'user', userId };
    } catch (error) {
      if (error instanceof ClientError && refusedStatuses.has(error.code)) return { kind: 'unauthenticated' };
      return { kind: 'unavailable', cause: error };
    } finally {
      clearTimeout(timer);
    }
  }

  #remember(key: string, userId: string): void {
    if (this.options.cacheTtlMs <= 0) return;
    // Entries share one TTL, so the oldest are first: drop the expired and the overflow.
    const now = Date.now();
    for (const [oldKey, entry] of this.#cache) {
      if (entry.expiresAt > now && this.#cache.size < this.options.cacheMaxEntries) break;
      this.#cache.delete(oldKey);
    }
    this.#cache.delete(key);
    this.#cache.set(key, { userId, expiresAt: Date.now() + this.options.cacheTtlMs });
  }
}
