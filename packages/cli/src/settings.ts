import { commonSettings, loadConfig, optional, url } from '@herald/kit';
import { settings as projectorSettings } from '@herald/projections';

/** What `herald` reads from the environment: the same stores the processes use. */
export const settings = {
  DATABASE_URL: commonSettings.DATABASE_URL,
  EVENTSTORE_URL: optional(url(['esdb:', 'esdb+discover:'])),
  // The projector's: rebuild and projections status use the projections as the projector runs them.
  FEED_FANOUT_LIMIT: projectorSettings.FEED_FANOUT_LIMIT,
} as const;

export type HeraldConfig = ReturnType<typeof loadConfig<typeof settings>>;
