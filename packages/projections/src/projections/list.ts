import type { Projection } from '../projection.js';
import { createFeedsProjection, defaultFeedFanoutLimit } from './feeds.js';
import { friendshipsProjection } from './friendships.js';
import { outboxProjection } from './outbox.js';
import { postsProjection } from './posts.js';
import { usersProjection } from './users.js';

/** What the operator tunes about how read models are stored; what queries answer does not depend on it. */
export interface ProjectionOptions {
  /** Authors with more friends than this are merged into feeds at read time, not fanned out (FEED_FANOUT_LIMIT). */
  readonly feedFanoutLimit: number;
}

export const defaultProjectionOptions: ProjectionOptions = { feedFanoutLimit: defaultFeedFanoutLimit };

/**
 * Every projection, in the order each run of events is applied to them (see plan.ts):
 * the outbox reads friendships before the run adds to them; feeds reads them after, and
 * reads posts before the run changes them (the commit time of a post being deleted).
 * What applies events (the projector, replay) builds this list from its configuration.
 */
export function createProjections(options: ProjectionOptions): readonly Projection[] {
  return [
    usersProjection,
    outboxProjection,
    friendshipsProjection,
    createFeedsProjection(options.feedFanoutLimit),
    postsProjection,
  ];
}

/**
 * The list with the default options, for what no option changes: names, versions,
 * tables and DDL (migrations, checkpoints, snapshots in tests).
 */
export const projections: readonly Projection[] = createProjections(defaultProjectionOptions);

/** The projections of `all` a rebuild of `names` must build: them and all they read, in list order. */
export function rebuildSet(all: readonly Projection[], names: readonly string[]): Projection[] {
  const wanted = new Set<string>();
  const visit = (name: string) => {
    if (wanted.has(name)) return;
    const projection = all.find((p) => p.name === name);
    if (!projection) throw new Error(`no projection named ${name} (known: ${all.map((p) => p.name).join(', ')})`);
    wanted.add(name);
    projection.reads.forEach(visit);
  };
  names.forEach(visit);
  return all.filter((p) => wanted.has(p.name));
}
