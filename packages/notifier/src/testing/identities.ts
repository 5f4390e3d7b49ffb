import { settings as commandApiSettings, startCommandApi, type CommandApi } from '@herald/command-api';
import { liftedClientBounds } from '@herald/command-api/testing';
import { loadConfig } from '@herald/kit';
import { callOk, createTestDatabase, uniqueName, type TestDatabase } from '@herald/kit/testing';
import { connectFeed, type FeedClient } from './feed-client.js';

export interface User {
  readonly id: string;
  readonly token: string;
}

/**
 * The real command API in this process (fresh test database, its own Redis prefix):
 * users are registered and logged in over HTTP, and the notifier checks their tokens
 * with the API's gRPC AuthService, exactly as in production.
 */
export interface Identities {
  readonly apiUrl: string;
  /** host:port of the API's gRPC AuthService, for AUTH_GRPC_ADDRESS. */
  readonly authAddress: string;
  readonly databaseUrl: string;
  /** The command API's Redis key prefix: give it to the projector and notifiers too, so they share the notification history and a notifier hears the API's session revocations. */
  readonly redisKeyPrefix: string;
  /** Registers a user and logs in once: its id and a session token. */
  register(firstName: string): Promise<User>;
  /** The user of this first name, registered on first use: tests name users, not ids. */
  named(firstName: string): Promise<User>;
  /** One more session (another device) of a registered user. */
  login(userId: string): Promise<string>;
  logout(token: string): Promise<void>;
  /** An authenticated JSON request to the API; throws unless it answers 2xx. */
  request(method: string, path: string, token: string, body?: unknown): Promise<{ body: unknown; headers: Headers }>;
  stop(): Promise<void>;
}

const password = 'correct horse battery staple';

export async function startIdentities(label: string, env: Record<string, string> = {}): Promise<Identities> {
  const database: TestDatabase = await createTestDatabase(label);
  const redisKeyPrefix = env.REDIS_KEY_PREFIX ?? `${uniqueName(`herald-notifier-test.${label}`)}:`;
  let api: CommandApi;
  try {
    api = await startCommandApi(loadConfig(commandApiSettings, {
      DATABASE_URL: database.url, HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', GRPC_HOST: '127.0.0.1', GRPC_PORT: '0',
      REDIS_KEY_PREFIX: redisKeyPrefix, LOG_LEVEL: 'silent',
      // Cheaper hashing keeps the tests quick; the verification path is the same.
      SCRYPT_LOG2_COST: '12',
      // Every test client is 127.0.0.1.
      ...liftedClientBounds,
      ...env,
    }));
  } catch (error) {
    await database.drop();
    throw error;
  }
  const apiUrl = `http://127.0.0.1:${api.httpPort}`;

  const request = (method: string, path: string, token: string | undefined, body?: unknown) => callOk(apiUrl, method, path, { token, json: body });

  async function login(userId: string): Promise<string> {
    const { body } = await request('POST', '/login', undefined, { id: userId, password });
    return (body as { token: string }).token;
  }

  async function register(firstName: string): Promise<User> {
    const { body } = await request('POST', '/user/register', undefined, {
      first_name: firstName, second_name: 'Tester', birthdate: '1990-01-01', biography: 'notifier tests', city: 'Testville', password,
    });
    const id = (body as { user_id: string }).user_id;
    return { id, token: await login(id) };
  }

  const byName = new Map<string, Promise<User>>();
  function named(firstName: string): Promise<User> {
    let user = byName.get(firstName);
    if (!user) {
      user = register(firstName);
      byName.set(firstName, user);
    }
    return user;
  }

  return {
    apiUrl,
    authAddress: `127.0.0.1:${api.grpcPort}`,
    databaseUrl: database.url,
    redisKeyPrefix,
    register,
    named,
    login,
    async logout(token) {
      await request('POST', '/logout', token);
    },
    request: (method, path, token, body) => request(method, path, token, body),
    async stop() {
      await api.stop();
      await database.drop();
    },
  };
}

/**
 * One device of `user` on the notifier at `notifierUrl`: a fresh login, a feed socket,
 * kept in `opened` so the test can end them all.
 */
export async function openDevice(ids: Identities, notifierUrl: string, user: User, opened: FeedClient[]): Promise<FeedClient> {
  const client = await connectFeed(notifierUrl, await ids.login(user.id));
  opened.push(client);
  return client;
}
