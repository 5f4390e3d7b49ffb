import type { HeraldEventType } from '@herald/contracts';

/**
 * Event types that only add rows: a registration, a friendship, a post. Any mix of
 * them may share a run, because applying such a mix at once leaves the rows applying
 * it in order would:
 * - a post fans out to its author's friends as of the end of the run; a friend added
 *   in the run after the post would have had it backfilled anyway;
 * - a new friendship backfills the posts from before the run; posts of the run reach
 *   the new friend by that fan-out;
 * - the outbox, which must notify exactly the friends a post had when it was created,
 *   reads friendships before the run and adds the run's friendships older than the post.
 * Every other type runs only beside events of its own type: it removes or rewrites
 * rows, so its order against the rest matters.
 */
const growthTypes: ReadonlySet<HeraldEventType> = new Set<HeraldEventType>(['UserRegistered', 'FriendAdded', 'PostCreated']);

export function shareRun(a: HeraldEventType, b: HeraldEventType): boolean {
  return a === b || (growthTypes.has(a) && growthTypes.has(b));
}

/** Cuts a list of events, kept in order, into maximal runs; `together` may cut them further. */
export function splitRuns<T>(items: readonly T[], typeOf: (item: T) => HeraldEventType, together: (a: T, b: T) => boolean = () => true): T[][] {
  const runs: T[][] = [];
  let current: T[] = [];
  for (const item of items) {
    const last = current.at(-1);
    if (last !== undefined && !(shareRun(typeOf(last), typeOf(item)) && together(last, item))) {
      runs.push(current);
      current = [];
    }
    current.push(item);
  }
  if (current.length > 0) runs.push(current);
  return runs;
}
