import type { Logger } from '@herald/kit';

/** Where users' routing keys are bound: this process's queue, which a reconnect replaces. */
export interface BindingTarget {
  /** Changes whenever the queue is replaced (every binding is then gone). */
  readonly generation: number;
  readonly connected: boolean;
  bind(userId: string): Promise<void>;
  unbind(userId: string): Promise<void>;
}

interface UserBinding {
  wanted: boolean;
  /** The queue generation the binding was made on, or undefined when there is none. */
  boundOn: number | undefined;
  running: Promise<void> | undefined;
  /** Sockets waiting for the binding (allocated only when one waits). */
  waiters: Array<(bound: boolean) => void> | undefined;
}

/**
 * Keeps each user's binding in line with whether the user is wanted, one operation
 * at a time per user. Rather than queueing every connect and disconnect, each user
 * has at most one worker that compares wanted with bound and acts until they agree:
 * a burst of flapping sockets costs at most one bind and one unbind, and a bind and
 * an unbind of one user never race each other on the broker.
 */
export class Bindings {
  readonly #users = new Map<string, UserBinding>();

  constructor(
    private readonly target: BindingTarget,
    private readonly logger: Logger,
  ) {}

  want(userId: string, wanted: boolean): void {
    let state = this.#users.get(userId);
    if (!state) {
      if (!wanted) return;
      state = { wanted, boundOn: undefined, running: undefined, waiters: undefined };
      this.#users.set(userId, state);
    }
    state.wanted = wanted;
    this.#kick(userId, state);
  }

  /** Resolves true once the user is bound on the current queue, false after timeoutMs or if unwanted. */
  whenBound(userId: string, timeoutMs: number): Promise<boolean> {
    const state = this.#users.get(userId);
    if (!state?.wanted) return Promise.resolve(false);
    if (this.#isBound(state)) return Promise.resolve(true);
    if (!this.target.connected) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(false), timeoutMs);
      const finish = (bound: boolean) => {
        clearTimeout(timer);
        state.waiters = state.waiters?.filter((w) => w !== finish);
        if (state.waiters?.length === 0) state.waiters = undefined;
        resolve(bound);
      };
      (state.waiters ??= []).push(finish);
    });
  }

  /** After the queue was replaced: bind every wanted user again on the new one. */
  resync(): void {
    for (const [userId, state] of this.#users) this.#kick(userId, state);
  }

  /** Waits until no user's worker is running (for a clean stop). */
  async settled(): Promise<void> {
    for (;;) {
      const running = [...this.#users.values()].flatMap((s) => (s.running ? [s.running] : []));
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  get boundCount(): number {
    let count = 0;
    for (const state of this.#users.values()) if (this.#isBound(state)) count += 1;
    return count;
  }

  #isBound(state: UserBinding): boolean {
    return state.boundOn !== undefined && state.boundOn === this.target.generation;
  }

  #kick(userId: string, state: UserBinding): void {
    if (state.running) return;
    state.running = this.#reconcile(userId, state).finally(() => {
      state.running = undefined;
      this.#settle(userId, state);
    });
  }

  async #reconcile(userId: string, state: UserBinding): Promise<void> {
    while (state.wanted !== this.#isBound(state) && this.target.connected) {
      const generation = this.target.generation;
      try {
        if (state.wanted) {
          await this.target.bind(userId);
          state.boundOn = generation;
          if (state.wanted && this.#isBound(state)) this.#wake(state, true);
        } else {
          await this.target.unbind(userId);
          state.boundOn = undefined;
        }
      } catch (error) {
        // The channel is gone; the reconnect replaces the queue and calls resync().
        this.logger.warn({ err: error, userId, wanted: state.wanted }, 'binding change failed; waiting for the queue to come back');
        return;
      }
    }
  }

  #settle(userId: string, state: UserBinding): void {
    if (!state.wanted) {
      this.#wake(state, false);
      if (!this.#isBound(state)) this.#users.delete(userId);
    }
    // A want() that arrived while the worker was finishing its last step.
    if (state.wanted !== this.#isBound(state) && this.target.connected && this.#users.get(userId) === state) this.#kick(userId, state);
  }

  #wake(state: UserBinding, bound: boolean): void {
    for (const waiter of [...(state.waiters ?? [])]) waiter(bound);
  }
}
