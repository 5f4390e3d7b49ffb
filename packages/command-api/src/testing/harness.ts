import { createPostgresPool, loadConfig } from '@herald/kit';
import { migrateReadModels } from '@herald/projections';
import type { TestDatabase } from '@herald/kit/testing';
import { call, createTestDatabase, uniqueName } from '@herald/kit/testing';
import type { CommandApiConfig } from '../settings.js';
import { settings } from '../settings.js';
import type { CommandApi, StartOptions } from '../start.js';
import { startCommandApi } from '../start.js';
import { liftedClientBounds } from './client-bounds.js';

/** A command API of its own for one test file: fresh database, own Redis key prefix, free ports. */
export interface Harness {
  readonly api: CommandApi;
  readonly db: TestDatabase;
  readonly config: CommandApiConfig;
  readonly baseUrl: string;
  close(): Promise<void>;
}

/** Environment of a further API on the harness's database, with Redis keys of its own. */
function harnessEnv(databaseUrl: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    GRPC_PORT: '0',
    REDIS_KEY_PREFIX: `${uniqueName('herald-test.extra')}:`,
    LOG_LEVEL: 'silent',
    // Cheaper hashing keeps the tests quick; the format and the verification path are the same.
    SCRYPT_LOG2_COST: '12',
    // Every test client is 127.0.0.1: the per-address bounds on work without an account
    // are lifted here, and tested on their own (src/http/client-bounds.test.ts).
    ...liftedClientBounds,
  };
}

/** A further API on a harness's database, with Redis keys of its own and settings of its own. */
export interface ExtraApi {
  readonly api: CommandApi;
  readonly baseUrl: string;
  stop(): Promise<void>;
}

export async function startExtraApi(databaseUrl: string, env: Record<string, string> = {}): Promise<ExtraApi> {
  const api = await startCommandApi(loadConfig(settings, { ...harnessEnv(databaseUrl), ...env }));
  return { api, baseUrl: `http://127.0.0.1:${api.httpPort}`, stop: () => api.stop() };
}

export interface HarnessOptions extends StartOptions {
  /**
   * The read models are the projector's to create: 'created' (the default) creates them
   * as the projector would at its start, since most tests query them with no projector
   * running; 'absent' leaves a database where no projector has started yet.
   */
  readonly readModels?: 'created' | 'absent';
}

async function createReadModels(databaseUrl: string): Promise<void> {
  const pool = createPostgresPool({ connectionString: databaseUrl, max: 1 });
  try {
    await migrateReadModels(pool);
  } finally {
    await pool.end();
  }
}

export async function startHarness(label: string, env: Record<string, string> = {}, options: HarnessOptions = {}): Promise<Harness> {
  const db = await createTestDatabase(label);
  if (options.readModels !== 'absent') await createReadModels(db.url);
  const config = loadConfig(settings, {
    ...harnessEnv(db.url),
    REDIS_KEY_PREFIX: `${uniqueName(`herald-test.${label}`)}:`,
    ...env,
  });
  const api = await startCommandApi(config, options);
  return {
    api,
    db,
    config,
    baseUrl: `http://127.0.0.1:${api.httpPort}`,
    async close() {
      await api.stop();
      await db.drop();
    },
  };
}

export const newUser = (overrides: Record<string, unknown> = {}) => ({
  first_name: 'Ada',
  second_name: 'Lovelace',
  birthdate: '1990-12-10',
  biography: 'Analytical engines',
  city: 'London',
  password: 'correct horse battery',
  ...overrides,
});

/** Registers a user and logs in: the id and a live token. */
export async function registeredUser(baseUrl: string, overrides: Record<string, unknown> = {}): Promise<{ id: string; token: string; password: string }> {
  const user = newUser(overrides);
  const registered = await call(baseUrl, 'POST', '/user/register', { json: user });
  if (registered.status !== 200) throw new Error(`register answered ${registered.status}: ${JSON.stringify(registered.body)}`);
  const id: string = registered.body.user_id;
  const login = await call(baseUrl, 'POST', '/login', { json: { id, password: user.password } });
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${JSON.stringify(login.body)}`);
  return { id, token: login.body.token, password: String(user.password) };
}
