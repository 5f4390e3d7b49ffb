import { randomUUID } from 'node:crypto';
import { seededRandom } from '@herald/kit';
import type { EventStore, NewEvent, StartFrom } from '../port.js';
import { openPostgresEventStore, type PostgresEventStoreInternals } from './store.js';

/**
 * The torture run: many writers append to random streams, each holding its transaction
 * open for a random while and rolling back about one in twenty, while two subscribers
 * follow the log, one of them restarted from its checkpoint at random moments. It
 * reports what each subscriber saw against what was committed; only this package's
 * test and benchmark run it.
 */
export interface TortureOptions {
  readonly databaseUrl: string;
  /** Committed events to aim for (the run stops appending once reached). */
  readonly events: number;
  readonly writers?: number;
  readonly streams?: number;
  readonly maxBatch?: number;
  readonly maxDelayMs?: number;
  readonly rollbackRate?: number;
  /** Longest a restarting subscriber runs before it is stopped and resumed. */
  readonly maxRunMs?: number;
  readonly seed?: number;
  readonly onProgress?: (progress: { committed: number; seen: readonly number[] }) => void;
}

export interface SubscriberReport {
  readonly seen: number;
  readonly skipped: number;
  readonly duplicated: number;
  readonly rolledBackSeen: number;
  readonly restarts: number;
}

export interface TortureReport {
  readonly seed: number;
  readonly committed: number;
  readonly rolledBack: number;
  readonly appendErrors: number;
  readonly subscribers: readonly [SubscriberReport, SubscriberReport];
  /** Whether both subscribers saw the same events in the same order. */
  readonly sameOrder: boolean;
  /** Whether positions only ever increased, as each subscriber saw them. */
  readonly positionsIncrease: boolean;
  readonly durationMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Ledger {
  committed: Set<string>;
  rolledBack: Set<string>;
  appendErrors: number;
  target: number;
}

async function writer(opened: PostgresEventStoreInternals, ledger: Ledger, options: Required<Omit<TortureOptions, 'onProgress' | 'seed' | 'databaseUrl'>>, rng: () => number): Promise<void> {
  while (ledger.committed.size < ledger.target) {
    const events: NewEvent[] = Array.from({ length: 1 + Math.floor(rng() * options.maxBatch) }, (_, n) => ({ id: randomUUID(), type: 'Tortured', data: { n } }));
    const stream = `torture-${Math.floor(rng() * options.streams)}`;
    const rollback = rng() < options.rollbackRate;
    const delay = rng() * options.maxDelayMs;
    const client = await opened.pool.connect();
    try {
      await client.query('BEGIN');
      await opened.appendWithin(client, stream, events);
      if (delay >= 1) await sleep(delay);
      await client.query(rollback ? 'ROLLBACK' : 'COMMIT');
      for (const e of events) (rollback ? ledger.rolledBack : ledger.committed).add(e.id);
      if (!rollback) opened.announceAppend();
    } catch {
      ledger.appendErrors += 1;
      await client.query('ROLLBACK').catch(() => undefined);
      for (const e of events) ledger.rolledBack.add(e.id);
    } finally {
      client.release();
    }
  }
}

interface Follower {
  readonly ids: string[];
  readonly positions: string[];
  restarts: number;
}

/** Follows the log until the sentinel; with maxRunMs, stops and resumes from its checkpoint at random moments. */
async function follow(store: EventStore, sentinel: string, follower: Follower, rng: () => number, maxRunMs: number | undefined): Promise<void> {
  let checkpoint: StartFrom = 'start';
  for (;;) {
    const subscription = store.subscribeToAll({ from: checkpoint });
    const timer = maxRunMs === undefined ? undefined : setTimeout(() => void subscription.close(), rng() * maxRunMs);
    try {
      for await (const event of subscription) {
        follower.ids.push(event.id);
        follower.positions.push(event.position);
        checkpoint = { after: event.position };
        if (event.id === sentinel) return;
      }
    } finally {
      clearTimeout(timer);
      await subscription.close();
    }
    follower.restarts += 1;
  }
}

function report(follower: Follower, ledger: Ledger, sentinel: string): SubscriberReport {
  const ids = follower.ids.filter((id) => id !== sentinel);
  const unique = new Set(ids);
  let skipped = 0;
  for (const id of ledger.committed) if (!unique.has(id)) skipped += 1;
  return {
    seen: ids.length,
    skipped,
    duplicated: ids.length - unique.size,
    rolledBackSeen: ids.filter((id) => ledger.rolledBack.has(id)).length,
    restarts: follower.restarts,
  };
}

export async function runTorture(options: TortureOptions): Promise<TortureReport> {
  const settings = {
    events: options.events,
    writers: options.writers ?? 16,
    streams: options.streams ?? 500,
    maxBatch: options.maxBatch ?? 8,
    maxDelayMs: options.maxDelayMs ?? 5,
    rollbackRate: options.rollbackRate ?? 0.05,
    maxRunMs: options.maxRunMs ?? 300,
  };
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const rng = seededRandom(seed);
  const opened = openPostgresEventStore({ databaseUrl: options.databaseUrl, poolSize: settings.writers + 6, pollIntervalMs: 100 });
  const started = Date.now();
  const ledger: Ledger = { committed: new Set(), rolledBack: new Set(), appendErrors: 0, target: settings.events };
  const followers: [Follower, Follower] = [{ ids: [], positions: [], restarts: 0 }, { ids: [], positions: [], restarts: 0 }];
  const sentinel = randomUUID();
  const progress = setInterval(() => options.onProgress?.({ committed: ledger.committed.size, seen: followers.map((f) => f.ids.length) }), 1000);
  try {
    const following = Promise.all([follow(opened.store, sentinel, followers[0], rng, undefined), follow(opened.store, sentinel, followers[1], rng, settings.maxRunMs)]);
    await Promise.all(Array.from({ length: settings.writers }, (_, i) => writer(opened, ledger, settings, seededRandom(seed + i + 1))));
    // Every writer's transaction has ended, so the sentinel's sorts after all of them.
    await opened.store.append('torture-sentinel', [{ id: sentinel, type: 'TortureEnded', data: {} }]);
    await following;
  } finally {
    clearInterval(progress);
    await opened.store.close();
  }
  const [a, b] = followers;
  const increasing = (positions: readonly string[]) => positions.every((p, i) => i === 0 || (positions[i - 1] ?? '') < p);
  return {
    seed,
    committed: ledger.committed.size,
    rolledBack: ledger.rolledBack.size,
    appendErrors: ledger.appendErrors,
    subscribers: [report(a, ledger, sentinel), report(b, ledger, sentinel)],
    sameOrder: a.ids.length === b.ids.length && a.ids.every((id, i) => b.ids[i] === id),
    positionsIncrease: increasing(a.positions) && increasing(b.positions),
    durationMs: Date.now() - started,
  };
}
