export { settings } from './settings.js';
export type { NotifierConfig } from './settings.js';
export { startNotifier, feedPath } from './server.js';
export type { Notifier } from './server.js';
export { closeCodes, refusals, heartbeatTimeoutCloseCode } from './codes.js';
