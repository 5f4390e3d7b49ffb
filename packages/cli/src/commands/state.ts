import type { Position } from '@herald/eventstore';
import { Command } from 'commander';
import { position } from '../arguments.js';
import { withStores } from '../context.js';
import { revisionJson, writeLine } from '../output.js';
import { readStream } from './events.js';

interface StateOptions {
  readonly at?: Position;
}

export function stateCommand(): Command {
  return new Command('state')
    .description("print an aggregate's state as its decider folds the stream's events (never the password hash)")
    .argument('<stream-id>', 'user-<uuid>, post-<uuid> or friendship-<uuid>_<uuid>')
    .option('--at <position>', 'the state as it was at this log position: only the events at or before it are folded', position)
    .action(async (streamId: string, options: StateOptions, command: Command) => {
      // The command API's public face loads its whole server (Koa, Redis, gRPC); only this command needs it.
      const { stateOfStream } = await import('@herald/command-api');
      await withStores(async ({ store }) => {
        const events = (await readStream(store, streamId)).filter((e) => options.at === undefined || e.position <= options.at);
        const { aggregate, state } = stateOfStream(streamId, events);
        const last = events.at(-1);
        const view = {
          stream: streamId,
          aggregate,
          at: options.at ?? null,
          revision: last ? revisionJson(last.revision) : null,
          position: last?.position ?? null,
          events: events.length,
          state,
        };
        await writeLine(JSON.stringify(view, null, command.optsWithGlobals().json ? undefined : 2));
      });
    });
}
