import type { IncomingMessage } from 'node:http';

/**
 * The address an upgrade request came from: the TCP peer, or, behind a proxy you run
 * (TRUST_PROXY), the first X-Forwarded-For entry, as the command API reads it.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const first = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return req.socket.remoteAddress ?? 'unknown';
}
