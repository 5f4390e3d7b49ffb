import { eventStoreContract, skippedEventStoreContract } from '../testing/contract.js';
import { locateEventStoreDb } from './locate.js';
import { createEsdbEventStore } from './store.js';

/** The port's conformance suite against EventStoreDB, wherever one can be reached. */
const target = await locateEventStoreDb();
if (target.kind === 'found') {
  eventStoreContract(
    'esdb',
    async ({ maxEventBytes }) => createEsdbEventStore({ connectionString: target.connectionString, maxEventBytes, watchdogIntervalMs: 2000 }),
    () => target.stop(),
  );
} else {
  skippedEventStoreContract('esdb', target.reason);
}
