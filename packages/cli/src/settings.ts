import { commonSettings, loadConfig, optional, url } from '@herald/kit';

/** What `herald` reads from the environment: the same stores the processes use. */
export const settings = {
  DATABASE_URL: commonSettings.DATABASE_URL,
  EVENTSTORE_URL: optional(url(['esdb:', 'esdb+discover:'])),
} as const;

export type HeraldConfig = ReturnType<typeof loadConfig<typeof settings>>;
