import { eventually } from '@herald/kit/testing';
import { randomUUID } from 'node:crypto';
import type { EventStore, NewEvent, Position, RecordedEvent, Subscription } from '../port.js';

export function newEvent(type = 'Happened', data: unknown = { n: 1 }, metadata?: unknown): NewEvent {
  return { id: randomUUID(), type, data, metadata };
}

export function newEvents(count: number, type = 'Happened'): NewEvent[] {
  return Array.from({ length: count }, (_, n) => newEvent(type, { n }));
}

/** A stream prefix no other test uses, so tests sharing a store never see each other. */
export function uniquePrefix(label: string): string {
  return `${label}_${randomUUID().slice(0, 8)}-`;
}

/**
 * Takes `count` events from a subscription, failing (not hanging) after `timeoutMs`.
 * The bound is generous; it is a safety net, not a timing claim.
 */
export async function take(subscription: Subscription, count: number, timeoutMs = 15_000): Promise<RecordedEvent[]> {
  const taken: RecordedEvent[] = [];
  if (count === 0) return taken;
  const iterator = subscription[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    while (taken.length < count) {
      const next = await Promise.race([iterator.next(), timeout]);
      if (next === 'timeout') throw new Error(`subscription gave ${taken.length} of ${count} events within ${timeoutMs} ms`);
      if (next.done) throw new Error(`subscription ended after ${taken.length} of ${count} events`);
      taken.push(next.value);
    }
    return taken;
  } finally {
    clearTimeout(timer);
  }
}

/** Rejects with the thrown error, or fails when `work` succeeds. */
export async function failure(work: () => unknown): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, but it succeeded');
}

/**
 * Waits until readers can see everything up to `position`. The PostgreSQL store shows
 * an event once every older transaction in the cluster has ended, so a read straight
 * after an append may not see it yet; headPosition says when it can.
 */
export async function visible(store: EventStore, position: Position): Promise<void> {
  await eventually(async () => {
    const head = await store.headPosition();
    return head !== null && head >= position ? true : undefined;
  }, `the head to reach ${position}`);
}
