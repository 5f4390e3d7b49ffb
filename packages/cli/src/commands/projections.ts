import { projectionStatus, type ProjectionStatus, type StatusReport } from '@herald/projections';
import { Command } from 'commander';
import { configuredProjections, withStores } from '../context.js';
import { Refusal } from '../errors.js';
import { writeJson, writeLine } from '../output.js';

function versionText(p: ProjectionStatus): string {
  const { code, live } = p.version;
  if (live === null || live === code) return String(code);
  const building = p.building ? `building v${p.building.version}, at ${p.building.checkpoint ?? 'the start'}` : 'waiting for the projector to build it';
  return `${live} (code ${code}: ${building})`;
}

function lagText(p: ProjectionStatus): string {
  if (p.lag === null) return 'not started';
  if (p.lag.events === 0) return '0 events';
  return `${p.lag.atLeast ? '>= ' : ''}${p.lag.events.toLocaleString('en')} events, oldest ${p.lag.seconds} s`;
}

function problemText(p: ProjectionStatus): string {
  const problem = p.lastProblem;
  if (!problem) return '-';
  const what = problem.kind === 'skipped' ? `skipped ${problem.type} at ${problem.position}` : 'error';
  const text = `${problem.occurredAt.toISOString()} ${what}: ${problem.message.replace(/\s+/g, ' ')}`;
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/** A table for people; `--json` prints the report as one JSON line. */
function table(report: StatusReport): string[] {
  const rows = report.projections.map((p) => [p.projection, versionText(p), p.checkpoint ?? '(none yet)', lagText(p), problemText(p)]);
  const header = ['projection', 'version', 'checkpoint', 'lag', 'last problem'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  return [`log head: ${report.head ?? '(empty log)'}`, line(header), ...rows.map(line)];
}

function status(): Command {
  return new Command('status')
    .description("each projection's version (the code's and the live tables'), checkpoint, lag behind the log in events and seconds, and last skipped event or error")
    .action(async (_options: object, command: Command) => {
      await withStores(async ({ config, pool, store }) => {
        const report = await projectionStatus(pool, store, { projections: configuredProjections(config) }).catch((error: unknown) => {
          // 42P01: the read models' tables are not there (a database no projector or migration has seen).
          if ((error as { code?: string }).code !== '42P01') throw error;
          throw new Refusal(`the read models are not in DATABASE_URL yet (${(error as Error).message}): start the projector, or run make migrate`);
        });
        if (command.optsWithGlobals().json) await writeJson(report);
        else for (const text of table(report)) await writeLine(text);
      });
    });
}

export function projectionsCommand(): Command {
  return new Command('projections')
    .description('the read models: where each stands')
    .addCommand(status());
}
