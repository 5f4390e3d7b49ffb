import { ConfigError, createLogger, loadConfig, stopOnSignals } from '@herald/kit';
import { settings } from './settings.js';
import { startNotifier } from './server.js';

const logger = createLogger('notifier');

try {
  const config = loadConfig(settings);
  const notifier = await startNotifier(config, { logger });
  logger.info({ port: notifier.port, queue: notifier.queue() }, 'ready');
  stopOnSignals(logger, [['notifier', () => notifier.stop()]], config.CLOSE_GRACE_MS + 10_000);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  logger.fatal({ err: error }, 'notifier failed to start');
  process.exit(1);
}
