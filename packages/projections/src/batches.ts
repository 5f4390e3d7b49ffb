const idle = Symbol('idle');

function nextTurn(): Promise<typeof idle> {
  return new Promise((resolve) => setImmediate(() => resolve(idle)));
}

/**
 * Groups what an async source yields into batches: as many items as are ready now, up
 * to `max`, without waiting for more. Under load (catching up) batches fill; when
 * following live, a lone event goes out at once. The next read is started before the
 * batch is handed over, so fetching overlaps applying.
 */
export async function* batches<T>(source: AsyncIterable<T>, max: number): AsyncGenerator<T[]> {
  const iterator = source[Symbol.asyncIterator]();
  // The read started ahead can fail while the batch before it is being applied (the
  // database ended the session), when nothing awaits it yet: unhandled, that rejection
  // would end the process. It is awaited, and thrown to the consumer, in its turn.
  const read = () => {
    const next = iterator.next();
    next.catch(() => undefined);
    return next;
  };
  try {
    let pending = read();
    for (;;) {
      const first = await pending;
      if (first.done) return;
      const batch = [first.value];
      pending = read();
      // One turn of the event loop: items already buffered by the source resolve first.
      const turn = nextTurn();
      let ended = false;
      while (batch.length < max) {
        const next = await Promise.race([pending, turn]);
        if (next === idle) break;
        if (next.done) {
          ended = true;
          break;
        }
        batch.push(next.value);
        pending = read();
      }
      yield batch;
      if (ended) return;
    }
  } finally {
    // Not awaited: a read may still be pending, and return() would queue behind it.
    // The source's owner ends that read by closing the source.
    iterator.return?.()?.catch(() => undefined);
  }
}
