import { readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Middleware } from 'koa';
import { defaultNotifierPort } from './settings.js';

export interface WebPageOptions {
  /** Where browsers open the notifier's websocket; undefined: the page host on :8090. */
  readonly notifierPublicUrl?: string | undefined;
}

interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

const publicDir = new URL('../public/', import.meta.url);

const types: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

function asset(file: string): Asset {
  return { type: types[extname(file)] ?? 'application/octet-stream', body: readFileSync(new URL(file, publicDir)) };
}

/** The page is its own origin's code only: no inline script, no third-party anything. */
const securityHeaders = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

/**
 * Serves Herald's web page: `/` (index.html), the other files of public/ under `/web/`,
 * and `/web/config.json` (where the page finds the notifier). Everything else passes on.
 * Files are read once, at mount: the page has no build step and no state.
 */
export function webPage(options: WebPageOptions = {}): Middleware {
  const config = Buffer.from(JSON.stringify({
    notifierUrl: options.notifierPublicUrl ?? null,
    defaultNotifierPort,
  }));
  const assets = new Map<string, Asset>([['/', asset('index.html')]]);
  for (const file of readdirSync(publicDir)) if (file !== 'index.html') assets.set(`/web/${file}`, asset(file));
  assets.set('/web/config.json', { type: 'application/json; charset=utf-8', body: config });
  return async (ctx, next) => {
    const found = ctx.method === 'GET' || ctx.method === 'HEAD' ? assets.get(ctx.path) : undefined;
    if (found === undefined) {
      await next();
      return;
    }
    ctx.set(securityHeaders);
    ctx.type = found.type;
    ctx.body = found.body;
  };
}
