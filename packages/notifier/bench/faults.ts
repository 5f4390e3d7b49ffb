// Fault suite (`make faults`): each fault of fault-list.ts done to the whole system under
// steady load, one table, bench/results/faults.json. The system runs as `make up` runs it
// (command API, projector with its outbox relay, two notifiers, each a child process) on
// PostgreSQL, Redis and RabbitMQ of the suite's own (private-services.ts), so restarting
// them harms no one else; the relay reaches the broker through a TCP proxy. Posts are
// offered at a steady rate, each with an Idempotency-Key, retried while its answer is
// lost; every reader has a socket, half on each notifier, and reconnects by itself with
// its cursor (to the other notifier first) when its socket ends. Per fault:
//   faults.<name>.accepted            posts answered 200
//   faults.<name>.expected/delivered  notifications owed to the readers' sockets, and received
//   faults.<name>.lost/duplicated     owed and never received / received twice by a client
//   faults.<name>.postsTwiceInLog     posts whose text is in the log more than once (a retry applied twice)
//   faults.<name>.readModelsEqual     1 when the read models equal a rebuild from the log
//   faults.<name>.recoverySeconds     from when the fault was lifted (a kill: the kill) to the last
//                                     delivery that came late (later than lateMs after its post was due)
// Default size is small (100 readers, 20 posts/s); BENCH_FULL=1 runs 2,000 readers at 200 posts/s.
// The load runs from FAULTS_SECONDS_BEFORE before each fault to FAULTS_SECONDS_AFTER after it was lifted.
// FAULTS=projectorKill,relayCut runs some of them.
import { setTimeout as sleep } from 'node:timers/promises';
import { announceLoad, withEarlierParts, writeBenchReport, type BenchFigure, benchSize } from '@herald/kit/bench';
import { startTcpProxy } from '@herald/kit/testing';
import { faults, type Fault, type FaultContext } from './fault-list.js';
import { startPrivateServices } from './private-services.js';
import { compareWithRebuild, untilCaughtUp } from './read-model-check.js';
import { http, postSteadily, ProbeLedger, scrapeCounter, startBenchSystem, type User } from './system.js';
import { measure, type FaultOutcome } from './fault-figures.js';

const size = {
  readers: benchSize('FAULTS_READERS', 100, 2_000),
  rate: benchSize('FAULTS_RATE', 20, 200),
  /** Load before each fault, and after it was lifted (however long the fault took). */
  secondsBefore: benchSize('FAULTS_SECONDS_BEFORE', 5, 10),
  secondsAfter: benchSize('FAULTS_SECONDS_AFTER', 10, 20),
  outageMs: benchSize('FAULTS_OUTAGE_MS', 3_000),
};
const friendsPerPoster = 50;
const targetRecoverySeconds = 10;
const chosen = process.env.FAULTS ? process.env.FAULTS.split(',') : faults.map((f) => f.name);
const unknown = chosen.filter((name) => !faults.some((f) => f.name === name));
if (unknown.length) throw new Error(`no fault named ${unknown.join(', ')} (faults: ${faults.map((f) => f.name).join(', ')})`);

announceLoad('faults');
console.log(`faults: ${size.readers} readers (half on each of 2 notifiers), ${size.rate} posts/s from ${size.secondsBefore} s before each fault to ${size.secondsAfter} s after it was lifted; outages ${size.outageMs} ms`);
const services = await startPrivateServices();
const relayProxy = await startTcpProxy(services.rabbitmqUrl, 5672);
/** The notifiers' /metrics addresses (the first's process changes when it is killed and started again). */
const notifierBaseUrls: Array<() => string> = [];

const system = await startBenchSystem('faults', size.readers, { services, relayRabbitmqUrl: relayProxy.url() });
let tornDown: Promise<void> | undefined;
const teardown = () => (tornDown ??= (async () => {
  await system.stop();
  await relayProxy.close();
  await services.stop();
})());
// Interrupted: the processes and the services of the suite's own go too.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void teardown().finally(() => process.exit(1)));
try {
  const posters = await populate();
  const ledger = new ProbeLedger(system.fleets);
  let firstSeq = 0;
  /** One stretch of load, with `fault` done `secondsBefore` into it (none: the baseline) and going on `secondsAfter` once lifted. */
  const stretch = async (fault: Fault | undefined, lateMs: number): Promise<FaultOutcome> => {
    const stop = new AbortController();
    const catchUpsBefore = await catchUpOutcomes();
    const posting = postSteadily(system.apiUrl, {
      rate: size.rate, seconds: 3_600, until: stop.signal, firstSeq, posterOf: (seq) => posters[seq % posters.length]!, retryForMs: 120_000, maxInFlight: 100_000,
    });
    await sleep(size.secondsBefore * 1000);
    const context: FaultContext = { system, services, relayProxy, outageMs: size.outageMs };
    const injectedAt = Date.now();
    const liftedAt = fault ? await fault.inject(context) : injectedAt;
    if (fault) console.log(`  lifted ${((liftedAt - injectedAt) / 1000).toFixed(1)} s after it was done (done ${((Date.now() - injectedAt) / 1000).toFixed(1)} s ago); the load goes on ${size.secondsAfter} s`);
    await sleep(size.secondsAfter * 1000);
    stop.abort();
    const outcome = await posting;
    firstSeq += outcome.offered;
    console.log(`  load over (${outcome.answered}/${outcome.offered} accepted); waiting for deliveries, sockets, then comparing the read models with a rebuild`);
    const figures = await ledger.figures(outcome.posted, () => friendsPerPoster, 60_000);
    const sockets = await untilSocketsOpen();
    const readModels = await compareWithRebuild(system.databaseUrl);
    const catchUps = since(catchUpsBefore, await catchUpOutcomes());
    const measured = await measure({ outcome, figures, ledger, injectedAt, liftedAt, lateMs, sockets, readModels, databaseUrl: system.databaseUrl, expectedPerPost: friendsPerPoster, catchUps });
    return { ...measured, byDesign: fault?.byDesign };
  };

  console.log('baseline: the same load with no fault');
  const baseline = await stretch(undefined, Number.POSITIVE_INFINITY);
  // On time is what the machine gives with no fault, plus a second.
  const lateMs = Math.max(1_000, baseline.deliveryP99Ms + 1_000);
  console.log(`  ${baseline.line}; late from now on: a delivery more than ${lateMs.toFixed(0)} ms after its post was due`);
  const outcomes = new Map<string, FaultOutcome>();
  let failure: string | undefined;
  for (const fault of faults.filter((f) => chosen.includes(f.name))) {
    console.log(`${fault.name}: ${fault.what}`);
    try {
      const outcome = await stretch(fault, lateMs);
      outcomes.set(fault.name, outcome);
      console.log(`  ${outcome.line}`);
    } catch (error) {
      // The system may be left broken: report what ran, and stop.
      failure = `${fault.name} failed: ${error instanceof Error ? error.message : String(error)}`;
      console.error(failure);
      console.error(`the processes' latest warnings and errors:\n${system.recentProblems(8).join('\n')}`);
      break;
    }
  }
  report(baseline, outcomes, lateMs);
  if (failure) throw new Error(`${failure} (faults after it were not run)`);
} finally {
  await teardown();
}
process.exit(0);

/** Catch-ups from history (sockets after a new queue, clients resuming), by outcome, summed over the notifiers. */
async function catchUpOutcomes(): Promise<Map<string, number>> {
  const total = new Map<string, number>();
  for (const url of notifierBaseUrls) {
    const counts = await scrapeCounter(url(), 'notifier_resumes_total', 'outcome').catch(() => new Map<string, number>());
    for (const [outcome, n] of counts) total.set(outcome, (total.get(outcome) ?? 0) + n);
  }
  return total;
}

/** What the counters added between two scrapes; a notifier killed meanwhile started again from 0. */
function since(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): Map<string, number> {
  return new Map([...after].map(([outcome, n]) => [outcome, n >= (before.get(outcome) ?? 0) ? n - (before.get(outcome) ?? 0) : n]));
}

/** Readers, posters befriending 50 readers each, a socket per reader (half on each notifier), a first post each. */
async function populate(): Promise<User[]> {
  const readers = await system.users('register readers', size.readers, 0);
  const posters = await system.users('register posters', Math.max(1, Math.ceil(size.readers / friendsPerPoster)), size.readers);
  await system.befriend('friendships', posters.flatMap((poster, i) =>
    Array.from({ length: friendsPerPoster }, (_, k) => [poster, readers[(i * friendsPerPoster + k) % readers.length]!] as const)));
  const second = await system.addNotifier();
  notifierBaseUrls.push(() => `http://127.0.0.1:${system.notifier.port}`, () => `http://127.0.0.1:${second.process.port}`);
  const urls = [system.notifierUrl, second.url];
  const half = Math.ceil(readers.length / 2);
  for (const [i, url] of urls.entries()) {
    const opened = await system.fleets.open(url, readers.slice(i * half, (i + 1) * half).map((r) => r.token), urls);
    if (opened.failed > 0) console.log(`  ${opened.failed} sockets failed to open at first (${opened.firstError}); they keep trying`);
  }
  const open = await untilSocketsOpen();
  if (open < size.readers) throw new Error(`only ${open} of ${size.readers} sockets open after 30 s`);
  // A first post each, so that every client holds a cursor before the first fault.
  for (const poster of posters) await http(system.apiUrl, 'POST', '/post/create', poster.token, { text: 'warm-up' });
  await untilCaughtUp(system.databaseUrl);
  await sleep(2_000);
  return posters;
}

/** Waits (30 s at most) until every reader's socket is open again; how many are. */
async function untilSocketsOpen(): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { open } = await system.fleets.sockets();
    if (open >= size.readers || Date.now() > deadline) return open;
    await sleep(250);
  }
}

function report(baseline: FaultOutcome, outcomes: ReadonlyMap<string, FaultOutcome>, lateMs: number): void {
  const results: Record<string, Record<string, number>> = { baseline: baseline.figures };
  const summary: BenchFigure[] = [];
  for (const [name, o] of outcomes) {
    results[`faults.${name}`] = o.figures;
    summary.push(
      { figure: `faults.${name}.lost`, value: o.figures.lost, unit: 'notifications', target: o.byDesign ?? '0', met: o.figures.lost === 0 },
      { figure: `faults.${name}.duplicated`, value: o.figures.duplicated, unit: 'notifications', target: '0', met: o.figures.duplicated === 0 },
      { figure: `faults.${name}.readModelsEqual`, value: o.figures.readModelsEqual, unit: '(1 = equal)', target: 'equal to a rebuild', met: o.figures.readModelsEqual === 1 },
      {
        figure: `faults.${name}.recoverySeconds`, value: o.figures.recoverySeconds, unit: 's', target: `<= ${targetRecoverySeconds}`,
        met: o.figures.recoverySeconds <= targetRecoverySeconds && size.readers >= 2_000 && size.rate >= 200,
      },
    );
  }
  const settings = { readers: size.readers, offeredPostsPerSec: size.rate, secondsBefore: size.secondsBefore, secondsAfter: size.secondsAfter, outageMs: size.outageMs, lateMs };
  const merged = chosen.length < faults.length ? withEarlierParts('faults', { settings, ...results }, summary) : { results: { settings, ...results }, summary };
  writeBenchReport('faults', merged.results, merged.summary, faultTable(baseline, outcomes));
}

function faultTable(baseline: FaultOutcome, outcomes: ReadonlyMap<string, FaultOutcome>): string {
  const header = ['fault', 'accepted', 'expected', 'delivered', 'lost', 'dup', 'twice in log', 'read models', 'recovery s', 'sockets', 'note'];
  const row = (name: string, o: FaultOutcome) => [
    name, o.figures.accepted, o.figures.expected, o.figures.delivered, o.figures.lost, o.figures.duplicated, o.figures.postsTwiceInLog,
    o.figures.readModelsEqual === 1 ? 'equal' : `DIFFER (${o.readModelDifferences})`,
    o.figures.recoverySeconds.toFixed(1), `${o.figures.socketsOpen}/${size.readers}`,
    [o.byDesign, o.note].filter(Boolean).join('; '),
  ].map(String);
  const rows = [row('(baseline)', baseline), ...[...outcomes].map(([name, o]) => row(name, o))];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const targets = `targets: lost 0, dup 0, twice in log 0, read models equal to a rebuild, recovery <= ${targetRecoverySeconds} s (full size only); the baseline's delivery p99 ${baseline.deliveryP99Ms.toFixed(0)} ms`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '', targets].join('\n');
}
