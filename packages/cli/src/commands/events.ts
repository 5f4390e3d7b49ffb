import { parsePosition, StreamNotFoundError, type EventFilter, type EventStore, type RecordedEvent, type StartFrom } from '@herald/eventstore';
import { span } from '@herald/projections';
import { Command } from 'commander';
import { collect, isEventId, startFrom } from '../arguments.js';
import { withStores } from '../context.js';
import { Refusal, UsageError } from '../errors.js';
import { viewJson, writeJson } from '../output.js';
import { progressBar } from '../progress.js';

interface TailOptions {
  readonly from: StartFrom;
  readonly type?: string[];
  readonly follow?: boolean;
}

const batchSize = 1000;

/** The log from a point to its head as it is now, in batches, with a progress bar when stdout is a file. */
async function printUntilHead(store: EventStore, from: StartFrom, filter: EventFilter | undefined): Promise<number> {
  const head = await store.headPosition();
  const estimate = span(typeof from === 'object' ? from.after : '', head ?? '');
  const bar = progressBar('events', estimate.total, 'events', { dataOnStdout: true });
  let printed = 0;
  try {
    for (let at = from; ;) {
      const batch = await store.readAll({ from: at, maxCount: batchSize, filter });
      for (const event of batch.events) {
        if (head !== null && event.position > head) return printed;
        await writeJson(viewJson(event));
        printed += 1;
      }
      const last = batch.events.at(-1);
      if (last) bar.update(estimate.done(last.position) ?? printed, printed);
      if (batch.caughtUp) return printed;
      at = batch.next;
    }
  } finally {
    bar.stop();
  }
}

/** The log from a point on, for ever: until SIGINT or SIGTERM. */
async function follow(store: EventStore, from: StartFrom, filter: EventFilter | undefined): Promise<void> {
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop).once('SIGTERM', stop);
  const subscription = store.subscribeToAll({ from, filter, signal: abort.signal });
  try {
    for await (const event of subscription) await writeJson(viewJson(event));
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
    await subscription.close();
  }
}

function tail(): Command {
  return new Command('tail')
    .description('print the log as JSON lines, oldest first, up to its head (or on, with --follow)')
    .option('--from <position>', 'after this position; also `start` or `end`', startFrom, 'start' as StartFrom)
    .option('--type <type>', 'only events of this type (repeat it, or separate types with commas)', collect)
    .option('--follow', 'keep printing events as they are appended, until Ctrl-C')
    .action(async (options: TailOptions) => {
      const filter = options.type?.length ? { eventTypes: options.type } : undefined;
      await withStores(async ({ store }) => {
        if (options.follow) await follow(store, options.from, filter);
        else await printUntilHead(store, options.from, filter);
      });
    });
}

function stream(): Command {
  return new Command('stream')
    .description('print one stream as JSON lines, from its first revision')
    .argument('<stream-id>', 'e.g. user-<uuid>, post-<uuid>, friendship-<uuid>_<uuid>')
    .action(async (streamId: string) => {
      await withStores(async ({ store }) => {
        for (const event of await readStream(store, streamId)) await writeJson(viewJson(event));
      });
    });
}

export async function readStream(store: EventStore, streamId: string): Promise<readonly RecordedEvent[]> {
  try {
    return await store.readStream(streamId);
  } catch (error) {
    if (error instanceof StreamNotFoundError) throw new Refusal(`no stream named ${streamId} in the log`);
    throw error;
  }
}

/** Every event with this id: the log has no index by id, so this reads it all (a bar shows how far). */
async function findById(store: EventStore, id: string): Promise<RecordedEvent[]> {
  const head = await store.headPosition();
  const estimate = span('', head ?? '');
  const bar = progressBar('searching the log', estimate.total, 'events');
  const found: RecordedEvent[] = [];
  let seen = 0;
  try {
    for (let at: StartFrom = 'start'; ;) {
      const batch = await store.readAll({ from: at, maxCount: 5000 });
      for (const event of batch.events) if (event.id === id.toLowerCase()) found.push(event);
      seen += batch.events.length;
      const last = batch.events.at(-1);
      if (last) bar.update(estimate.done(last.position) ?? seen, seen);
      if (batch.caughtUp) return found;
      at = batch.next;
    }
  } finally {
    bar.stop();
  }
}

function show(): Command {
  return new Command('show')
    .description('print one event as a JSON line, by its position or its event id')
    .argument('<position-or-event-id>', 'a position as herald prints them, or an event id (a UUID: reads the whole log to find it)')
    .action(async (key: string) => {
      if (!isEventId(key)) parsePositionOrRefuse(key);
      await withStores(async ({ store }) => {
        if (!isEventId(key)) {
          const event = await store.readEventAt(key);
          if (!event) throw new Refusal(`no event at position ${key} (readers see none there)`);
          await writeJson(viewJson(event));
          return;
        }
        const found = await findById(store, key);
        if (found.length === 0) throw new Refusal(`no event with id ${key} in the log`);
        for (const event of found) await writeJson(viewJson(event));
      });
    });
}

function parsePositionOrRefuse(key: string): void {
  try {
    parsePosition(key);
  } catch (error) {
    throw new UsageError(`neither an event id (a UUID) nor a position: ${(error as Error).message}`);
  }
}

export function eventsCommand(): Command {
  return new Command('events')
    .description('read the log: all of it, one stream, one event')
    .addCommand(tail())
    .addCommand(stream())
    .addCommand(show());
}
