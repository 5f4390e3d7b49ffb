/**
 * Waiting between attempts, one way for all of Herald: a reconnect, a consumer resuming
 * after a failure, a poll for the read models to catch up, a command that lost a race.
 */

export interface BackoffOptions {
  /** The first delay. */
  readonly firstMs: number;
  /** No delay is longer, firstMs included. */
  readonly maxMs: number;
  /**
   * The random share of each delay, 0 to 1: a delay d is drawn from [(1 - jitter) x d, d].
   * 0 (the default) waits exactly d. Many clients retrying at once (sockets after a
   * broker restart, writers that collided) want some, so they do not come back in step.
   */
  readonly jitter?: number;
  /** A number in [0, 1); Math.random unless a test needs the draw fixed. */
  readonly random?: () => number;
}

/**
 * Exponential backoff: firstMs, 2 x firstMs, 4 x firstMs ... up to maxMs, each less its
 * random share. `reset()` after progress, so the next failure waits firstMs again.
 */
export class Backoff {
  #attempt = 0;
  readonly #options: BackoffOptions;

  constructor(options: BackoffOptions) {
    const { firstMs, maxMs, jitter = 0 } = options;
    if (!(firstMs >= 0 && maxMs >= 0 && jitter >= 0 && jitter <= 1)) {
      throw new RangeError(`backoff: needs firstMs and maxMs of at least 0 and jitter in [0, 1] (firstMs ${firstMs}, maxMs ${maxMs}, jitter ${jitter})`);
    }
    this.#options = options;
  }

  /** The delay before the next attempt; each call doubles the next one, up to maxMs. */
  next(): number {
    const { firstMs, maxMs, jitter = 0, random = Math.random } = this.#options;
    const ceiling = Math.min(maxMs, firstMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt += 1;
    return jitter === 0 ? ceiling : Math.round(ceiling * (1 - jitter * random()));
  }

  reset(): void {
    this.#attempt = 0;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects): a wait that a stop cuts short. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface RetryOptions {
  /** Attempts in all, the first one included. */
  readonly attempts: number;
  /** Whether a failure is worth another attempt; any other is thrown at once. */
  readonly retryOn: (error: unknown) => boolean;
  readonly backoff: BackoffOptions;
  /** Aborting ends the wait between attempts; the next attempt then still runs. */
  readonly signal?: AbortSignal;
}

/**
 * Runs `attempt` (given its number, from 1) until it succeeds, fails in a way `retryOn`
 * refuses, or `attempts` are used up; the last failure is thrown as it was.
 */
export async function retry<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const backoff = new Backoff(options.backoff);
  for (let n = 1; ; n += 1) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= options.attempts || !options.retryOn(error)) throw error;
      await sleep(backoff.next(), options.signal);
    }
  }
}
