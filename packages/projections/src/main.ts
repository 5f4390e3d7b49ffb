import { ConfigError, createLogger, loadConfig, stopOnSignals } from '@herald/kit';
import { startProjector } from './projector.js';
import { settings } from './settings.js';

const logger = createLogger('projector');
try {
  const config = loadConfig(settings);
  const projector = await startProjector(config, { logger });
  logger.info({ port: projector.port }, 'ready');
  stopOnSignals(logger, [['projector', () => projector.stop()]]);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    logger.fatal({ err: error }, 'projector failed to start');
  }
  process.exit(1);
}
