// End to end: `POST /post/create` -> event store -> projector (feeds, outbox) -> RabbitMQ
// -> notifier -> the author's online friends' sockets, every service a child process as
// `make up` runs it. Posts are offered at a steady rate (open loop); latency counts from
// when each post was due. Then a stepped run finds the knee: the highest offered rate
// whose p99 stays within 100 ms with nothing lost.
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchSize, fullSize, type BenchFigure } from '@herald/kit/bench';
import { cpuBetween, pidsNamed, sampleCpu } from './cpu.js';
import { http, postSteadily, ProbeLedger, quantileBetween, scrapeHistogram, startBenchSystem, type BenchSystem, type DeliveryFigures, type GeneratorOutcome, type User } from './system.js';

export const friendsPerPoster = 50;
const p99TargetMs = 100;

const size = {
  clients: benchSize('BENCH_E2E_CLIENTS', 2_000, 10_000),
  posters: benchSize('BENCH_E2E_POSTERS', 40, 200),
  rate: benchSize('BENCH_E2E_RATE', 250, 500),
  seconds: benchSize('BENCH_E2E_SECONDS', 15, 60),
  steps: (process.env.BENCH_E2E_STEPS ?? (fullSize ? '250,500,750,1000,1250,1500' : '250,500')).split(',').map(Number),
  stepSeconds: benchSize('BENCH_E2E_STEP_SECONDS', 10, 20),
};

interface Run {
  readonly outcome: GeneratorOutcome;
  /** CPU seconds each part of the machine used during the run, and the run's wall time. */
  readonly cpu: Map<string, number>;
  readonly wallSeconds: number;
  readonly figures: DeliveryFigures;
  /** From a post's commit to the log to each stage, by its own histogram (p50, p99 in ms; as fine as its buckets). */
  readonly stages: Record<Stage, [p50Ms: number, p99Ms: number]>;
}

/**
 * Where the time from the log to the sockets goes, by the services' own lag histograms,
 * each from the post's commit to the log: its feed rows and outbox row committed
 * (projector), its notification confirmed by RabbitMQ (relay), its frame written to the
 * sockets (notifier). What the clients see beyond the last is the kernel and their own turn.
 */
const stageHistograms = {
  projected: { process: 'projector', name: 'herald_projector_lag_seconds' },
  relayed: { process: 'projector', name: 'herald_outbox_relay_lag_seconds' },
  written: { process: 'notifier', name: 'notifier_delivery_lag_seconds' },
} as const;
type Stage = keyof typeof stageHistograms;
const stageNames = Object.keys(stageHistograms) as Stage[];

export async function runEndToEnd(): Promise<{ results: Record<string, Record<string, number>>; summary: BenchFigure[] }> {
  console.log(`e2e: ${size.clients} online clients, ${size.posters} posters x ${friendsPerPoster} online friends; ${size.rate} posts/s offered for ${size.seconds} s, then steps ${size.steps.join(', ')} of ${size.stepSeconds} s`);
  const system = await startBenchSystem('notifier_e2e', size.clients);
  try {
    const { posters } = await populate(system, size.clients, size.posters);
    const ledger = new ProbeLedger(system.fleets);
    let firstSeq = 0;
    const run = async (rate: number, seconds: number): Promise<Run> => {
      const opsUrl = { projector: system.projectorUrl, notifier: `http://127.0.0.1:${system.notifier.port}` };
      const scrapeStages = () => Promise.all(stageNames.map((stage) => scrapeHistogram(opsUrl[stageHistograms[stage].process], stageHistograms[stage].name)));
      const lagBefore = await scrapeStages();
      const cpuBefore = sampleCpu(cpuGroups(system));
      const startedAt = performance.now();
      const outcome = await postSteadily(system.apiUrl, { rate, seconds, firstSeq, posterOf: (seq) => posters[seq % posters.length]! });
      firstSeq += outcome.offered;
      const figures = await ledger.figures(outcome.posted, () => friendsPerPoster);
      const cpu = cpuBetween(cpuBefore, sampleCpu(cpuGroups(system)));
      const wallSeconds = (performance.now() - startedAt) / 1000;
      const lagAfter = await scrapeStages();
      const stages = Object.fromEntries(stageNames.map((stage, i) => [stage, [0.5, 0.99].map((q) => 1000 * quantileBetween(lagBefore[i]!, lagAfter[i]!, q))])) as Run['stages'];
      const stageLine = stageNames.map((stage) => `${stage} p50 ${stages[stage][0].toFixed(0)} ms, p99 ${stages[stage][1].toFixed(0)} ms`).join('; ');
      console.log(`  e2e at ${rate}/s offered: ${outcome.achievedPerSec.toFixed(0)}/s achieved, ${figures.deliveries}/${figures.expected} delivered, lost ${figures.lost}, duplicated ${figures.duplicated}, p50 ${figures.p50Ms.toFixed(1)} ms, p99 ${figures.p99Ms.toFixed(1)} ms (command answered: p50 ${outcome.answerP50Ms.toFixed(1)} ms, p99 ${outcome.answerP99Ms.toFixed(1)} ms; from the log: ${stageLine})`);
      console.log(`  CPU seconds over ${wallSeconds.toFixed(1)} s (${cpus().length} CPUs): ${[...cpu].map(([group, seconds]) => `${group} ${seconds.toFixed(1)}`).join(', ')}`);
      console.log(`  settled in ${(await settle(system)).toFixed(0)} s`);
      return { outcome, figures, stages, cpu, wallSeconds };
    };
    const main = await run(size.rate, size.seconds);
    const steps: Record<string, number> = {};
    let knee = 0;
    let kneeAchieved = 0;
    for (const rate of size.steps) {
      const step = await run(rate, size.stepSeconds);
      steps[`offered${rate}AchievedPerSec`] = Math.round(step.outcome.achievedPerSec);
      steps[`offered${rate}P99Ms`] = step.figures.p99Ms;
      steps[`offered${rate}Lost`] = step.figures.lost;
      if (!passesAt(step, rate)) break;
      knee = rate;
      kneeAchieved = step.outcome.achievedPerSec;
    }
    const { outcome, figures } = main;
    const met = passesAt(main, size.rate);
    return {
      results: {
        e2e: {
          clients: size.clients, posters: size.posters, friendsPerPoster, seconds: size.seconds,
          offeredPostsPerSec: size.rate, achievedPostsPerSec: outcome.achievedPerSec, failedPosts: outcome.failed,
          deliveries: figures.deliveries, expectedDeliveries: figures.expected, lost: figures.lost, duplicated: figures.duplicated,
          p50Ms: figures.p50Ms, p99Ms: figures.p99Ms, maxMs: figures.maxMs, kneePostsPerSec: knee,
          commandAnswerP50Ms: outcome.answerP50Ms, commandAnswerP99Ms: outcome.answerP99Ms,
          ...Object.fromEntries(stageNames.flatMap((stage) => [[`${stage}P50Ms`, main.stages[stage][0]], [`${stage}P99Ms`, main.stages[stage][1]]])),
        },
        e2eSteps: steps,
        // CPU seconds by part of the machine during the main run (wallSeconds of it, on the machine's CPUs).
        e2eCpuSeconds: { ...Object.fromEntries(main.cpu), wallSeconds: main.wallSeconds, cpus: cpus().length },
      },
      summary: [
        { figure: 'e2e.achievedPostsPerSec', value: outcome.achievedPerSec, unit: 'posts/s', offered: size.rate, target: `>= 99% of ${size.rate} offered`, met: outcome.achievedPerSec >= 0.99 * size.rate },
        { figure: 'e2e.lost', value: figures.lost, unit: 'deliveries', target: '0', met: figures.lost === 0 },
        { figure: 'e2e.duplicated', value: figures.duplicated, unit: 'deliveries', target: '0', met: figures.duplicated === 0 },
        { figure: 'e2e.commandAnswerP99Ms', value: outcome.answerP99Ms, unit: 'ms', target: 'from when due to the command answer (context)' },
        { figure: 'e2e.projectedP99Ms', value: main.stages.projected[1], unit: 'ms', target: 'log commit to feed and outbox committed (context; as fine as the histogram buckets)' },
        { figure: 'e2e.relayedP99Ms', value: main.stages.relayed[1], unit: 'ms', target: 'log commit to the notification confirmed by RabbitMQ (context)' },
        { figure: 'e2e.writtenP99Ms', value: main.stages.written[1], unit: 'ms', target: 'log commit to the frame written to the sockets by the notifier (context)' },
        { figure: 'e2e.p50Ms', value: figures.p50Ms, unit: 'ms' },
        { figure: 'e2e.p99Ms', value: figures.p99Ms, unit: 'ms', target: `<= ${p99TargetMs} ms at ${size.rate} posts/s x ${friendsPerPoster}, from when due`, met: met && size.rate >= 500 && size.clients >= 10_000 && size.seconds >= 60 },
        { figure: 'e2e.kneeAchievedPostsPerSec', value: kneeAchieved, unit: 'posts/s', offered: knee, target: `highest step with p99 <= ${p99TargetMs} ms, nothing lost` },
      ],
    };
  } finally {
    await system.stop();
  }
}

/** The machine's parts whose CPU time a run reports: Herald's processes, its clients, this generator, the datastores. */
function cpuGroups(system: BenchSystem): Record<string, number[]> {
  const byRole = (role: string) => system.processIds().filter((p) => p.role === role).map((p) => p.pid);
  return {
    'command-api': byRole('command-api'), projector: byRole('projector'), notifier: byRole('notifier'),
    'socket clients': system.fleets.pids(), generator: [process.pid],
    postgresql: pidsNamed('postgres'), redis: pidsNamed('redis-server'), rabbitmq: pidsNamed('beam.smp'),
  };
}

/**
 * Waits, up to a minute, until the machine's parts use less than a tenth of a CPU over a
 * second, so whatever a saturated run leaves behind is not charged to the step after it.
 * Returns the seconds waited (printed: so far the machine was quiet within a second, the
 * deliveries being all in before a run ends).
 */
async function settle(system: BenchSystem): Promise<number> {
  const started = performance.now();
  let before = sampleCpu(cpuGroups(system));
  for (;;) {
    await sleep(1_000);
    const after = sampleCpu(cpuGroups(system));
    const used = [...cpuBetween(before, after).values()].reduce((a, b) => a + b, 0);
    const waitedS = (performance.now() - started) / 1000;
    if (used < 0.1 || waitedS >= 60) return waitedS;
    before = after;
  }
}

/** Achieved at least 99% of the offered rate, nothing failed, lost or doubled, p99 within target. */
function passesAt({ outcome, figures }: Run, rate: number): boolean {
  return outcome.achievedPerSec >= 0.99 * rate && outcome.failed === 0 && figures.lost === 0 && figures.duplicated === 0 && figures.p99Ms <= p99TargetMs;
}

/** Readers, each with one socket open, and posters each befriending 50 of them in turn. */
export async function populate(system: BenchSystem, clients: number, posterCount: number): Promise<{ readers: User[]; posters: User[] }> {
  const readers = await system.users('register readers', clients, 0);
  const posters = await system.users('register posters', posterCount, clients);
  await system.befriend('friendships', posters.flatMap((poster, i) =>
    Array.from({ length: friendsPerPoster }, (_, k) => [poster, readers[(i * friendsPerPoster + k) % readers.length]!] as const)));
  const opened = await system.fleets.open(system.notifierUrl, readers.map((r) => r.token));
  console.log(`  ${opened.open} sockets open${opened.failed ? `, ${opened.failed} failed (${opened.firstError})` : ''}`);
  if (opened.failed > 0) throw new Error(`${opened.failed} sockets failed to open: ${opened.firstError}`);
  // One warm-up post each, so the friendships are projected and every path is hot.
  for (const poster of posters) await http(system.apiUrl, 'POST', '/post/create', poster.token, { text: 'warm-up' });
  await sleep(3_000);
  return { readers, posters };
}
