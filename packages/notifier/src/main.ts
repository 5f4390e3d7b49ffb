import { createLogger, loadConfigOrExit, stopOnSignals } from '@herald/kit';
import { settings } from './settings.js';
import { startNotifier } from './server.js';

const config = loadConfigOrExit(settings);
const logger = createLogger('notifier', config.LOG_LEVEL);
try {
  const notifier = await startNotifier(config, { logger });
  logger.info({ port: notifier.port, queue: notifier.queue() }, 'ready');
  stopOnSignals(logger, [['notifier', () => notifier.stop()]], config.CLOSE_GRACE_MS + 10_000);
} catch (error) {
  logger.fatal({ err: error }, 'notifier failed to start');
  process.exit(1);
}
