import cliProgress from 'cli-progress';

export interface ProgressBar {
  update(done: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

/**
 * A progress bar with rate and ETA on stderr; on a terminal it redraws, elsewhere
 * (make, CI logs) it prints a line every two seconds.
 */
export function progressBar(label: string, total: number | undefined, unit: string): ProgressBar {
  const started = Date.now();
  const bar = new cliProgress.SingleBar({
    format: total === undefined
      ? `${label} | {count} ${unit} | {rate} ${unit}/s | {extra}`
      : `${label} [{bar}] {percentage}% | {count} ${unit} | {rate} ${unit}/s | ETA {eta_formatted} | {extra}`,
    noTTYOutput: true,
    notTTYSchedule: 2000,
    etaBuffer: 50,
    hideCursor: true,
  }, cliProgress.Presets.shades_classic);
  bar.start(total ?? 1, 0, { count: 0, rate: 0, extra: '' });
  let count = 0;
  return {
    update(done, payload = {}) {
      count = typeof payload.count === 'number' ? payload.count : done;
      const seconds = Math.max((Date.now() - started) / 1000, 0.001);
      bar.update(total === undefined ? 0 : done, { extra: '', ...payload, count, rate: Math.round(count / seconds) });
    },
    stop() {
      bar.stop();
    },
  };
}
