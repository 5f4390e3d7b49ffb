import { createTestDatabase, type TestDatabase } from '@herald/kit/testing';
import { eventStoreContract } from '../testing/contract.js';
import { migrateEventStore } from './migrations.js';
import { createPostgresEventStore } from './store.js';

/** The port's conformance suite against the PostgreSQL adapter, on a database of its own. */
let database: TestDatabase | undefined;
const databaseUrl = async () => {
  if (!database) {
    database = await createTestDatabase('eventstore_contract');
    await migrateEventStore(database.url);
  }
  return database.url;
};

eventStoreContract('postgres', async ({ maxEventBytes }) => createPostgresEventStore({ databaseUrl: await databaseUrl(), maxEventBytes, pollIntervalMs: 50 }), async () => {
  await database?.drop();
});
