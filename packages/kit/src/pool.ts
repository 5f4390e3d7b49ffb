/**
 * Runs `work` over the indexes 0..count-1 with at most `limit` running at once, and
 * answers their results in index order. The first failure rejects it, and no more work
 * starts after it (what is already running finishes). `onDone(done)` is told each time
 * one more has finished: progress for a long run.
 */
export async function inPool<R>(count: number, limit: number, work: (i: number) => Promise<R>, onDone?: (done: number) => void): Promise<R[]> {
  if (!(Number.isInteger(limit) && limit >= 1)) throw new RangeError(`inPool: limit must be a whole number of at least 1, not ${limit}`);
  const results = new Array<R>(count);
  let next = 0;
  let done = 0;
  let failed = false;
  const worker = async () => {
    while (next < count && !failed) {
      const i = next++;
      try {
        results[i] = await work(i);
      } catch (error) {
        failed = true;
        throw error;
      }
      done += 1;
      onDone?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}
