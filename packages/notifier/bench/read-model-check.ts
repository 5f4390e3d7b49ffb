// Do the read models equal a rebuild from the log? Once the live projector has caught up
// with a log nobody writes to any more, its tables are copied aside, the operator's own
// `herald rebuild` rebuilds them from the log and swaps the new ones in, and the two are
// compared row for row as queries serve them, both ways (EXCEPT ALL: a row twice on one
// side is a difference too).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPostgresPool } from '@herald/kit';
// By path: the notifier does not depend on the projections package; only its bench reads this.
import { feedCap } from '../../projections/src/projections/feed-rows.js';

const execFileAsync = promisify(execFile);
const herald = fileURLToPath(new URL('../../cli/src/main.ts', import.meta.url));
const liveSchema = 'read_models';
const copySchema = 'faults_before_rebuild';

/**
 * What a table serves, to compare. Most serve every row. A live feed holds its cap plus
 * what arrived since its last trim (one change in 100 trims, at the end of its batch),
 * while a rebuild fills each feed with its newest `feedCap` posts and no more; queries
 * serve the newest `feedCap` of either, so those are compared, every one of them. The
 * rows past the cap are never served, and a filled feed has none. A live feed past the
 * cap that lost rows to an unfriend or a delete after a trim can lack older posts the
 * rebuild has (docs/architecture.md, read models): that shows here as a difference,
 * since users see it.
 */
const served: Record<string, (table: string) => string> = {
  feed: (table) => `SELECT reader_id, created_at, post_id, author_id FROM (SELECT *, row_number() OVER (PARTITION BY reader_id ORDER BY created_at DESC, post_id DESC) AS n FROM ${table}) t WHERE n <= ${feedCap}`,
};
const rowsOf = (name: string, table: string) => served[name]?.(table) ?? `TABLE ${table}`;

export interface ReadModelCheck {
  readonly equal: boolean;
  /** Tables that differ: rows the live table had that the rebuild has not, and rows only the rebuild has. */
  readonly differences: ReadonlyArray<{ table: string; onlyLive: number; onlyRebuilt: number }>;
  readonly rows: number;
}

async function heraldJson(databaseUrl: string, args: readonly string[]): Promise<Record<string, unknown>> {
  const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', herald, ...args, '--json'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'error' }, maxBuffer: 16 * 2 ** 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
}

/** Until `herald projections status` shows every projection with nothing of the log left to apply. */
export async function untilCaughtUp(databaseUrl: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await heraldJson(databaseUrl, ['projections', 'status']);
    const projections = status.projections as Array<{ projection: string; lag: { events: number } | null }>;
    const behind = projections.filter((p) => p.lag !== null && p.lag.events > 0);
    if (behind.length === 0) return;
    if (Date.now() > deadline) throw new Error(`projections still behind after ${timeoutMs} ms: ${behind.map((p) => `${p.projection} ${p.lag?.events}`).join(', ')}`);
    await sleep(500);
  }
}

export async function compareWithRebuild(databaseUrl: string): Promise<ReadModelCheck> {
  await untilCaughtUp(databaseUrl);
  const plan = await heraldJson(databaseUrl, ['rebuild', '--dry-run']);
  const tables = plan.tables as string[];
  const pool = createPostgresPool({ connectionString: databaseUrl, max: 2 });
  try {
    await pool.query(`DROP SCHEMA IF EXISTS ${copySchema} CASCADE; CREATE SCHEMA ${copySchema}`);
    for (const table of tables) await pool.query(`CREATE TABLE ${copySchema}.${table} AS TABLE ${liveSchema}.${table}`);
    await heraldJson(databaseUrl, ['rebuild']);
    const differences: Array<{ table: string; onlyLive: number; onlyRebuilt: number }> = [];
    let rows = 0;
    for (const table of tables) {
      const [before, after] = [`${copySchema}.${table}`, `${liveSchema}.${table}`];
      const { rows: [counts] } = await pool.query<{ only_live: number; only_rebuilt: number; total: number }>(`SELECT
        (SELECT count(*)::int FROM (${rowsOf(table, before)} EXCEPT ALL ${rowsOf(table, after)}) d) AS only_live,
        (SELECT count(*)::int FROM (${rowsOf(table, after)} EXCEPT ALL ${rowsOf(table, before)}) d) AS only_rebuilt,
        (SELECT count(*)::int FROM ${after}) AS total`);
      rows += counts?.total ?? 0;
      if (counts && counts.only_live + counts.only_rebuilt > 0) differences.push({ table, onlyLive: counts.only_live, onlyRebuilt: counts.only_rebuilt });
    }
    await pool.query(`DROP SCHEMA ${copySchema} CASCADE`);
    return { equal: differences.length === 0, differences, rows };
  } finally {
    await pool.end();
  }
}
