import { createInterface } from 'node:readline';
import { createReadStream } from 'node:fs';
import type { Position, StartFrom } from '@herald/eventstore';
import { demoPassword, generateLog, span } from '@herald/projections';
import { Command } from 'commander';
import { position, positiveInteger } from '../arguments.js';
import { readyLog, withStores } from '../context.js';
import { UsageError } from '../errors.js';
import { importLog } from '../log/import.js';
import { exportLine } from '../log/lines.js';
import { writeJson, writeLine } from '../output.js';
import { progressBar } from '../progress.js';

function exportCommand(): Command {
  return new Command('export')
    .description('write the log as JSON lines (stream, revision, id, type, data, metadata; and the source position and commit time), oldest first, up to its head')
    .option('--from <position>', 'only the events after this position', position)
    .addHelpText('after', '\nExample:\n  herald log export > log.jsonl')
    .action(async (options: { from?: Position }) => {
      await withStores(async ({ store }) => {
        const head = await store.headPosition();
        const estimate = span(options.from ?? '', head ?? '');
        const bar = progressBar('export', estimate.total, 'events', { dataOnStdout: true });
        let written = 0;
        try {
          for (let from: StartFrom = options.from ? { after: options.from } : 'start'; head !== null;) {
            const batch = await store.readAll({ from, maxCount: 1000 });
            const upToHead = batch.events.filter((e) => e.position <= head);
            for (const event of upToHead) await writeLine(exportLine(event));
            written += upToHead.length;
            const last = upToHead.at(-1);
            if (last) bar.update(estimate.done(last.position) ?? written, written);
            if (batch.caughtUp || upToHead.length < batch.events.length) break;
            from = batch.next;
          }
        } finally {
          bar.stop();
        }
      });
    });
}

function importCommand(): Command {
  return new Command('import')
    .description('append an exported log to this store (empty, or holding part of the same file), keeping streams, revisions, ids, types, data and metadata')
    .argument('[file]', 'the exported log; stdin when left out')
    .addHelpText('after', [
      '',
      'Importing the same file again adds nothing: events already there are passed over, so an',
      'interrupted import is finished by running it again. A store holding any other event is refused.',
      '',
      'Examples:',
      '  herald log import < log.jsonl',
      '  EVENTSTORE_URL=esdb://127.0.0.1:2113?tls=false herald log import log.jsonl',
    ].join('\n'))
    .action(async (file: string | undefined, _options: object, command: Command) => {
      if (file === undefined && process.stdin.isTTY) throw new UsageError('herald log import reads an exported log from stdin or a file: herald log import < log.jsonl');
      const json = Boolean(command.optsWithGlobals().json);
      await withStores(async (stores) => {
        await readyLog(stores);
        const input = file === undefined ? process.stdin : createReadStream(file);
        const lines = createInterface({ input, crlfDelay: Infinity });
        const bar = progressBar('import', undefined, 'events');
        const result = await importLog(stores.store, lines, (r) => bar.update(r.read, r.read)).finally(() => bar.stop());
        if (json) await writeJson({ ...result, store: stores.storeName });
        else await writeLine(`imported ${result.read} events into ${stores.storeName}: ${result.appended} appended, ${result.present} already there`);
      });
    });
}

interface GenerateOptions {
  readonly users: number;
  readonly friends: number;
  readonly postsPerUser: number;
  readonly concurrency: number;
  readonly seed: number;
}

function generateCommand(): Command {
  return new Command('generate')
    .description('append a realistic log (users, friendships, posts, some edits) for demos and benchmarks')
    .option('--users <n>', 'users to register', positiveInteger, 10_000)
    .option('--friends <n>', 'average friends per user', positiveInteger, 50)
    .option('--posts-per-user <n>', 'posts per user on average', positiveInteger, 6)
    .option('--concurrency <n>', 'appends in flight', positiveInteger, 16)
    .option('--seed <n>', 'random seed', positiveInteger, 42)
    .action(async (options: GenerateOptions, command: Command) => {
      const json = Boolean(command.optsWithGlobals().json);
      await withStores(async (stores) => {
        await readyLog(stores);
        const bar = progressBar('generate', undefined, 'events');
        const request = { users: options.users, friendsPerUser: options.friends, postsPerUser: options.postsPerUser, concurrency: options.concurrency, seed: options.seed };
        const total = await generateLog(stores.store, request, (done) => bar.update(done)).finally(() => bar.stop());
        if (json) await writeJson({ appended: total, password: demoPassword });
        else await writeLine(`appended ${total} events; every generated user's password is "${demoPassword}"`);
      });
    });
}

export function logCommand(): Command {
  return new Command('log')
    .description('move a log between stores (PostgreSQL, EventStoreDB), or generate one')
    .addCommand(exportCommand())
    .addCommand(importCommand())
    .addCommand(generateCommand());
}
