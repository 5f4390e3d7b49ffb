import { StreamNotFoundError } from '../errors.js';
import type { RecordedEvent } from '../port.js';
import type { CheckedReadStream } from '../validation.js';
import type { Queryable } from './driver.js';
import { eventColumns, toRecordedEvent, type EventRow } from './rows.js';

/**
 * A stream's events, without the log's read guard: the command side must see its own
 * latest commits to pick the right expected revision.
 */
const sql = {
  forwards: `SELECT ${eventColumns()} FROM events
    WHERE stream_id = $1 AND revision >= $2::bigint ORDER BY events.revision LIMIT $3`,
  backwards: `SELECT ${eventColumns()} FROM events
    WHERE stream_id = $1 AND revision <= $2::bigint ORDER BY events.revision DESC LIMIT $3`,
};

const lastPossibleRevision = (1n << 63n) - 1n;
const existsSql = 'SELECT 1 FROM streams WHERE stream_id = $1';

export async function readStreamEvents(db: Queryable, stream: string, options: CheckedReadStream): Promise<RecordedEvent[]> {
  // Forwards from 'end' reads nothing, as in EventStoreDB; the stream must still exist.
  const start = options.fromRevision === 'start' ? 0n : options.fromRevision === 'end' ? lastPossibleRevision : options.fromRevision;
  const { rows } = await db.query<EventRow>({
    name: `eventstore_read_stream_${options.direction}`,
    text: sql[options.direction],
    values: [stream, start.toString(), options.maxCount ?? null],
  });
  if (rows.length === 0) {
    const exists = await db.query({ name: 'eventstore_stream_exists', text: existsSql, values: [stream] });
    if (exists.rowCount === 0) throw new StreamNotFoundError(stream);
  }
  return rows.map(toRecordedEvent);
}
