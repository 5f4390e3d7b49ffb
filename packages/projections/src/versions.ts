import type { EventStore } from '@herald/eventstore';
import { Backoff, sleep, type Logger } from '@herald/kit';
import type pg from 'pg';
import { readStoredCheckpoints } from './checkpoints.js';
import { unbuildable } from './install.js';
import { recordError } from './problems.js';
import type { Projection } from './projection.js';
import { planRebuild, rebuild } from './replay/rebuild.js';
import { liveSchema } from './schema.js';

/** A projection whose live tables another version of it wrote. */
export interface StaleProjection {
  readonly projection: Projection;
  readonly liveVersion: number;
}

export async function staleProjections(pool: pg.Pool, list: readonly Projection[]): Promise<StaleProjection[]> {
  const stored = await readStoredCheckpoints(pool, liveSchema);
  return list.flatMap((projection) => {
    const live = stored.get(projection.name)?.version;
    return live === undefined || live === projection.version ? [] : [{ projection, liveVersion: live }];
  });
}

/**
 * A new version of the outbox cannot be built from the log: its history would notify
 * everyone again. Its `migration` brings the live tables to it in place (migrateReadModels,
 * run before this); one still stale had none from its live version, and stops the start.
 */
export function refuseUnbuildable(stale: readonly StaleProjection[]): void {
  const stuck = stale.filter((s) => !s.projection.replayable);
  if (stuck.length === 0) return;
  throw new Error(stuck.map((s) => unbuildable(s.projection, s.liveVersion)).join('; '));
}

export interface UpgradeOptions {
  readonly pool: pg.Pool;
  readonly store: EventStore;
  readonly projections: readonly Projection[];
  readonly batchSize: number;
  readonly logger: Logger;
}

export interface Upgrade {
  stop(): Promise<void>;
}

const upgradeBackoff = { firstMs: 500, maxMs: 30_000 };

/**
 * Builds the code's version of every stale projection beside the live tables, from the
 * start of the log, while the old tables keep answering queries, then swaps the new ones
 * in at the head: the rebuild machinery, started by the projector itself. Until the swap
 * no batch writes the old tables (see atCodeVersion), so they stop advancing, unless the
 * previous projector still runs beside this one (a rolling deploy) and keeps them going.
 * Retried with backoff until no projection is stale (another rebuild running, a store
 * that does not answer).
 */
export function upgradeStaleProjections(options: UpgradeOptions): Upgrade {
  const { pool, store, logger } = options;
  const abort = new AbortController();
  const done = (async () => {
    const backoff = new Backoff(upgradeBackoff);
    while (!abort.signal.aborted) {
      let names: string[] = [];
      try {
        const stale = await staleProjections(pool, options.projections);
        if (stale.length === 0) return;
        names = stale.map((s) => s.projection.name);
        const plan = await planRebuild(store, { names, batchSize: options.batchSize, projections: options.projections });
        logger.info({ versions: stale.map((s) => ({ projection: s.projection.name, live: s.liveVersion, code: s.projection.version })), building: plan.built.map((p) => p.name) },
          'projector: building new versions of projections beside the live tables');
        const result = await rebuild(pool, store, plan, options.batchSize, undefined, abort.signal);
        logger.info({ swapped: plan.built.map((p) => `${p.name}-v${p.version}`), events: result.events, position: result.position }, 'projector: new versions swapped in');
      } catch (error) {
        if (abort.signal.aborted) break;
        const wait = backoff.next();
        logger.error({ err: error, retryInMs: wait }, 'projector: building new versions failed; trying again');
        await recordError(pool, names, error);
        await sleep(wait, abort.signal);
      }
    }
  })();
  return {
    async stop() {
      abort.abort();
      await done;
    },
  };
}
