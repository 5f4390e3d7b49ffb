// Event store benchmark, each figure beside raw SQL in the same run: appends by 1 and by
// 32 writers, batches of 100, a catch-up read of the log, and a torture run that checks
// no event is skipped or duplicated under concurrent appends.
import { percentile, writeBenchReport, type BenchFigure, benchSize, fullSize } from '@herald/kit/bench';
import { createTestDatabase } from '@herald/kit/testing';
import pg from 'pg';
import { migrateEventStore } from '../src/postgres/migrations.js';
import { createPostgresEventStore } from '../src/postgres/store.js';
import { runTorture } from '../src/postgres/torture.js';
import { alternate, benchEvents, rawCatchUp, rawInsert, rawTableSql, type LoadResult } from './workload.js';

/**
 * The PostgreSQL event store against raw SQL on the same database, in one run:
 * appends (1 and 32 writers, single events), 100-event batches, catch-up reading, and
 * the torture run. BENCH_FULL=1 runs longer phases and the torture at 1M events;
 * BENCH_SECONDS and TORTURE_EVENTS override each.
 */
const seconds = benchSize('BENCH_SECONDS', 8, 30);
const tortureEvents = benchSize('TORTURE_EVENTS', 100_000, 1_000_000);
const streams = 10_000;
const roundSeconds = fullSize ? 5 : 3;

const log = (line: string) => console.log(`[eventstore bench] ${line}`);
const randomStream = (label: string) => `${label}-${Math.floor(Math.random() * streams)}`;
const rate = (r: LoadResult) => `${Math.round(r.eventsPerSec).toLocaleString('en-US')} events/s (p99 ${percentile(r.latenciesMs, 99).toFixed(1)} ms)`;

async function appendPhase(databaseUrl: string, writers: number, batch: number, label: string) {
  log(`${label}: ${writers} writer(s), ${batch} event(s) per append; raw INSERT and event store in alternating ${roundSeconds} s rounds, ${seconds} s each`);
  const { baseline, measured } = await alternate(
    Math.max(1, Math.round(seconds / roundSeconds)), roundSeconds, writers, batch,
    () => {
      const pool = new pg.Pool({ connectionString: databaseUrl, max: writers });
      return { run: () => rawInsert(pool, randomStream(label), benchEvents(batch)), close: () => pool.end() };
    },
    () => {
      const store = createPostgresEventStore({ databaseUrl, poolSize: writers });
      return { run: () => store.append(randomStream(label), benchEvents(batch)), close: () => store.close() };
    },
  );
  log(`${label}: raw INSERT ${rate(baseline)}`);
  log(`${label}: event store ${rate(measured)}`);
  return { baseline, measured };
}

async function storeCatchUp(databaseUrl: string, total: number): Promise<{ rows: number; seconds: number }> {
  const store = createPostgresEventStore({ databaseUrl });
  try {
    const started = performance.now();
    let rows = 0;
    for await (const _ of store.subscribeToAll({ from: 'start' })) if (++rows >= total) break;
    return { rows, seconds: (performance.now() - started) / 1000 };
  } finally {
    await store.close();
  }
}

/**
 * Reads what readers can already see (so no time goes on waiting for transactions
 * elsewhere in the cluster), twice each, alternating with the raw keyset read.
 */
async function catchUpPhase(databaseUrl: string, raw: pg.Pool) {
  const visibleSql = 'SELECT count(*)::text AS n FROM events WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())';
  const total = Number((await raw.query<{ n: string }>(visibleSql)).rows[0]?.n ?? 0);
  log(`catch-up: reading ${total.toLocaleString('en-US')} events with subscribeToAll from the start, alternating with a raw keyset read`);
  const measured: { rows: number; seconds: number }[] = [];
  const baseline: { rows: number; seconds: number }[] = [];
  for (let round = 0; round < 2; round += 1) {
    measured.push(await storeCatchUp(databaseUrl, total));
    baseline.push(await rawCatchUp(raw, 1000, total));
  }
  const perSec = (runs: typeof measured) => runs.reduce((sum, r) => sum + r.rows, 0) / runs.reduce((sum, r) => sum + r.seconds, 0);
  log(`catch-up: ${Math.round(perSec(measured)).toLocaleString('en-US')} events/s; raw keyset SELECT ${Math.round(perSec(baseline)).toLocaleString('en-US')} rows/s`);
  return { eventsPerSec: perSec(measured), baselineEventsPerSec: perSec(baseline), events: total };
}

/** On a database of its own, so its subscribers read only what its writers wrote. */
async function torturePhase() {
  log(`torture: ${tortureEvents.toLocaleString('en-US')} events, 16 writers, 5% rollbacks, 2 subscribers (one restarting)`);
  const database = await createTestDatabase('bench_torture');
  await migrateEventStore(database.url);
  const result = await runTorture({
    databaseUrl: database.url,
    events: tortureEvents,
    writers: 16,
    maxDelayMs: 2,
    onProgress: ({ committed, seen }) => log(`torture: ${committed.toLocaleString('en-US')} committed, subscribers at ${seen.map((n) => n.toLocaleString('en-US')).join(' / ')}`),
  });
  log(`torture: done in ${(result.durationMs / 1000).toFixed(1)} s, seed ${result.seed}; subscribers saw ${result.subscribers.map((s) => s.seen).join(' / ')} of ${result.committed}`);
  await database.drop();
  return result;
}

const database = await createTestDatabase('bench_eventstore');
const raw = new pg.Pool({ connectionString: database.url, max: 2 });
try {
  await migrateEventStore(database.url);
  await raw.query(rawTableSql);
  const append1 = await appendPhase(database.url, 1, 1, 'append1');
  const append32 = await appendPhase(database.url, 32, 1, 'append32');
  const batch100 = await appendPhase(database.url, 8, 100, 'batch100');
  const catchup = await catchUpPhase(database.url, raw);
  const torture = await torturePhase();
  const skipped = Math.max(...torture.subscribers.map((s) => s.skipped));
  const duplicated = Math.max(...torture.subscribers.map((s) => s.duplicated + s.rolledBackSeen + (torture.sameOrder ? 0 : 1)));
  const append32P99 = percentile(append32.measured.latenciesMs, 99);
  const ratio32 = append32.measured.eventsPerSec / append32.baseline.eventsPerSec;
  const summary: BenchFigure[] = [
    { figure: 'append1.eventsPerSec', value: append1.measured.eventsPerSec, unit: 'events/s', offered: 'closed loop, 1 writer', baseline: append1.baseline.eventsPerSec },
    { figure: 'append32.eventsPerSec', value: append32.measured.eventsPerSec, unit: 'events/s', offered: 'closed loop, 32 writers', baseline: append32.baseline.eventsPerSec, target: '>= 0.7 x baseline', met: ratio32 >= 0.7 },
    { figure: 'append32.p99Ms', value: append32P99, unit: 'ms', baseline: percentile(append32.baseline.latenciesMs, 99), target: '<= 10 ms', met: append32P99 <= 10 },
    { figure: 'batch100.eventsPerSec', value: batch100.measured.eventsPerSec, unit: 'events/s', offered: 'closed loop, 8 writers x 100', baseline: batch100.baseline.eventsPerSec, target: '>= 25,000', met: batch100.measured.eventsPerSec >= 25_000 },
    { figure: 'catchup.eventsPerSec', value: catchup.eventsPerSec, unit: 'events/s', offered: 'closed loop: a stored log read through', baseline: catchup.baselineEventsPerSec, target: '>= 100,000', met: catchup.eventsPerSec >= 100_000 },
    { figure: 'torture.events', value: torture.committed, unit: 'events', target: fullSize ? '1,000,000' : `${tortureEvents.toLocaleString('en-US')} (BENCH_FULL=1 for 1M)`, met: torture.committed >= tortureEvents },
    { figure: 'torture.skipped', value: skipped, unit: 'events', target: '0', met: skipped === 0 },
    { figure: 'torture.duplicated', value: duplicated, unit: 'events', target: '0', met: duplicated === 0 },
  ];
  writeBenchReport(
    'eventstore',
    {
      append1: { eventsPerSec: append1.measured.eventsPerSec, baselineEventsPerSec: append1.baseline.eventsPerSec, p99Ms: percentile(append1.measured.latenciesMs, 99) },
      append32: {
        eventsPerSec: append32.measured.eventsPerSec, baselineEventsPerSec: append32.baseline.eventsPerSec, ratio: ratio32,
        p99Ms: append32P99, baselineP99Ms: percentile(append32.baseline.latenciesMs, 99), p50Ms: percentile(append32.measured.latenciesMs, 50),
      },
      batch100: { eventsPerSec: batch100.measured.eventsPerSec, baselineEventsPerSec: batch100.baseline.eventsPerSec, p99Ms: percentile(batch100.measured.latenciesMs, 99) },
      catchup: { eventsPerSec: catchup.eventsPerSec, baselineEventsPerSec: catchup.baselineEventsPerSec, events: catchup.events },
      torture: {
        events: torture.committed, rolledBack: torture.rolledBack, skipped, duplicated, appendErrors: torture.appendErrors,
        restarts: torture.subscribers[1].restarts, seconds: torture.durationMs / 1000, full: fullSize ? 1 : 0,
      },
    },
    summary,
  );
} finally {
  await raw.end();
  await database.drop();
}
