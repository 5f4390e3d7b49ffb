import type { Subscription } from './port.js';

/**
 * The subscriptions a store has handed out and not yet seen closed, so that the
 * store's close() can end them all (and a test process can exit).
 */
export interface OpenSubscriptions {
  /** Wraps a subscription so that closing it also forgets it. */
  track(subscription: Subscription): Subscription;
  closeAll(): Promise<void>;
}

export function openSubscriptions(): OpenSubscriptions {
  const open = new Set<Subscription>();
  return {
    track(subscription) {
      open.add(subscription);
      return {
        [Symbol.asyncIterator]: () => subscription[Symbol.asyncIterator](),
        async close() {
          open.delete(subscription);
          await subscription.close();
        },
      };
    },
    async closeAll() {
      await Promise.all([...open].map((s) => s.close()));
    },
  };
}
