import { commonSettings, createLogger, loadConfigOrExit } from '@herald/kit';
import { migrateEventStore } from '../postgres/migrations.js';

/** Creates or upgrades the event store's tables in the DATABASE_URL database. */
const config = loadConfigOrExit({ DATABASE_URL: commonSettings.DATABASE_URL, LOG_LEVEL: commonSettings.LOG_LEVEL });
const logger = createLogger('eventstore-migrate', config.LOG_LEVEL);
try {
  const applied = await migrateEventStore(config.DATABASE_URL);
  logger.info({ applied }, applied.length ? `applied ${applied.length} migration(s)` : 'event store schema is up to date');
} catch (error) {
  logger.error({ err: error }, error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
