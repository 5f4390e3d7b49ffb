import type { Logger } from 'pino';

export type StopStep = readonly [name: string, stop: () => Promise<void> | void];

/**
 * Stops the process gracefully on SIGTERM or SIGINT: runs the steps in order (stop
 * accepting work first, close connections last), bounded by a deadline after which
 * the process exits anyway. A second signal exits at once.
 */
export function stopOnSignals(logger: Logger, steps: readonly StopStep[], deadlineMs = 10_000): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    const deadline = setTimeout(() => {
      logger.error({ deadlineMs }, 'graceful stop took too long, exiting');
      process.exit(1);
    }, deadlineMs);
    deadline.unref();
    let failed = false;
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (error) {
        failed = true;
        logger.error({ err: error, step: name }, 'stop step failed');
      }
    }
    logger.info('stopped');
    process.exit(failed ? 1 : 0);
  };
  process.once('SIGTERM', (s) => void stop(s));
  process.once('SIGINT', (s) => void stop(s));
}
