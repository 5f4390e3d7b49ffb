import { ConfigError } from '@herald/kit';
import { EventStoreInputError } from '@herald/eventstore';
import { CommanderError } from 'commander';
import { exitCodes, Refusal, UsageError } from './errors.js';
import { heraldProgram } from './program.js';

// `herald events tail | head` closes the pipe early: that is the reader's choice, not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(exitCodes.ok);
  throw error;
});

function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
  if (error instanceof UsageError || error instanceof EventStoreInputError) return exitCodes.usage;
  return exitCodes.failed;
}

function report(error: unknown, json: boolean): void {
  // Commander has printed its own errors, and help is not an error.
  if (error instanceof CommanderError) return;
  const message = error instanceof Error ? error.message : String(error);
  const kind = error instanceof UsageError || error instanceof EventStoreInputError ? 'usage'
    : error instanceof Refusal ? 'refused' : error instanceof ConfigError ? 'configuration' : 'failed';
  process.stderr.write(json ? `${JSON.stringify({ error: { kind, message } })}\n` : `herald: ${message}\n`);
}

const argv = process.argv.slice(2);
const json = argv.includes('--json');
try {
  await heraldProgram({ json }).parseAsync(argv, { from: 'user' });
} catch (error) {
  report(error, json);
  process.exitCode = exitCodeOf(error);
}
