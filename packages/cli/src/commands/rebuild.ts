import type { Position } from '@herald/eventstore';
import { buildSchema, liveSchema, migrateReadModels, planRebuild, rebuild, span, type RebuildPlan } from '@herald/projections';
import { Command } from 'commander';
import { position, positiveInteger } from '../arguments.js';
import { configuredProjections, withStores } from '../context.js';
import { writeJson, writeLine } from '../output.js';
import { progressBar } from '../progress.js';

interface RebuildOptions {
  readonly from?: Position;
  readonly dryRun?: boolean;
  readonly batchSize: number;
}

function planJson(plan: RebuildPlan) {
  return {
    requested: plan.requested,
    built: plan.built.map((p) => p.name),
    tables: plan.built.flatMap((p) => p.tables),
    from: plan.from,
    head: plan.head,
  };
}

function describe(plan: RebuildPlan): string[] {
  const extra = plan.built.filter((p) => !plan.requested.includes(p.name)).map((p) => p.name);
  return [
    `rebuild ${plan.requested.join(', ')}${extra.length ? ` (and ${extra.join(', ')}, which they read)` : ''}`,
    `  tables: ${plan.built.flatMap((p) => p.tables).join(', ')}`,
    `  from: ${plan.from === 'start' ? 'the start of the log' : `after position ${plan.from} (fresh tables; earlier events are not applied)`}`,
    `  log head now: ${plan.head ?? '(empty log)'}`,
    `  into schema ${buildSchema}, then swapped into ${liveSchema} in one transaction; the live projector and queries keep running`,
    '  the outbox is not replayed: history sends no notifications',
  ];
}

export function rebuildCommand(): Command {
  return new Command('rebuild')
    .description('rebuild read models from the log into fresh tables beside the live ones, then swap them in (all replayable ones when none is named)')
    .argument('[projections...]', 'users, friendships, posts, feeds (those a projection reads are rebuilt with it)')
    .option('--from <position>', 'apply only the events after this position, to fresh tables', position)
    .option('--dry-run', 'print what would be done, and change nothing')
    .option('--batch-size <n>', 'events per transaction', positiveInteger, 5000)
    .action(async (names: string[], options: RebuildOptions, command: Command) => {
      const json = Boolean(command.optsWithGlobals().json);
      await withStores(async ({ config, pool, store }) => {
        // Feeds are rebuilt with the projector's FEED_FANOUT_LIMIT, so it carries on from tables built its way.
        const projections = configuredProjections(config);
        const plan = await planRebuild(store, { projections, names, from: options.from, batchSize: options.batchSize });
        if (options.dryRun) {
          if (json) await writeJson({ dryRun: true, ...planJson(plan) });
          else for (const text of describe(plan)) await writeLine(text);
          return;
        }
        if (!json) for (const text of describe(plan)) await writeLine(text);
        await migrateReadModels(pool, projections);
        const estimate = span(plan.from === 'start' ? '' : plan.from, plan.head ?? '');
        const bar = progressBar('rebuild', estimate.total, 'events');
        const started = Date.now();
        const result = await rebuild(pool, store, plan, options.batchSize, (p) => bar.update(estimate.done(p.position) ?? p.events, p.events))
          .finally(() => bar.stop());
        const seconds = Math.round((Date.now() - started) / 100) / 10;
        if (json) await writeJson({ ...planJson(plan), events: result.events, position: result.position, seconds });
        else await writeLine(`rebuilt ${plan.built.map((p) => p.name).join(', ')}: ${result.events} events in ${seconds.toFixed(1)} s, up to ${result.position ?? '(nothing)'}`);
      }, { subscriptionBatchSize: options.batchSize });
    });
}
