import { Command } from 'commander';
import { eventsCommand } from './commands/events.js';
import { logCommand } from './commands/log.js';
import { projectionsCommand } from './commands/projections.js';
import { rebuildCommand } from './commands/rebuild.js';
import { stateCommand } from './commands/state.js';

const environment = `
Environment (as the processes read it):
  DATABASE_URL       PostgreSQL: the read models, and the log unless EVENTSTORE_URL is set
                     (default postgres://postgres@127.0.0.1:5432/herald)
  EVENTSTORE_URL     an esdb:// URL: the log is in that EventStoreDB
  FEED_FANOUT_LIMIT  the projector's (default 1000): rebuild builds feeds with it, as the
                     projector does

Exit codes: 0 done, 1 refused or failed (the message is on stderr), 2 a bad command line.
Progress bars go to stderr, on a terminal only.`;

/**
 * `herald`: every operator command, each with --help. With `json`, a bad command line is
 * reported as one JSON line on stderr too, like every other error.
 */
export function heraldProgram({ json = false }: { json?: boolean } = {}): Command {
  const program = new Command('herald')
    .description("Herald's operator tool: read the log, fold a stream's state, watch and rebuild the read models, move a log between stores")
    .option('--json', 'print JSON for scripts (commands that print the log print JSON lines anyway)')
    .addHelpText('after', environment)
    .addCommand(eventsCommand())
    .addCommand(stateCommand())
    .addCommand(projectionsCommand())
    .addCommand(rebuildCommand())
    .addCommand(logCommand());
  // Every command answers errors the same way (see main.ts), and says what it takes.
  const configure = (command: Command) => {
    command.exitOverride();
    if (json) {
      command.configureOutput({ outputError: (text, write) => write(`${JSON.stringify({ error: { kind: 'usage', message: text.replace(/^error: /, '').trim() } })}\n`) });
    } else {
      // One line, the hint on it: the error stays the last line (what make herald and make replay show as the failure).
      command.configureOutput({ outputError: (text, write) => write(`${text.trim().replace(/\s*\n\s*/g, ' ')} (add --help for usage)\n`) });
    }
    command.commands.forEach(configure);
  };
  configure(program);
  return program;
}
