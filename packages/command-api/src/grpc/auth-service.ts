import type { AuthServiceImplementation } from '@herald/contracts/grpc';
import { AuthServiceDefinition } from '@herald/contracts/grpc';
import type { Logger } from '@herald/kit';
import { createServer, ServerError, Status } from 'nice-grpc';
import { HeraldError } from '../errors.js';
import type { Session, SessionStore } from '../sessions/sessions.js';

/** Rejects once the call's signal aborts (deadline passed or client gone), so no work outlives its caller. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const abort = () => reject(new ServerError(Status.CANCELLED, 'call cancelled or past its deadline'));
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  });
}

export function authService(sessions: SessionStore, logger: Logger): AuthServiceImplementation {
  return {
    async validateToken(request, context) {
      let session: Session | null;
      try {
        session = await Promise.race([sessions.inspect(request.token), untilAborted(context.signal)]);
      } catch (error) {
        if (error instanceof HeraldError && error.error === 'session_store_unavailable') {
          logger.error({ err: error.cause }, 'ValidateToken: session store unavailable');
          throw new ServerError(Status.UNAVAILABLE, 'session store unavailable, retry later');
        }
        throw error;
      }
      if (session === null) throw new ServerError(Status.UNAUTHENTICATED, 'token is unknown, expired or revoked');
      return { userId: session.userId, expiresInMs: session.expiresInMs };
    },
  };
}

export interface GrpcServer {
  readonly port: number;
  stop(): Promise<void>;
}

/** AuthService.ValidateToken for the notifier, in the command API's process. */
export async function startGrpcServer(host: string, port: number, sessions: SessionStore, logger: Logger): Promise<GrpcServer> {
  const server = createServer();
  server.add(AuthServiceDefinition, authService(sessions, logger));
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const bound = await server.listen(address);
  return {
    port: bound,
    async stop() {
      // Calls in flight get a moment to finish; then the rest are cancelled.
      const timer = setTimeout(() => server.forceShutdown(), 2_000);
      await server.shutdown();
      clearTimeout(timer);
    },
  };
}
