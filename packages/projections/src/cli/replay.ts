import { createEventStore, parsePosition, type EventStore } from '@herald/eventstore';
import { ConfigError, loadConfig } from '@herald/kit';
import { Command, InvalidArgumentError } from 'commander';
import pg from 'pg';
import { migrateReadModels } from '../migrate.js';
import { span } from '../replay/estimate.js';
import { demoPassword, generateLog } from '../replay/generate.js';
import { progressBar } from '../replay/progress.js';
import { createProjections } from '../projections/list.js';
import { planRebuild, rebuild, type RebuildPlan } from '../replay/rebuild.js';
import { buildSchema, liveSchema } from '../schema.js';
import { settings, type ProjectorConfig } from '../settings.js';

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

async function withStore<T>(work: (pool: pg.Pool, store: EventStore, config: ProjectorConfig) => Promise<T>): Promise<T> {
  const config = loadConfig(settings);
  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 4 });
  const store = createEventStore({ databaseUrl: config.DATABASE_URL, eventstoreUrl: config.EVENTSTORE_URL });
  try {
    return await work(pool, store, config);
  } finally {
    await store.close();
    await pool.end();
  }
}

function describe(plan: RebuildPlan): string {
  const extra = plan.built.filter((p) => !plan.requested.includes(p.name)).map((p) => p.name);
  return [
    `rebuild ${plan.requested.join(', ')}${extra.length ? ` (and ${extra.join(', ')}, which they read)` : ''}`,
    `  tables: ${plan.built.flatMap((p) => p.tables).join(', ')}`,
    `  from: ${plan.from === 'start' ? 'the start of the log' : `after position ${plan.from} (fresh tables; earlier events are not applied)`}`,
    `  log head now: ${plan.head ?? '(empty log)'}`,
    `  into schema ${buildSchema}, then swapped into ${liveSchema} in one transaction; the live projector and queries keep running`,
    '  the outbox is not replayed: history sends no notifications',
  ].join('\n');
}

const program = new Command('replay').description('Rebuild read models from the event log, or generate a log');

program
  .command('rebuild')
  .description('rebuild read models (all replayable ones when none is named) into fresh tables and swap them in')
  .argument('[projections...]', 'users, friendships, posts, feeds')
  .option('--from <position>', 'start after this log position instead of the start of the log', (value: string) => parsePosition(value, '--from'))
  .option('--dry-run', 'print what would be done and change nothing')
  .option('--batch-size <n>', 'events per transaction', positiveInteger, 5000)
  .action(async (names: string[], options: { from?: string; dryRun?: boolean; batchSize: number }) => {
    await withStore(async (pool, store, config) => {
      // Feeds are rebuilt with the projector's FEED_FANOUT_LIMIT, so it carries on from tables built its way.
      const projections = createProjections({ feedFanoutLimit: config.FEED_FANOUT_LIMIT });
      const plan = await planRebuild(store, { projections, names, from: options.from, batchSize: options.batchSize });
      console.log(describe(plan));
      if (options.dryRun) return;
      await migrateReadModels(pool);
      const estimate = span(plan.from === 'start' ? '' : plan.from, plan.head ?? '');
      const bar = progressBar('rebuild', estimate.total, 'events');
      const started = Date.now();
      const result = await rebuild(pool, store, plan, options.batchSize, (p) => bar.update(estimate.done(p.position) ?? p.events, { count: p.events }));
      bar.stop();
      const seconds = (Date.now() - started) / 1000;
      console.log(`rebuilt ${plan.built.map((p) => p.name).join(', ')}: ${result.events} events in ${seconds.toFixed(1)} s, up to ${result.position ?? '(nothing)'}`);
    });
  });

program
  .command('generate')
  .description('append a realistic log (users, friendships, posts, some edits) for benchmarks and demos')
  .option('--users <n>', 'users to register', positiveInteger, 10_000)
  .option('--friends <n>', 'average friends per user', positiveInteger, 50)
  .option('--posts-per-user <n>', 'posts per user on average', positiveInteger, 6)
  .option('--concurrency <n>', 'appends in flight', positiveInteger, 16)
  .option('--seed <n>', 'random seed', positiveInteger, 42)
  .action(async (options: { users: number; friends: number; postsPerUser: number; concurrency: number; seed: number }) => {
    await withStore(async (_pool, store) => {
      const bar = progressBar('generate', undefined, 'events');
      let total = 0;
      await generateLog(store, {
        users: options.users, friendsPerUser: options.friends, postsPerUser: options.postsPerUser, concurrency: options.concurrency, seed: options.seed,
      }, (done, all) => {
        total = all;
        bar.update(done, { extra: `of ${all}` });
      });
      bar.stop();
      console.log(`appended ${total} events; every generated user's password is "${demoPassword}"`);
    });
  });

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof ConfigError || error instanceof Error ? error.message : String(error));
  process.exit(1);
});
