import { randomUUID } from 'node:crypto';
import pg from 'pg';

/**
 * Closed-loop load: `writers` loops each run `operation` back to back for `seconds`,
 * recording how long each took. Throughput is counted in events, not operations.
 */
export interface LoadResult {
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSec: number;
  readonly latenciesMs: number[];
}

export async function closedLoop(writers: number, seconds: number, eventsPerOperation: number, operation: (writer: number) => Promise<unknown>): Promise<LoadResult> {
  const deadline = performance.now() + seconds * 1000;
  const latenciesMs: number[] = [];
  let operations = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await operation(writer);
        latenciesMs.push(performance.now() - t0);
        operations += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const events = operations * eventsPerOperation;
  return { events, seconds: elapsed, eventsPerSec: events / elapsed, latenciesMs };
}

/** Adds up closed-loop rounds. */
export function combine(results: readonly LoadResult[]): LoadResult {
  const events = results.reduce((sum, r) => sum + r.events, 0);
  const seconds = results.reduce((sum, r) => sum + r.seconds, 0);
  return { events, seconds, eventsPerSec: events / seconds, latenciesMs: results.flatMap((r) => r.latenciesMs) };
}

/** Something that runs one operation per call while it is open. */
export interface Contender {
  run(): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Measures a baseline and a contender in alternating rounds, so that load from the
 * rest of the machine falls on both alike. Each round opens its own connections and
 * closes them, so the two never hold connections at the same time.
 */
export async function alternate(rounds: number, roundSeconds: number, writers: number, eventsPerOperation: number, openBaseline: () => Contender, openContender: () => Contender): Promise<{ baseline: LoadResult; measured: LoadResult }> {
  const results: { baseline: LoadResult[]; measured: LoadResult[] } = { baseline: [], measured: [] };
  for (let round = 0; round < rounds; round += 1) {
    for (const [kind, open] of [['baseline', openBaseline], ['measured', openContender]] as const) {
      const contender = open();
      try {
        results[kind].push(await closedLoop(writers, roundSeconds, eventsPerOperation, () => contender.run()));
      } finally {
        await contender.close();
      }
    }
  }
  return { baseline: combine(results.baseline), measured: combine(results.measured) };
}

/** The raw-SQL baseline's table: the event store's row shape, with only a primary key. */
export const rawTableSql = `CREATE TABLE IF NOT EXISTS raw_events (
  global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  stream_id text NOT NULL, revision bigint NOT NULL, event_id uuid NOT NULL, type text NOT NULL,
  data jsonb NOT NULL, metadata jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`;

const rawInsertSql = `INSERT INTO raw_events (stream_id, revision, event_id, type, data, metadata)
  SELECT $1, e.ord - 1, e.id, e.type, e.data::jsonb, e.metadata::jsonb
  FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS e(id, type, data, metadata, ord)`;

export interface BenchEvent {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
}

/** Events shaped like Herald's: a post with some text and the usual metadata. */
export function benchEvents(count: number): BenchEvent[] {
  return Array.from({ length: count }, () => ({
    id: randomUUID(),
    type: 'PostCreated',
    data: { postId: randomUUID(), authorId: randomUUID(), text: 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.' },
    metadata: { schemaVersion: 1, occurredAt: new Date().toISOString() },
  }));
}

/** One autocommit INSERT of the same rows, in one statement, as the baseline's append. */
export function rawInsert(pool: pg.Pool, stream: string, events: readonly BenchEvent[]): Promise<unknown> {
  return pool.query({
    name: 'raw_insert',
    text: rawInsertSql,
    values: [stream, events.map((e) => e.id), events.map((e) => e.type), events.map((e) => JSON.stringify(e.data)), events.map((e) => JSON.stringify(e.metadata))],
  });
}

/** The baseline's catch-up: keyset pages over the primary key, rows decoded as the store decodes them. */
export async function rawCatchUp(pool: pg.Pool, batch: number, limit: number): Promise<{ rows: number; seconds: number }> {
  const started = performance.now();
  let after = '0';
  let rows = 0;
  while (rows < limit) {
    const page = await pool.query<{ global_position: string }>({
      name: 'raw_page',
      text: `SELECT global_position::text AS global_position, stream_id, revision::text AS revision, event_id::text AS event_id, type, data, metadata, created_at
        FROM raw_events WHERE global_position > $1::bigint ORDER BY raw_events.global_position LIMIT $2`,
      values: [after, batch],
    });
    if (page.rows.length === 0) break;
    rows += page.rows.length;
    after = page.rows[page.rows.length - 1]?.global_position ?? after;
  }
  return { rows, seconds: (performance.now() - started) / 1000 };
}
