// What other packages' tests may use of this one's test kit (`@herald/eventstore/testing`).
export { locateEventStoreDb } from '../esdb/locate.js';
export type { EsdbTarget } from '../esdb/locate.js';
