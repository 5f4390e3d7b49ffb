// A celebrity: one author with 20,000 friends, at least 10,000 of them online, posts once
// a second during a steady background of ordinary posts (50 online friends each). The
// same background runs once without the celebrity first: the baseline its p99 is held to.
import { setTimeout as sleep } from 'node:timers/promises';
import { benchSize, type BenchFigure } from '@herald/kit/bench';
import { http, postSteadily, ProbeLedger, startBenchSystem, type User } from './system.js';

const friendsPerPoster = 50;

const size = {
  friends: benchSize('BENCH_CELEBRITY_FRIENDS', 4_000, 20_000),
  online: benchSize('BENCH_CELEBRITY_ONLINE', 2_000, 10_000),
  posters: benchSize('BENCH_CELEBRITY_POSTERS', 20, 100),
  rate: benchSize('BENCH_CELEBRITY_BACKGROUND_RATE', 100, 250),
  seconds: benchSize('BENCH_CELEBRITY_SECONDS', 15, 60),
};

export async function runCelebrity(): Promise<{ results: Record<string, Record<string, number>>; summary: BenchFigure[] }> {
  console.log(`celebrity: ${size.friends} friends (${size.online} online) posting 1/s during ${size.rate} posts/s of ${size.posters} posters x ${friendsPerPoster}, ${size.seconds} s each run`);
  const system = await startBenchSystem('notifier_celebrity', size.online);
  try {
    const friends = await system.users('register friends', size.friends, 0);
    const [celebrity] = await system.users('register the celebrity', 1, size.friends);
    const posters = await system.users('register background posters', size.posters, size.friends + 1);
    if (!celebrity) throw new Error('no celebrity');
    const online = friends.slice(0, size.online);
    await system.befriend('celebrity friendships', friends.map((f) => [celebrity, f] as const));
    await system.befriend('background friendships', posters.flatMap((poster, i) =>
      Array.from({ length: friendsPerPoster }, (_, k) => [poster, online[(i * friendsPerPoster + k) % online.length]!] as const)));
    const opened = await system.fleets.open(system.notifierUrl, online.map((u) => u.token));
    if (opened.failed > 0) throw new Error(`${opened.failed} sockets failed to open: ${opened.firstError}`);
    for (const poster of [celebrity, ...posters]) await http(system.apiUrl, 'POST', '/post/create', poster.token, { text: 'warm-up' });
    await sleep(5_000);

    const ledger = new ProbeLedger(system.fleets);
    const socketsOf = (poster: User) => (poster === celebrity ? online.length : friendsPerPoster);
    const background = (firstSeq: number) => postSteadily(system.apiUrl, { rate: size.rate, seconds: size.seconds, firstSeq, posterOf: (seq) => posters[seq % posters.length]! });

    const alone = await background(0);
    const baseline = await ledger.figures(alone.posted, socketsOf);
    console.log(`  background alone: ${alone.achievedPerSec.toFixed(0)}/s, p99 ${baseline.p99Ms.toFixed(1)} ms, lost ${baseline.lost}`);
    await sleep(3_000);
    const [withCelebrity, celebrityPosts] = await Promise.all([
      background(1_000_000),
      postSteadily(system.apiUrl, { rate: 1, seconds: size.seconds, firstSeq: 2_000_000, posterOf: () => celebrity }),
    ]);
    const backgroundFigures = await ledger.figures(withCelebrity.posted, socketsOf);
    const celebrityFigures = await ledger.figures(celebrityPosts.posted, socketsOf);
    console.log(`  with the celebrity: background p99 ${backgroundFigures.p99Ms.toFixed(1)} ms; celebrity ${celebrityFigures.deliveries}/${celebrityFigures.expected} deliveries, p99 ${celebrityFigures.p99Ms.toFixed(1)} ms`);
    const ratio = backgroundFigures.p99Ms / baseline.p99Ms;
    return {
      results: {
        celebrity: {
          friends: size.friends, onlineFriends: size.online, posts: celebrityPosts.answered, backgroundOfferedPostsPerSec: size.rate,
          backgroundAchievedPostsPerSec: withCelebrity.achievedPerSec, baselineBackgroundAchievedPostsPerSec: alone.achievedPerSec,
          deliveries: celebrityFigures.deliveries, expectedDeliveries: celebrityFigures.expected, lost: celebrityFigures.lost + backgroundFigures.lost,
          duplicated: celebrityFigures.duplicated + backgroundFigures.duplicated,
          p50Ms: celebrityFigures.p50Ms, p99Ms: celebrityFigures.p99Ms, maxMs: celebrityFigures.maxMs,
          backgroundP99Ms: backgroundFigures.p99Ms, baselineBackgroundP99Ms: baseline.p99Ms,
        },
      },
      summary: [
        { figure: 'celebrity.p99Ms', value: celebrityFigures.p99Ms, unit: 'ms', target: `<= 1,000 ms to ${size.online} online of ${size.friends} friends`, met: celebrityFigures.p99Ms <= 1_000 && celebrityFigures.lost === 0 && size.friends >= 20_000 && size.online >= 10_000 },
        { figure: 'celebrity.backgroundAchievedPostsPerSec', value: withCelebrity.achievedPerSec, unit: 'posts/s', offered: size.rate, baseline: alone.achievedPerSec },
        { figure: 'celebrity.backgroundP99Ms', value: backgroundFigures.p99Ms, unit: 'ms', baseline: baseline.p99Ms, target: `<= 1.2x baseline at ${size.rate} posts/s`, met: ratio <= 1.2 && size.rate >= 250 },
      ],
    };
  } finally {
    await system.stop();
  }
}
