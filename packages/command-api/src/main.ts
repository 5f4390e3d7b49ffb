import { createLogger, loadConfigOrExit, stopOnSignals } from '@herald/kit';
import { settings } from './settings.js';
import { startCommandApi } from './start.js';

const config = loadConfigOrExit(settings);
const logger = createLogger('command-api', config.LOG_LEVEL);
try {
  const api = await startCommandApi(config, { logger });
  logger.info({ httpPort: api.httpPort, grpcPort: api.grpcPort }, 'ready');
  stopOnSignals(logger, [['command api', () => api.stop()]]);
} catch (error) {
  logger.fatal({ err: error }, 'could not start');
  process.exit(1);
}
