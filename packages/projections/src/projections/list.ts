import type { Projection } from '../projection.js';
import { feedsProjection } from './feeds.js';
import { friendshipsProjection } from './friendships.js';
import { outboxProjection } from './outbox.js';
import { postsProjection } from './posts.js';
import { usersProjection } from './users.js';

/**
 * Every projection, in the order each run of events is applied to them (see plan.ts):
 * the outbox reads friendships before the run adds to them; feeds reads them after, and
 * reads posts before the run changes them (the commit time of a post being deleted).
 */
export const projections: readonly Projection[] = [
  usersProjection,
  outboxProjection,
  friendshipsProjection,
  feedsProjection,
  postsProjection,
];

export function projectionNamed(name: string, list: readonly Projection[] = projections): Projection | undefined {
  return list.find((p) => p.name === name);
}

/** The projections a rebuild of `names` must build: them and all they read, in list order. */
export function rebuildSet(names: readonly string[], list: readonly Projection[] = projections): Projection[] {
  const wanted = new Set<string>();
  const visit = (name: string) => {
    if (wanted.has(name)) return;
    const projection = projectionNamed(name, list);
    if (!projection) throw new Error(`no projection named ${name} (known: ${list.map((p) => p.name).join(', ')})`);
    wanted.add(name);
    projection.reads.forEach(visit);
  };
  names.forEach(visit);
  return list.filter((p) => wanted.has(p.name));
}
