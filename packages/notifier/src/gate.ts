import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '@herald/kit';
import { feedRequestOf, type FeedRequest } from './admission.js';
import { tokenOf, type TokenValidator } from './auth.js';
import { clientAddress } from './client-address.js';
import { refusals, type Refusal } from './codes.js';
import type { FailureWindows } from './failure-windows.js';
import type { NotifierMetrics } from './metrics.js';
import { refuseUpgrade } from './refuse.js';
import type { SocketSession } from './session-sockets.js';

export interface GateOptions {
  readonly path: string;
  readonly auth: TokenValidator;
  /** Refused tokens per client address: past the limit, no auth call is made. */
  readonly failures: FailureWindows;
  /** Take the client address from X-Forwarded-For. */
  readonly trustProxy: boolean;
  readonly isStopping: () => boolean;
  readonly logger: Logger;
  readonly metrics: NotifierMetrics;
  /** Completes the upgrade for an authenticated session, or returns the refusal to answer. */
  readonly admit: (session: SocketSession, req: IncomingMessage, socket: Duplex, head: Buffer, request: FeedRequest) => Promise<Refusal | undefined>;
}

function onRawSocketError(this: Duplex): void {
  // A client that resets during the handshake; the socket is destroyed, nothing to do.
}

/**
 * The server's `upgrade` listener: decides, before any upgrade, whether this request
 * may become a feed socket, and answers 404, 400, 401, 429 or 503 on the raw socket if not.
 * A refused token costs its address one of its few failures per window; past them the
 * address is answered 429 from the caches alone.
 */
export function createUpgradeGate(options: GateOptions) {
  const { logger, metrics } = options;

  function refuse(socket: Duplex, refusal: Refusal, requestId: string, retryAfterSeconds?: number): void {
    metrics.refusals.inc({ status: refusal.status });
    refuseUpgrade(socket, refusal, requestId, retryAfterSeconds);
  }

  async function check(req: IncomingMessage, socket: Duplex, head: Buffer, requestId: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://notifier.invalid');
    if (url.pathname !== options.path) return refuse(socket, refusals.notFound, requestId);
    if (options.isStopping()) return refuse(socket, refusals.stopping, requestId);
    const request = feedRequestOf(req, url);
    if ('status' in request) return refuse(socket, request, requestId);
    const token = tokenOf(req, url);
    if (!token) return refuse(socket, refusals.unauthorized, requestId);
    const client = clientAddress(req, options.trustProxy);
    const blockedFor = options.failures.blockedFor(client);
    const verdict = await options.auth.validate(token, { mayAsk: blockedFor === undefined });
    if (socket.destroyed) return;
    if (verdict.kind === 'unknown') return refuse(socket, refusals.tooManyAuthFailures, requestId, blockedFor);
    if (verdict.kind === 'unauthenticated') {
      options.failures.count(client);
      return refuse(socket, refusals.unauthorized, requestId);
    }
    if (verdict.kind === 'unavailable') {
      logger.warn({ err: verdict.cause, requestId }, 'auth service unavailable; refusing the upgrade');
      return refuse(socket, refusals.authUnavailable, requestId);
    }
    if (options.isStopping()) return refuse(socket, refusals.stopping, requestId);
    const { kind: _user, ...checked } = verdict;
    const refusal = await options.admit({ ...checked, token }, req, socket, head, request);
    if (refusal) refuse(socket, refusal, requestId);
  }

  return function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', onRawSocketError);
    const header = req.headers['x-request-id'];
    const requestId = typeof header === 'string' && header.length <= 200 ? header : randomUUID();
    check(req, socket, head, requestId).catch((error: unknown) => {
      logger.error({ err: error, requestId }, 'upgrade failed');
      socket.destroy();
    });
  };
}
