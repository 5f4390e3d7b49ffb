import { randomBytes } from 'node:crypto';
import { createEventStore, migrateEventStore, type EventStore } from '@herald/eventstore';
import pg from 'pg';
import { migrateReadModels } from '../src/migrate.js';
import { generateLog, type GenerateRequest } from '../src/replay/generate.js';

const adminUrl = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  readonly url: string;
  readonly pool: pg.Pool;
  readonly store: EventStore;
  drop(): Promise<void>;
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A database of the benchmark's own (not herald_t_*, which test runs sweep away), migrated. */
export async function benchDatabase(label: string): Promise<BenchDatabase> {
  const name = `herald_bench_${label}_${randomBytes(3).toString('hex')}`;
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 8 });
  pool.on('error', () => undefined);
  await migrateEventStore(pool);
  await migrateReadModels(pool);
  const store = createEventStore({ databaseUrl: url.toString() });
  return {
    url: url.toString(),
    pool,
    store,
    async drop() {
      await store.close();
      await pool.end();
      await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

export async function generate(store: EventStore, request: GenerateRequest, label: string): Promise<number> {
  let last = 0;
  return generateLog(store, request, (done, total) => {
    if (done - last >= total / 20 || done === total) {
      last = done;
      console.log(`  ${label}: appended ${done} / ${total} events`);
    }
  });
}
