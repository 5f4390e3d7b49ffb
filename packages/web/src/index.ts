export { webPage } from './serve.js';
export type { WebPageOptions } from './serve.js';
export { webSettings, defaultNotifierPort } from './settings.js';
