import { ConfigError, loadConfig } from '@herald/kit';
import pg from 'pg';
import { migrateReadModels } from '../migrate.js';
import { settings } from '../settings.js';

try {
  const config = loadConfig(settings);
  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 1 });
  try {
    const applied = await migrateReadModels(pool);
    console.log(applied.length > 0 ? `applied ${applied.join(', ')}` : 'read models up to date');
  } finally {
    await pool.end();
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `migration failed: ${(error as Error).message}`);
  process.exit(1);
}
