import cliProgress from 'cli-progress';

export interface Progress {
  /** `done` in the bar's units; `count` of items, when the units are something else (estimated positions). */
  update(done: number, count?: number): void;
  stop(): void;
}

const none: Progress = { update: () => undefined, stop: () => undefined };

/**
 * A progress bar with rate and ETA on stderr, only on a terminal: a command whose data
 * goes to stdout shows one only when stdout is not that terminal too (a file, a pipe).
 * Without a total it counts.
 */
export function progressBar(label: string, total: number | undefined, unit: string, { dataOnStdout = false } = {}): Progress {
  if (!process.stderr.isTTY || (dataOnStdout && process.stdout.isTTY)) return none;
  const started = Date.now();
  const bar = new cliProgress.SingleBar({
    format: total === undefined
      ? `${label} | {count} ${unit} | {rate} ${unit}/s`
      : `${label} [{bar}] {percentage}% | {count} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}`,
    stream: process.stderr,
    etaBuffer: 50,
    hideCursor: true,
    clearOnComplete: false,
  }, cliProgress.Presets.shades_classic);
  bar.start(total ?? 1, 0, { count: 0, rate: 0 });
  return {
    update(done, count = done) {
      const seconds = Math.max((Date.now() - started) / 1000, 0.001);
      bar.update(total === undefined ? 0 : Math.min(done, total), { count, rate: Math.round(count / seconds) });
    },
    stop() {
      bar.stop();
    },
  };
}
