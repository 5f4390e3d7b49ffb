import { optional, url } from '@herald/kit';

/**
 * The page's one setting, read by the process that serves it (the command API spreads
 * these into its own settings). Unset, the page assumes the notifier runs beside the
 * API on its default port: ws(s)://<the page's host>:8090/post/feed/posted.
 */
export const webSettings = {
  NOTIFIER_PUBLIC_URL: optional(url(['ws:', 'wss:'])),
} as const;

/** Default port of the notifier, which the page uses when NOTIFIER_PUBLIC_URL is unset. */
export const defaultNotifierPort = 8090;
