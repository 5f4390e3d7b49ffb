import type { Logger } from '@herald/kit';

/** Where binding keys are bound: this process's queue, which a reconnect replaces. */
export interface BindingTarget {
  /** Changes whenever the queue is replaced (every binding is then gone). */
  readonly generation: number;
  readonly connected: boolean;
  bind(key: string): Promise<void>;
  unbind(key: string): Promise<void>;
}

interface KeyBinding {
  wanted: boolean;
  /** The queue generation the binding was made on, or undefined when there is none. */
  boundOn: number | undefined;
  running: Promise<void> | undefined;
  /** Sockets waiting for the binding (allocated only when one waits). */
  waiters: Array<(bound: boolean) => void> | undefined;
}

/**
 * Keeps each key's binding in line with whether the key is wanted, one operation at a
 * time per key. Rather than queueing every change, each key has at most one worker
 * that compares wanted with bound and acts until they agree: a burst of flapping
 * sockets costs at most one bind and one unbind, and a bind and an unbind of one key
 * never race each other on the broker.
 */
export class Bindings {
  readonly #keys = new Map<string, KeyBinding>();

  constructor(
    private readonly target: BindingTarget,
    private readonly logger: Logger,
  ) {}

  want(key: string, wanted: boolean): void {
    let state = this.#keys.get(key);
    if (!state) {
      if (!wanted) return;
      state = { wanted, boundOn: undefined, running: undefined, waiters: undefined };
      this.#keys.set(key, state);
    }
    state.wanted = wanted;
    this.#kick(key, state);
  }

  /** Resolves true once the key is bound on the current queue, false after timeoutMs or if unwanted. */
  whenBound(key: string, timeoutMs: number): Promise<boolean> {
    const state = this.#keys.get(key);
    if (!state?.wanted) return Promise.resolve(false);
    // Bound with no worker running: a running worker may be unbinding it right now.
    if (this.#isBound(state) && !state.running) return Promise.resolve(true);
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

  /** After the queue was replaced: bind every wanted key again on the new one. */
  resync(): void {
    for (const [key, state] of this.#keys) this.#kick(key, state);
  }

  /** Waits until no key's worker is running (for a clean stop). */
  async settled(): Promise<void> {
    for (;;) {
      const running = [...this.#keys.values()].flatMap((s) => (s.running ? [s.running] : []));
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  get boundCount(): number {
    let count = 0;
    for (const state of this.#keys.values()) if (this.#isBound(state)) count += 1;
    return count;
  }

  #isBound(state: KeyBinding): boolean {
    return state.boundOn !== undefined && state.boundOn === this.target.generation;
  }

  #kick(key: string, state: KeyBinding): void {
    if (state.running) return;
    state.running = this.#reconcile(key, state).finally(() => {
      state.running = undefined;
      this.#settle(key, state);
    });
  }

  async #reconcile(key: string, state: KeyBinding): Promise<void> {
    while (state.wanted !== this.#isBound(state) && this.target.connected) {
      const generation = this.target.generation;
      try {
        if (state.wanted) {
          await this.target.bind(key);
          state.boundOn = generation;
          if (state.wanted && this.#isBound(state)) this.#wake(state, true);
        } else {
          await this.target.unbind(key);
          state.boundOn = undefined;
        }
      } catch (error) {
        // The channel is gone; the reconnect replaces the queue and calls resync().
        this.logger.warn({ err: error, key, wanted: state.wanted }, 'binding change failed; waiting for the queue to come back');
        return;
      }
    }
  }

  #settle(key: string, state: KeyBinding): void {
    if (!state.wanted) {
      this.#wake(state, false);
      if (!this.#isBound(state)) this.#keys.delete(key);
    } else if (this.#isBound(state)) {
      // Waiters that came while the worker ran, and found it bound already.
      this.#wake(state, true);
    }
    // A want() that arrived while the worker was finishing its last step.
    if (state.wanted !== this.#isBound(state) && this.target.connected && this.#keys.get(key) === state) this.#kick(key, state);
  }

  #wake(state: KeyBinding, bound: boolean): void {
    for (const waiter of [...(state.waiters ?? [])]) waiter(bound);
  }
}
