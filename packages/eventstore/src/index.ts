export type {
  ActualRevision, AppendOptions, AppendResult, EventFilter, EventStore, ExpectedRevision, JsonValue, NewEvent, Position,
  ReadAllOptions, ReadAllResult, ReadStreamOptions, RecordedEvent, StartFrom, SubscribeOptions, Subscription,
} from './port.js';
export {
  EventStoreError, EventStoreInputError, EventStoreUnavailableError, StreamNotFoundError, WrongExpectedVersionError,
} from './errors.js';
export type { EventStoreInputProblem } from './errors.js';
export { createPostgresEventStore } from './postgres/store.js';
export type { PostgresEventStoreOptions } from './postgres/store.js';
export { migrateEventStore } from './postgres/migrations.js';
export { createEsdbEventStore } from './esdb/store.js';
export type { EsdbEventStoreOptions } from './esdb/store.js';
export { createEventStore } from './create.js';
export { parsePosition } from './position.js';
export type { EventStoreOptions } from './create.js';
