// The whole system as `make up` runs it (command API, projector, notifier as child
// processes, on a database of their own), users made over HTTP, client fleets, and an
// open-loop post generator whose latencies count from when each post was due.
import { randomUUID } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { liftedClientBounds } from '@herald/command-api/testing';
import { inPool } from '@herald/kit';
import { percentile, progress } from '@herald/kit/bench';
import { createTestDatabase, restartablePort, uniqueName, type TestDatabase } from '@herald/kit/testing';
import { spawnNotifier, spawnProjector, spawnReady, type HeraldProcess } from '../src/testing/notifiers.js';
import { startFleets, type Fleets } from './fleets.js';

const commandApiMain = fileURLToPath(import.meta.resolve('@herald/command-api/main'));
const password = 'bench-password';

export interface User {
  readonly id: string;
  readonly token: string;
}

export interface BenchSystem {
  readonly apiUrl: string;
  readonly notifierUrl: string;
  /** The projector's health and metrics server. */
  readonly projectorUrl: string;
  readonly fleets: Fleets;
  /** The first notifier process (the one `notifierUrl` names), as it runs now. */
  readonly notifier: HeraldProcess;
  /** The database's URL, for checks on the read models. */
  readonly databaseUrl: string;
  /** Starts another notifier on the same broker, history and auth; its feed URL. */
  addNotifier(): Promise<{ process: HeraldProcess; url: string }>;
  /**
   * Ends a process with `signal` and starts it again on the same ports, as a supervisor
   * would (notifiers by their index, 0 the first); resolves once it is ready again.
   */
  restart(role: Role, signal: NodeJS.Signals, index?: number): Promise<void>;
  /** Registers and logs in `count` users, numbered from `from`. */
  users(what: string, count: number, from: number): Promise<User[]>;
  /** `poster` befriends each of `readers`. */
  befriend(what: string, pairs: ReadonlyArray<readonly [poster: User, reader: User]>): Promise<void>;
  /** The system's processes as they run now, by role (for their CPU time). */
  processIds(): Array<{ role: Role; pid: number }>;
  /** Each process's latest warnings and errors (from the log lines it keeps): the evidence for a run that went wrong. */
  recentProblems(perProcess: number): string[];
  stop(): Promise<void>;
}

export type Role = 'command-api' | 'projector' | 'notifier';

export interface SystemOptions {
  /** PostgreSQL (a URL to create the database from), Redis and RabbitMQ; the machine's own when absent. */
  readonly services?: { readonly postgresAdminUrl: string; readonly redisUrl: string; readonly rabbitmqUrl: string };
  /** The broker as the projector's outbox relay reaches it, when not as the notifiers do (through a proxy, say). */
  readonly relayRabbitmqUrl?: string;
  /** Extra settings per process, e.g. the brokers (RABBITMQ_URLS, RABBITMQ_SHARDS) of the scale-out benchmark. */
  readonly env?: BenchEnv;
}

export interface BenchEnv {
  readonly projector?: Record<string, string>;
  readonly notifier?: Record<string, string>;
}

/**
 * The generator's HTTP client: node:http on kept-alive connections. It shares the
 * machine with the system it measures, and fetch (undici) cost it about 2 ms of CPU per
 * post there (the e2e run's `e2eCpuSeconds.generator`), CPU the command API then lacked.
 */
const agent = new Agent({ keepAlive: true, maxSockets: 1024 });

export function http(apiUrl: string, method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}): Promise<unknown> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const sent: Record<string, string> = { 'content-type': 'application/json', ...headers };
  if (token) sent.authorization = `Bearer ${token}`;
  if (payload !== undefined) sent['content-length'] = String(Buffer.byteLength(payload));
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${apiUrl}${path}`, { method, headers: sent, agent }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('error', reject);
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        if (status < 200 || status > 299) reject(Object.assign(new Error(`${method} ${path} answered ${status}: ${text}`), { status }));
        else resolve(text ? JSON.parse(text) : undefined);
      });
    });
    // No answer at all (refused, reset): no status, which a retrying client treats as passing.
    request.on('error', reject);
    request.end(payload);
  });
}

/** A busy machine starts a process slowly (tsx compiles it first): a restart under load waits this long for it. */
const readyWithinMs = 120_000;

/** A process of the system and how it was started, so it can be started again on the same ports. */
interface Member {
  readonly role: Role;
  readonly start: () => Promise<HeraldProcess>;
  current: HeraldProcess;
}

/** SIGTERM, and SIGKILL if it has not exited `graceMs` later: a teardown never hangs on one process. */
async function stopWithin(process: HeraldProcess, graceMs: number): Promise<void> {
  const timer = setTimeout(() => void process.stop('SIGKILL'), graceMs);
  await process.stop();
  clearTimeout(timer);
}

export async function startBenchSystem(label: string, sockets: number, options: SystemOptions = {}): Promise<BenchSystem> {
  const services = options.services;
  const database: TestDatabase = await createTestDatabase(label, services?.postgresAdminUrl);
  const exchange = uniqueName('herald.posts.bench');
  const redisKeyPrefix = `${uniqueName('herald-bench')}:`;
  const shared: Record<string, string> = {
    REDIS_KEY_PREFIX: redisKeyPrefix, FEED_EXCHANGE: exchange,
    ...(services ? { REDIS_URL: services.redisUrl, RABBITMQ_URL: services.rabbitmqUrl } : {}),
  };
  const members: Member[] = [];
  /** Processes the benchmark itself stops or kills: any other exit is news, with its last words. */
  const endedOnPurpose = new WeakSet<HeraldProcess>();
  const watch = (role: Role, child: HeraldProcess): HeraldProcess => {
    void child.exited.then((code) => {
      if (endedOnPurpose.has(child)) return;
      const last = child.logs.slice(-5).map((line) => JSON.stringify(line)).join('\n');
      console.error(`${role} on port ${child.port} exited on its own (${String(code)}); its last log lines:\n${last}`);
    });
    return child;
  };
  const join = async (role: Role, start: () => Promise<HeraldProcess>): Promise<Member> => {
    const member: Member = { role, start: async () => watch(role, await start()), current: watch(role, await start()) };
    members.push(member);
    return member;
  };
  const stopAll = async () => {
    await fleets.close();
    for (const m of members) endedOnPurpose.add(m.current);
    for (const m of [...members].reverse()) await stopWithin(m.current, 15_000);
    await database.drop();
  };
  const fleets = startFleets(sockets, 2);
  try {
    const [httpPort, grpcPort] = [await restartablePort(), await restartablePort()];
    const apiEnv = {
      ...shared, DATABASE_URL: database.url, HTTP_HOST: '127.0.0.1', HTTP_PORT: String(httpPort), GRPC_PORT: String(grpcPort), SCRYPT_LOG2_COST: '10',
      // Every client of the benchmark is 127.0.0.1.
      ...liftedClientBounds,
    };
    await join('command-api', () => spawnReady('command-api', commandApiMain, apiEnv, readyWithinMs));
    const apiUrl = `http://127.0.0.1:${httpPort}`;
    const projectorEnv = { ...shared, DATABASE_URL: database.url, ...(options.relayRabbitmqUrl ? { RABBITMQ_URL: options.relayRabbitmqUrl } : {}), ...options.env?.projector };
    const projector = await join('projector', () => spawnProjector(projectorEnv, readyWithinMs));
    const notifierEnv = { ...shared, AUTH_GRPC_ADDRESS: `127.0.0.1:${String(grpcPort)}`, AUTH_FAILURES_PER_CLIENT: '1000000', ...options.env?.notifier };
    const addNotifier = async () => {
      const port = String(await restartablePort());
      return join('notifier', () => spawnNotifier({ ...notifierEnv, NOTIFIER_PORT: port }, readyWithinMs));
    };
    const first = await addNotifier();
    return {
      apiUrl,
      notifierUrl: `${first.current.url}/post/feed/posted`,
      get projectorUrl() { return `http://127.0.0.1:${projector.current.port}`; },
      get notifier() { return first.current; },
      databaseUrl: database.url,
      fleets,
      async addNotifier() {
        const another = await addNotifier();
        return { process: another.current, url: `${another.current.url}/post/feed/posted` };
      },
      async restart(role, signal, index = 0) {
        const member = members.filter((m) => m.role === role)[index];
        if (!member) throw new Error(`no ${role} ${index} in this system`);
        endedOnPurpose.add(member.current);
        await member.current.stop(signal);
        member.current = await member.start();
      },
      users: (what, count, from) => inPool(count, 32, async (i) => {
        const profile = { first_name: `Bench${from + i}`, second_name: 'Reader', birthdate: '1990-01-01', biography: '', city: 'Bench', password };
        const { user_id: id } = (await http(apiUrl, 'POST', '/user/register', undefined, profile)) as { user_id: string };
        const { token } = (await http(apiUrl, 'POST', '/login', undefined, { id, password })) as { token: string };
        return { id, token };
      }, progress(what, count)),
      befriend: async (what, pairs) => {
        await inPool(pairs.length, 32, (i) => http(apiUrl, 'PUT', `/friend/set/${pairs[i]![1].id}`, pairs[i]![0].token), progress(what, pairs.length));
      },
      processIds: () => members.flatMap((m) => (m.current.child.pid === undefined ? [] : [{ role: m.role, pid: m.current.child.pid }])),
      recentProblems: (perProcess) => members.flatMap((m) => m.current.logs
        .filter((line) => line.level === 'warn' || line.level === 'error' || line.level === 'fatal').slice(-perProcess)
        .map((line) => `${m.role} ${m.current.port}: ${JSON.stringify(line)}`)),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

export interface Schedule {
  readonly rate: number;
  readonly seconds: number;
  /** Who makes post `seq` (the schedule's own numbering). */
  readonly posterOf: (seq: number) => User;
  /** Sequence numbers start here, so several schedules in one run never share one. */
  readonly firstSeq: number;
  /** Posts in flight at most; past it the generator waits, and its delay counts. */
  readonly maxInFlight?: number;
  /**
   * Each post is sent with an Idempotency-Key and, when its answer is lost or refused for
   * a passing reason (no answer, 5xx, 409 key in use, 429), sent again with the same key
   * for up to this long, as a careful client does. Without it each post is sent once.
   */
  readonly retryForMs?: number;
  /** Stops offering posts when aborted, before `seconds` are up: the load lasts as long as something else does. */
  readonly until?: AbortSignal;
}

export interface GeneratorOutcome {
  readonly offered: number;
  readonly answered: number;
  readonly failed: number;
  readonly achievedPerSec: number;
  /** From when each post was due to its command's answer (ms): the part of the latency before the log. */
  readonly answerP50Ms: number;
  readonly answerP99Ms: number;
  /** seq -> the poster of each post that was answered 200. */
  readonly posted: ReadonlyMap<number, User>;
  /** When post `seq` was due (epoch ms). */
  readonly dueOf: (seq: number) => number;
  /** Posts answered 200 only after one or more retries. */
  readonly retried: number;
  /** Retries answered 409 idempotency_key_in_use: the key still held by an attempt the server never finished. */
  readonly keyInUse: number;
}

/** A failure a client should retry (with the same key): no answer, the server's trouble, or "come back later". */
function passing(error: unknown): boolean {
  const status = (error as { status?: number }).status;
  return status === undefined || status >= 500 || status === 409 || status === 429;
}

/**
 * Sends one post, again and again with its key while it fails for a passing reason and
 * `retryForMs` allows; how many attempts it took. `onRefused` hears each passing failure's status.
 */
async function sendPost(apiUrl: string, poster: User, text: string, retryForMs: number | undefined, onRefused: (status: number | undefined) => void): Promise<number> {
  if (retryForMs === undefined) {
    await http(apiUrl, 'POST', '/post/create', poster.token, { text });
    return 1;
  }
  const headers = { 'idempotency-key': randomUUID() };
  const deadline = Date.now() + retryForMs;
  for (let attempt = 1, backoffMs = 200; ; attempt += 1, backoffMs = Math.min(2_000, backoffMs * 2)) {
    try {
      await http(apiUrl, 'POST', '/post/create', poster.token, { text }, headers);
      return attempt;
    } catch (error) {
      if (!passing(error) || Date.now() + backoffMs > deadline) throw error;
      onRefused((error as { status?: number }).status);
      await sleep(backoffMs * (0.5 + Math.random()));
    }
  }
}

/**
 * Posts at a steady offered rate, each due at start + seq/rate. The text carries the
 * due time, so a client's latency counts the generator's own delay (no coordinated
 * omission). Achieved: posts answered 200 over the time until the last answer.
 */
export async function postSteadily(apiUrl: string, schedule: Schedule): Promise<GeneratorOutcome> {
  const total = Math.round(schedule.rate * schedule.seconds);
  const inFlight = new Set<Promise<void>>();
  let slotFreed: (() => void) | undefined;
  const posted = new Map<number, User>();
  const answers: number[] = [];
  let failed = 0;
  let retried = 0;
  let keyInUse = 0;
  const onRefused = (status: number | undefined) => void (status === 409 && (keyInUse += 1));
  const started = performance.now();
  const dueOf = (seq: number) => performance.timeOrigin + started + ((seq - schedule.firstSeq) * 1000) / schedule.rate;
  let offered = 0;
  for (let i = 0; i < total && !schedule.until?.aborted; i += 1, offered += 1) {
    const seq = schedule.firstSeq + i;
    const due = started + (i * 1000) / schedule.rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    // Waits for one slot; not Promise.race(inFlight), which hangs a reaction on every post in
    // flight each time: saturated at 1,024 in flight, the e2e run's generator used 35 CPU s
    // that way, 11 CPU s without, CPU the system it measures lacked.
    while (inFlight.size >= (schedule.maxInFlight ?? 1024)) await new Promise<void>((resolve) => (slotFreed = resolve));
    const poster = schedule.posterOf(seq);
    const call = sendPost(apiUrl, poster, `probe ${seq} ${performance.timeOrigin + due}`, schedule.retryForMs, onRefused)
      .then((attempts) => {
        if (attempts > 1) retried += 1;
        posted.set(seq, poster);
        answers.push(performance.now() - due);
      }, () => void (failed += 1))
      .finally(() => {
        inFlight.delete(call);
        slotFreed?.();
        slotFreed = undefined;
      });
    inFlight.add(call);
  }
  await Promise.all(inFlight);
  const seconds = Math.max(offered / schedule.rate, (performance.now() - started) / 1000);
  return {
    offered, answered: posted.size, failed, achievedPerSec: posted.size / seconds, posted, dueOf, retried, keyInUse,
    answerP50Ms: percentile(answers, 50), answerP99Ms: percentile(answers, 99),
  };
}

export interface DeliveryFigures {
  readonly deliveries: number;
  readonly expected: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Every probe arrival the fleets reported, by sequence number: schedules running side by side each read their own. */
export class ProbeLedger {
  readonly #latencies = new Map<number, number[]>();
  readonly #duplicated = new Map<number, number>();

  constructor(private readonly fleets: Fleets) {}

  /** Latencies (ms from when it was due) of post `seq`'s arrivals so far, one per client that got it. */
  arrivalsOf(seq: number): readonly number[] {
    return this.#latencies.get(seq) ?? [];
  }

  async poll(): Promise<void> {
    const report = await this.fleets.probes();
    for (const [seq, latency] of report.arrivals) {
      const list = this.#latencies.get(seq);
      if (list) list.push(latency);
      else this.#latencies.set(seq, [latency]);
    }
    for (const [seq, n] of report.duplicated) this.#duplicated.set(seq, (this.#duplicated.get(seq) ?? 0) + n);
  }

  /** The soonest arrival of probe `seq` at any socket, as ms after it was due; undefined before one arrived. */
  firstArrivalMs(seq: number): number | undefined {
    const latencies = this.#latencies.get(seq);
    return latencies && latencies.length > 0 ? Math.min(...latencies) : undefined;
  }

  /**
   * Polls until every expected delivery of `posted` arrived (or `graceMs` passed), then
   * counts: each post is expected at its poster's online friends' sockets.
   */
  async figures(posted: ReadonlyMap<number, User>, socketsOf: (poster: User) => number, graceMs = 30_000): Promise<DeliveryFigures> {
    let expected = 0;
    for (const poster of posted.values()) expected += socketsOf(poster);
    const delivered = () => [...posted.keys()].reduce((sum, seq) => sum + (this.#latencies.get(seq)?.length ?? 0), 0);
    const deadline = Date.now() + graceMs;
    for (;;) {
      await this.poll();
      if (delivered() >= expected || Date.now() > deadline) break;
      await sleep(250);
    }
    const latencies: number[] = [];
    let lost = 0;
    let duplicated = 0;
    for (const [seq, poster] of posted) {
      const arrived = this.#latencies.get(seq) ?? [];
      latencies.push(...arrived);
      lost += Math.max(0, socketsOf(poster) - arrived.length);
      duplicated += this.#duplicated.get(seq) ?? 0;
    }
    return {
      deliveries: latencies.length, expected, lost, duplicated,
      p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), maxMs: latencies.reduce((m, l) => Math.max(m, l), 0),
    };
  }
}

/** A Prometheus histogram's cumulative bucket counts, by upper bound (the +Inf bucket as Infinity). */
export type HistogramBuckets = ReadonlyMap<number, number>;

/** Reads one histogram (summed over its labels) from a process's /metrics. */
export async function scrapeHistogram(baseUrl: string, name: string): Promise<HistogramBuckets> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const buckets = new Map<number, number>();
  const line = new RegExp(`^${name}_bucket\\{(?:[^}]*,)?le="([^"]+)"[^}]*\\} (\\S+)$`, 'gm');
  for (const [, le, count] of text.matchAll(line)) {
    const bound = le === '+Inf' ? Infinity : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(count));
  }
  return buckets;
}

/** One counter from a process's /metrics, summed by the value of one of its labels. */
export async function scrapeCounter(baseUrl: string, name: string, label: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const byLabel = new Map<string, number>();
  const line = new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm');
  for (const [, labels, count] of text.matchAll(line)) {
    const value = new RegExp(`(?:^|,)${label}="([^"]*)"`).exec(labels ?? '')?.[1] ?? '';
    byLabel.set(value, (byLabel.get(value) ?? 0) + Number(count));
  }
  return byLabel;
}

/**
 * The q-quantile of what was observed between two scrapes, in the histogram's unit,
 * interpolated within its bucket (as PromQL's histogram_quantile): as fine as the buckets.
 */
export function quantileBetween(before: HistogramBuckets, after: HistogramBuckets, q: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((b) => (after.get(b) ?? 0) - (before.get(b) ?? 0));
  const total = counts.at(-1) ?? 0;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  for (let i = 0; i < bounds.length; i += 1) {
    if (counts[i]! < rank) continue;
    const lower = i === 0 ? 0 : bounds[i - 1]!;
    const upper = bounds[i]!;
    if (upper === Infinity) return lower;
    const below = i === 0 ? 0 : counts[i - 1]!;
    return lower + (upper - lower) * ((rank - below) / Math.max(1, counts[i]! - below));
  }
  return bounds.at(-2) ?? Number.NaN;
}
