export { settings } from './settings.js';
export type { ProjectorConfig } from './settings.js';
export { createReadModelQueries } from './queries.js';
export type { ReadModelQueries } from './queries.js';
export type { UserView } from './projections/users.js';
export type { PostView } from './projections/posts.js';
export { migrateReadModels } from './migrate.js';
export { startProjector } from './projector.js';
export type { Projector } from './projector.js';
