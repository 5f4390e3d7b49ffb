import { EventStoreInputError, WrongExpectedVersionError, type EventStore, type RecordedEvent, type StartFrom } from '@herald/eventstore';
import { Refusal } from '../errors.js';
import { describeEvent, parseLine, sameEvent, type LogLine } from './lines.js';

export interface ImportResult {
  /** Events in the file. */
  readonly read: number;
  /** Of them, already in the store (an earlier import of this same file). */
  readonly present: number;
  readonly appended: number;
}

/** The target's log, oldest first, one event at a time. */
async function* targetLog(store: EventStore): AsyncGenerator<RecordedEvent> {
  for (let from: StartFrom = 'start'; ;) {
    const batch = await store.readAll({ from, maxCount: 1000 });
    yield* batch.events;
    if (batch.caughtUp) return;
    from = batch.next;
  }
}

const guidance = 'herald log import copies a log into an empty store, or completes an import of this same file';

interface Numbered {
  readonly line: number;
  readonly event: LogLine;
}

/** Most events one append carries: consecutive revisions of one stream, as the source committed them. */
const maxAppend = 100;

/**
 * Copies a log, line by line, into a store: each event appended to its stream at its
 * revision (the expected revision is the one before it), with its id, type, data and
 * metadata. The file is read in step with the store's own log first: events already
 * there (an earlier, perhaps interrupted, import of the same file) are passed over, and
 * anything else there refuses the import before a single append. Appends follow the
 * file's order, so the target's log has the source's order.
 */
export async function importLog(store: EventStore, lines: AsyncIterable<string>, onProgress: (result: ImportResult) => void): Promise<ImportResult> {
  let written = 0;
  try {
    return await copy(store, lines, (result) => {
      written = result.appended;
      onProgress(result);
    });
  } catch (error) {
    if (written === 0) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new Refusal(`${message} (${written} events were appended before it; once the file is right, import it again: what is there is passed over)`);
  }
}

async function copy(store: EventStore, lines: AsyncIterable<string>, onProgress: (result: ImportResult) => void): Promise<ImportResult> {
  const target = targetLog(store);
  let targetDone = false;
  let [read, present, appended] = [0, 0, 0];
  let pending: Numbered[] = [];

  const flush = async () => {
    if (pending.length === 0) return;
    await appendRun(store, pending);
    appended += pending.length;
    pending = [];
    onProgress({ read, present, appended });
  };

  let line = 0;
  for await (const text of lines) {
    line += 1;
    if (text.trim() === '') continue;
    let event: LogLine;
    try {
      event = parseLine(text, line);
    } catch (error) {
      // What came before the bad line is appended, so that importing the mended file again goes on from it.
      await flush();
      throw error;
    }
    read += 1;
    if (!targetDone) {
      const there = await target.next();
      if (!there.done) {
        if (!sameEvent(there.value, event)) {
          throw new Refusal(`the store already holds other events: its event ${present + 1} is ${describeEvent(there.value)}, where line ${line} of the file has ${describeEvent(event)}. ${guidance}; nothing was written`);
        }
        present += 1;
        if (present % 1000 === 0) onProgress({ read, present, appended });
        continue;
      }
      targetDone = true;
    }
    const last = pending.at(-1)?.event;
    if (last && (last.streamId !== event.streamId || last.revision + 1n !== event.revision || pending.length >= maxAppend)) await flush();
    pending.push({ line, event });
  }
  await flush();
  if (!targetDone) {
    const more = await target.next();
    if (!more.done) {
      const file = read === 0 ? 'the file holds no events' : `every one of the file's ${read} events is there`;
      throw new Refusal(`the store already holds other events: ${file}, and the store also holds ${describeEvent(more.value)}${read === 0 ? '' : ' after them'}. ${guidance}; nothing was written`);
    }
  }
  return { read, present, appended };
}

async function appendRun(store: EventStore, run: readonly Numbered[]): Promise<void> {
  const first = run[0] as Numbered;
  const { streamId, revision } = first.event;
  try {
    await store.append(
      streamId,
      run.map(({ event }) => ({ id: event.id, type: event.type, data: event.data, metadata: event.metadata })),
      { expectedRevision: revision === 0n ? 'no_stream' : revision - 1n },
    );
  } catch (error) {
    if (error instanceof WrongExpectedVersionError) {
      const actual = error.actual === 'no_stream' ? 'does not exist' : `is at revision ${error.actual}`;
      const expected = revision === 0n ? 'not exist yet' : `be at revision ${revision - 1n}`;
      throw new Refusal(`line ${first.line}: ${describeEvent(first.event)} cannot be appended: the store's stream ${actual}, and must ${expected}. `
        + 'A file must hold each stream from revision 0 (an export --from a position continues a log that another store holds)');
    }
    if (error instanceof EventStoreInputError) throw new Refusal(`line ${first.line}: ${error.message}`);
    throw error;
  }
}
