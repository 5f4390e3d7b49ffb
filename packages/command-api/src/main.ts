import { ConfigError, createLogger, loadConfig, stopOnSignals } from '@herald/kit';
import { settings } from './settings.js';
import { startCommandApi } from './start.js';

const logger = createLogger('command-api');
try {
  const config = loadConfig(settings);
  logger.level = config.LOG_LEVEL;
  const api = await startCommandApi(config, { logger });
  logger.info({ httpPort: api.httpPort, grpcPort: api.grpcPort }, 'ready');
  stopOnSignals(logger, [['command api', () => api.stop()]]);
} catch (error) {
  if (error instanceof ConfigError) {
    logger.fatal(error.message);
    console.error(error.message);
  } else {
    logger.fatal({ err: error }, 'could not start');
  }
  process.exit(1);
}
