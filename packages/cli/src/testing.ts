import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createEventStore, migrateEventStore, type EventStore } from '@herald/eventstore';
import { createTestDatabase, eventually } from '@herald/kit/testing';

/** The real command, as an operator runs it: `node --import tsx packages/cli/src/main.ts`. */
export const entry = fileURLToPath(new URL('./main.ts', import.meta.url));

export interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface HeraldEnv {
  readonly DATABASE_URL?: string;
  readonly EVENTSTORE_URL?: string;
  readonly FEED_FANOUT_LIMIT?: string;
}

/** The environment a test runs herald with: its own stores, never the developer's EVENTSTORE_URL by accident. */
function environment(env: HeraldEnv): NodeJS.ProcessEnv {
  const { EVENTSTORE_URL: _ignored, ...rest } = process.env;
  return { ...rest, ...env, FORCE_COLOR: '0' };
}

export function startHerald(args: readonly string[], env: HeraldEnv): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', entry, ...args], { env: environment(env), stdio: 'pipe' });
}

/** Runs herald to its end, with `input` on stdin (none: stdin is closed at once). */
export function herald(args: readonly string[], env: HeraldEnv, input = ''): Promise<Ran> {
  const child = startHerald(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Whether this machine can give herald a terminal (util-linux `script` allocates one). */
export const terminalAvailable = spawnSync('script', ['--version']).status === 0;

/**
 * Runs herald on a terminal, as an operator at a shell would: stdin, stdout and stderr
 * are one pseudo-terminal, so everything it wrote comes back as one text.
 */
export function heraldOnTerminal(args: readonly string[], env: HeraldEnv): Promise<{ readonly code: number | null; readonly output: string }> {
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const command = [process.execPath, '--import', 'tsx', entry, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...environment(env), COLUMNS: '120' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** stdout as JSON lines. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Lines of a running herald's stdout as they come. */
export function linesOf(child: ChildProcessWithoutNullStreams): { readonly lines: string[] } {
  const seen = { lines: [] as string[] };
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    seen.lines.push(...parts);
  });
  return seen;
}

/** A few events of every kind, appended as the command side does, and where each landed; readable once it returns. */
export async function smallLog(store: EventStore) {
  const metadata = { schemaVersion: 1, occurredAt: '2026-03-01T10:00:00.000Z' };
  const [ada, bob, postId] = [randomUUID(), randomUUID(), randomUUID()];
  const user = (userId: string, firstName: string) => ({
    id: randomUUID(), type: 'UserRegistered', metadata,
    data: { userId, firstName, secondName: 'Test', birthdate: '1990-01-01', biography: '', city: 'London', passwordHash: 'scrypt$16384$8$1$c2FsdA$c2VjcmV0LWhhc2g' },
  });
  const append = async (stream: string, type: string, data: unknown) => {
    const id = randomUUID();
    const { position } = await store.append(stream, [{ id, type, data, metadata }]);
    return { id, position };
  };
  const registered = await store.append(`user-${ada}`, [user(ada, 'Ada')]);
  await store.append(`user-${bob}`, [user(bob, 'Bob')]);
  const friendship = `friendship-${[ada, bob].sort().join('_')}`;
  await append(friendship, 'FriendAdded', { userId: ada, friendId: bob });
  const post = `post-${postId}`;
  const created = await append(post, 'PostCreated', { postId, authorId: ada, text: 'first words' });
  const updated = await append(post, 'PostUpdated', { postId, authorId: ada, text: 'second thoughts' });
  const deleted = await append(post, 'PostDeleted', { postId, authorId: ada });
  await visible(store, deleted.position);
  return { ada, bob, postId, user: `user-${ada}`, friendship, post, registered, created, updated, deleted, events: 6 };
}

/** Waits until readers of the log see `position` (the PostgreSQL store shows an event once older transactions end). */
export async function visible(store: EventStore, position: string): Promise<void> {
  await eventually(async () => ((await store.headPosition() ?? '') >= position ? true : undefined), `the log's head to reach ${position}`);
}

/**
 * A database of its own holding `smallLog`, the store on it, and the environment herald
 * runs with there; `drop()` ends them.
 */
export async function smallLogDatabase(label: string) {
  const db = await createTestDatabase(label);
  await migrateEventStore(db.url);
  const store = createEventStore({ databaseUrl: db.url });
  const log = await smallLog(store);
  return {
    store, log, env: { DATABASE_URL: db.url },
    async drop() {
      await store.close();
      await db.drop();
    },
  };
}
