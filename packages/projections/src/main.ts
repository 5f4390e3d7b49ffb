import { createLogger, loadConfigOrExit, stopOnSignals } from '@herald/kit';
import { startProjector } from './projector.js';
import { settings } from './settings.js';

const config = loadConfigOrExit(settings);
const logger = createLogger('projector', config.LOG_LEVEL);
try {
  const projector = await startProjector(config, { logger });
  logger.info({ port: projector.port }, 'ready');
  stopOnSignals(logger, [['projector', () => projector.stop()]]);
} catch (error) {
  logger.fatal({ err: error }, 'projector failed to start');
  process.exit(1);
}
