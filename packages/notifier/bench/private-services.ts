// PostgreSQL, Redis and RabbitMQ of the fault suite's own, on ports of their own, so that
// restarting them harms no other user of the machine's services: a PostgreSQL cluster
// (initdb into .run/faults/postgres, run as the postgres user), a redis-server with an
// append-only file, and a RabbitMQ node through infra/rabbitmq-nodes.sh. A run that was
// killed leaves them behind: the next one stops them first.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { connect } from 'node:net';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const baseDir = join(repoRoot, '.run/faults');
const nodesScript = join(repoRoot, 'infra/rabbitmq-nodes.sh');
const execFileAsync = promisify(execFile);
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

export interface PrivateServices {
  readonly postgresAdminUrl: string;
  readonly redisUrl: string;
  readonly rabbitmqUrl: string;
  /** `pg_ctl restart -m fast`: every session is ended, the cluster is back when it returns. */
  restartPostgres(): Promise<void>;
  /** SIGTERM (a SHUTDOWN: the append-only file is synced), then a new redis-server on the same files. */
  restartRedis(): Promise<void>;
  /** `rabbitmqctl stop_app`, `outageMs` later `start_app` (which returns once the broker runs again). */
  restartBroker(outageMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** Runs a command without blocking the load the suite keeps up meanwhile; throws its output when it fails. */
async function run(command: string, args: readonly string[], extraEnv: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, { encoding: 'utf8', env: { ...process.env, ...extraEnv }, maxBuffer: 16 * 2 ** 20 });
    return stdout;
  } catch (error) {
    const { code, stdout, stderr } = error as { code?: unknown; stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed (${String(code)}): ${stdout ?? ''}${stderr ?? ''}`, { cause: error });
  }
}

const isRoot = process.getuid?.() === 0;
/** PostgreSQL refuses to run as root: as the postgres user then. */
const asPostgres = (command: string, args: readonly string[]): Promise<string> => (isRoot ? run('runuser', ['-u', 'postgres', '--', command, ...args]) : run(command, args));

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

async function untilAnswers(port: number, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await answers(port))) {
    if (Date.now() > deadline) throw new Error(`${what} does not answer on :${port} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

// --- PostgreSQL ------------------------------------------------------------------------

function postgresBin(): string {
  const versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('no PostgreSQL in /usr/lib/postgresql (bash infra/services.sh installs it)');
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

async function startPostgres(port: number): Promise<Pick<PrivateServices, 'postgresAdminUrl' | 'restartPostgres'> & { stop(): Promise<void> }> {
  const bin = postgresBin();
  const dir = join(baseDir, 'postgres');
  const ctl = (...args: string[]) => asPostgres(`${bin}/pg_ctl`, ['-D', dir, ...args]);
  if (existsSync(join(dir, 'postmaster.pid'))) await ctl('stop', '-m', 'immediate', '-w');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (isRoot) await run('chown', ['postgres:postgres', dir]);
  if (await answers(port)) throw new Error(`port ${port} is taken: set FAULTS_POSTGRES_PORT`);
  await asPostgres(`${bin}/initdb`, ['-D', dir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  const options = `-c port=${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c max_connections=200`;
  await ctl('start', '-w', '-l', join(dir, 'server.log'), '-o', options);
  return {
    postgresAdminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async restartPostgres() {
      await ctl('restart', '-m', 'fast', '-w', '-l', join(dir, 'server.log'), '-o', options);
    },
    async stop() {
      await ctl('stop', '-m', 'fast', '-w');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// --- Redis -----------------------------------------------------------------------------

async function startRedis(port: number): Promise<Pick<PrivateServices, 'redisUrl' | 'restartRedis'> & { stop(): Promise<void> }> {
  const dir = join(baseDir, 'redis');
  const pidFile = join(dir, 'redis.pid');
  if (existsSync(pidFile)) {
    try { process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL'); } catch { /* gone already */ }
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (await answers(port)) throw new Error(`port ${port} is taken: set FAULTS_REDIS_PORT`);
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--pidfile', pidFile, '--logfile', join(dir, 'redis.log'),
    '--appendonly', 'yes', '--save', '', '--daemonize', 'no'];
  let server: ChildProcess;
  const launch = async () => {
    server = spawn('redis-server', args, { stdio: 'ignore' });
    await untilAnswers(port, 'redis-server');
  };
  // SIGTERM is SHUTDOWN (the append-only file is flushed and synced), without a client of its own.
  const shutdown = async () => {
    if (server.exitCode !== null || server.signalCode !== null) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    const timeout = sleep(30_000).then(() => 'timeout');
    if ((await Promise.race([exited, timeout])) === 'timeout') throw new Error(`redis-server did not stop within 30 s of SIGTERM (see ${join(dir, 'redis.log')})`);
  };
  await launch();
  return {
    redisUrl: `redis://127.0.0.1:${port}`,
    async restartRedis() {
      await shutdown();
      await launch();
    },
    async stop() {
      await shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// --- RabbitMQ --------------------------------------------------------------------------

async function startRabbitmq(port: number): Promise<Pick<PrivateServices, 'rabbitmqUrl' | 'restartBroker'> & { stop(): Promise<void> }> {
  const nodesEnv = { RABBITMQ_NODES_DIR: join(baseDir, 'rabbitmq'), RABBITMQ_NODES_PORT: String(port), RABBITMQ_NODES_NAME: 'herald-faults' };
  const nodes = (...args: string[]) => run('bash', [nodesScript, ...args], nodesEnv);
  await nodes('down');
  await nodes('up', '--shards', '--nodes', '1');
  return {
    rabbitmqUrl: `amqp://guest:guest@127.0.0.1:${port}`,
    async restartBroker(outageMs) {
      await nodes('ctl', '1', 'stop_app');
      await sleep(outageMs);
      await nodes('ctl', '1', 'start_app');
    },
    async stop() {
      await nodes('down');
    },
  };
}

export async function startPrivateServices(): Promise<PrivateServices> {
  mkdirSync(baseDir, { recursive: true });
  const postgres = await startPostgres(env('FAULTS_POSTGRES_PORT', 5442));
  const redis = await startRedis(env('FAULTS_REDIS_PORT', 6389));
  const rabbitmq = await startRabbitmq(env('FAULTS_RABBITMQ_PORT', 5695));
  return {
    postgresAdminUrl: postgres.postgresAdminUrl, redisUrl: redis.redisUrl, rabbitmqUrl: rabbitmq.rabbitmqUrl,
    restartPostgres: postgres.restartPostgres, restartRedis: redis.restartRedis, restartBroker: rabbitmq.restartBroker,
    async stop() {
      await rabbitmq.stop();
      await redis.stop();
      await postgres.stop();
    },
  };
}
