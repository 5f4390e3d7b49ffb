// The whole system as `make up` runs it (command API, projector, notifier as child
// processes, on a database of their own), users made over HTTP, client fleets, and an
// open-loop post generator whose latencies count from when each post was due.
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { liftedClientBounds } from '@herald/command-api/testing';
import { inPool } from '@herald/kit';
import { percentile, progress } from '@herald/kit/bench';
import { callOk, createTestDatabase, uniqueName, type TestDatabase } from '@herald/kit/testing';
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
  /** The first notifier process (the one `notifierUrl` names). */
  readonly notifier: HeraldProcess;
  /** Starts another notifier on the same broker, history and auth; its feed URL. */
  addNotifier(): Promise<{ process: HeraldProcess; url: string }>;
  /** Registers and logs in `count` users, numbered from `from`. */
  users(what: string, count: number, from: number): Promise<User[]>;
  /** `poster` befriends each of `readers`. */
  befriend(what: string, pairs: ReadonlyArray<readonly [poster: User, reader: User]>): Promise<void>;
  stop(): Promise<void>;
}

export async function http(apiUrl: string, method: string, path: string, token?: string, body?: unknown): Promise<unknown> {
  return (await callOk(apiUrl, method, path, { token, json: body })).body;
}

export async function startBenchSystem(label: string, sockets: number): Promise<BenchSystem> {
  const database: TestDatabase = await createTestDatabase(label);
  const exchange = uniqueName('herald.posts.bench');
  const redisKeyPrefix = `${uniqueName('herald-bench')}:`;
  const processes: HeraldProcess[] = [];
  const fleets = startFleets(sockets, 2);
  try {
    const api = await spawnReady('command-api', commandApiMain, {
      DATABASE_URL: database.url, HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', GRPC_PORT: '0',
      REDIS_KEY_PREFIX: redisKeyPrefix, SCRYPT_LOG2_COST: '10',
      // Every client of the benchmark is 127.0.0.1.
      ...liftedClientBounds,
    });
    processes.push(api);
    const apiUrl = `http://127.0.0.1:${api.port}`;
    const projector = await spawnProjector({ DATABASE_URL: database.url, FEED_EXCHANGE: exchange, REDIS_KEY_PREFIX: redisKeyPrefix });
    processes.push(projector);
    const notifierEnv = {
      AUTH_GRPC_ADDRESS: `127.0.0.1:${String(api.ready.grpcPort)}`, FEED_EXCHANGE: exchange, REDIS_KEY_PREFIX: redisKeyPrefix, AUTH_FAILURES_PER_CLIENT: '1000000',
    };
    const notifier = await spawnNotifier(notifierEnv);
    processes.push(notifier);
    return {
      apiUrl,
      notifierUrl: `${notifier.url}/post/feed/posted`,
      projectorUrl: `http://127.0.0.1:${projector.port}`,
      notifier,
      fleets,
      async addNotifier() {
        const another = await spawnNotifier(notifierEnv);
        processes.push(another);
        return { process: another, url: `${another.url}/post/feed/posted` };
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
      async stop() {
        await fleets.close();
        for (const p of processes.reverse()) await p.stop();
        await database.drop();
      },
    };
  } catch (error) {
    await fleets.close();
    for (const p of processes.reverse()) await p.stop();
    await database.drop();
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
}

/**
 * Posts at a steady offered rate, each due at start + seq/rate. The text carries the
 * due time, so a client's latency counts the generator's own delay (no coordinated
 * omission). Achieved: posts answered 200 over the time until the last answer.
 */
export async function postSteadily(apiUrl: string, schedule: Schedule): Promise<GeneratorOutcome> {
  const total = Math.round(schedule.rate * schedule.seconds);
  const inFlight = new Set<Promise<void>>();
  const posted = new Map<number, User>();
  const answers: number[] = [];
  let failed = 0;
  const started = performance.now();
  for (let i = 0; i < total; i += 1) {
    const seq = schedule.firstSeq + i;
    const due = started + (i * 1000) / schedule.rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    while (inFlight.size >= (schedule.maxInFlight ?? 1024)) await Promise.race(inFlight);
    const poster = schedule.posterOf(seq);
    const call = http(apiUrl, 'POST', '/post/create', poster.token, { text: `probe ${seq} ${performance.timeOrigin + due}` })
      .then(() => {
        posted.set(seq, poster);
        answers.push(performance.now() - due);
      }, () => void (failed += 1))
      .finally(() => inFlight.delete(call));
    inFlight.add(call);
  }
  await Promise.all(inFlight);
  const seconds = Math.max(schedule.seconds, (performance.now() - started) / 1000);
  return {
    offered: total, answered: posted.size, failed, achievedPerSec: posted.size / seconds, posted,
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

  async poll(): Promise<void> {
    const report = await this.fleets.probes();
    for (const [seq, latency] of report.arrivals) {
      const list = this.#latencies.get(seq);
      if (list) list.push(latency);
      else this.#latencies.set(seq, [latency]);
    }
    for (const [seq, n] of report.duplicated) this.#duplicated.set(seq, (this.#duplicated.get(seq) ?? 0) + n);
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
