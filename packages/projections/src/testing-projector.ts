import { createEventStore, migrateEventStore, type EventStore } from '@herald/eventstore';
import { createLogger, loadConfig } from '@herald/kit';
import { createTestDatabase, uniqueName, type TestDatabase } from '@herald/kit/testing';
import amqp from 'amqplib';
import pg from 'pg';
import { startProjector, type Projector } from './projector.js';
import { createReadModelQueries, type ReadModelQueries } from './queries.js';
import { settings } from './settings.js';

const rabbitmqUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** The projector daemon in this process, on a throwaway database, its own exchange and its own Redis key prefix. */
export interface TestProjector {
  readonly db: TestDatabase;
  readonly pool: pg.Pool;
  readonly store: EventStore;
  readonly projector: Projector;
  readonly queries: ReadModelQueries;
  readonly exchange: string;
  readonly rabbitmqUrl: string;
  /** Stops the projector and drops everything it was given. */
  stop(): Promise<void>;
}

export async function startTestProjector(label: string): Promise<TestProjector> {
  const db = await createTestDatabase(label);
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => undefined);
  await migrateEventStore(pool);
  const store = createEventStore({ databaseUrl: db.url });
  const exchange = uniqueName('herald.posts');
  const config = loadConfig(settings, {
    DATABASE_URL: db.url, PROJECTOR_HOST: '127.0.0.1', PROJECTOR_PORT: '0', REDIS_KEY_PREFIX: `${uniqueName('herald-test.projector')}:`,
    FEED_EXCHANGE: exchange, RABBITMQ_URL: rabbitmqUrl,
  });
  const projector = await startProjector(config, { logger: createLogger('projector-test', 'silent') });
  return {
    db, pool, store, projector, queries: createReadModelQueries(pool), exchange, rabbitmqUrl,
    async stop() {
      await projector.stop();
      await store.close();
      const connection = await amqp.connect(rabbitmqUrl);
      await (await connection.createChannel()).deleteExchange(exchange);
      await connection.close();
      await pool.end();
      await db.drop();
    },
  };
}
