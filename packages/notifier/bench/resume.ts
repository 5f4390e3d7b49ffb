// Reconnect storm: every client of a notifier that is killed (SIGKILL) reconnects with
// the cursor of the last post it got to a second notifier, while posts keep flowing.
// The whole system runs as `make up` runs it (command API, projector, two notifiers as
// child processes). Writes bench/results/resume.json.
//   storm.clients     clients that reconnected
//   storm.seconds     from the kill until every client's socket was open again
//   storm.lost        posts a client was owed and never received (over the whole run)
//   storm.duplicated  posts a client received twice (across its two sockets)
//   storm.p99Ms       per client, from the start of the storm to its socket's open
// Default size runs in a few minutes; BENCH_FULL=1 runs 10,000 clients.
import { setTimeout as sleep } from 'node:timers/promises';
import { announceLoad, percentile, writeBenchReport, benchSize } from '@herald/kit/bench';
import { http, postSteadily, ProbeLedger, startBenchSystem } from './system.js';

const clients = benchSize('BENCH_RESUME_CLIENTS', 2_000, 10_000);
const friendsPerPoster = 50;
const rate = benchSize('BENCH_RESUME_RATE', 100);
const seconds = benchSize('BENCH_RESUME_SECONDS', 30);
const killAfterMs = benchSize('BENCH_RESUME_KILL_AFTER_MS', 8_000);

announceLoad('resume');
console.log(`resume: ${clients} clients, ${rate} posts/s for ${seconds} s (posters with ${friendsPerPoster} friends each); notifier A killed after ${killAfterMs} ms`);
const system = await startBenchSystem('notifier_resume', clients);
try {
  const readers = await system.users('register readers', clients, 0);
  const posters = await system.users('register posters', Math.ceil(clients / friendsPerPoster), clients);
  await system.befriend('friendships', posters.flatMap((poster, i) =>
    Array.from({ length: friendsPerPoster }, (_, k) => [poster, readers[(i * friendsPerPoster + k) % readers.length]!] as const)));
  const second = await system.addNotifier();
  const opened = await system.fleets.open(system.notifierUrl, readers.map((r) => r.token));
  if (opened.failed > 0) throw new Error(`${opened.failed} sockets failed to open: ${opened.firstError}`);
  // A first post each, so every client holds a cursor before the storm.
  for (const poster of posters) await http(system.apiUrl, 'POST', '/post/create', poster.token, { text: 'warm-up' });
  await sleep(3_000);

  const ledger = new ProbeLedger(system.fleets);
  const posting = postSteadily(system.apiUrl, { rate, seconds, firstSeq: 0, posterOf: (seq) => posters[seq % posters.length]! });
  await sleep(killAfterMs);
  const killed = performance.now();
  await system.notifier.stop('SIGKILL');
  const storm = await system.fleets.resume(second.url);
  const stormSeconds = (performance.now() - killed) / 1000;
  console.log(`  storm: ${storm.open} clients back in ${stormSeconds.toFixed(2)} s${storm.failed ? `, ${storm.failed} failed (${storm.firstError})` : ''}`);
  const outcome = await posting;
  const figures = await ledger.figures(outcome.posted, () => friendsPerPoster);
  console.log(`  posts: ${outcome.answered}/${outcome.offered} at ${outcome.achievedPerSec.toFixed(0)}/s; deliveries ${figures.deliveries}/${figures.expected}, lost ${figures.lost}, duplicated ${figures.duplicated}`);
  const p99 = percentile(storm.latenciesMs, 99);
  writeBenchReport('resume', {
    storm: {
      clients: storm.open, failed: storm.failed, seconds: stormSeconds, lost: figures.lost, duplicated: figures.duplicated,
      p50Ms: percentile(storm.latenciesMs, 50), p99Ms: p99, deliveries: figures.deliveries, expectedDeliveries: figures.expected,
      offeredPostsPerSec: rate, achievedPostsPerSec: outcome.achievedPerSec, deliveryP99Ms: figures.p99Ms,
    },
  }, [
    { figure: 'storm.clients', value: storm.open, unit: 'clients', target: `${clients} reconnected`, met: storm.open === clients && storm.failed === 0 },
    { figure: 'storm.seconds', value: stormSeconds, unit: 's', target: '<= 10', met: stormSeconds <= 10 && clients >= 10_000 },
    { figure: 'storm.lost', value: figures.lost, unit: 'deliveries', target: '0', met: figures.lost === 0 },
    { figure: 'storm.duplicated', value: figures.duplicated, unit: 'deliveries', target: '0', met: figures.duplicated === 0 },
    { figure: 'storm.p99Ms', value: p99, unit: 'ms', target: 'per-client resume (to the socket open)' },
    { figure: 'storm.achievedPostsPerSec', value: outcome.achievedPerSec, unit: 'posts/s', offered: rate },
  ]);
} finally {
  await system.stop();
}
process.exit(0);
