import { createServer, ServerError, Status } from 'nice-grpc';
import { AuthServiceDefinition } from '@herald/contracts/grpc';

export interface TestAuthServer {
  readonly address: string;
  /** token -> user id; edit it to issue or revoke tokens. */
  readonly tokens: Map<string, string>;
  /** How many ValidateToken calls it answered. */
  readonly calls: () => number;
  stop(): Promise<void>;
}

/**
 * A real nice-grpc AuthService server over a token table, for tests that need tokens
 * before (or without) the command API. Same wire contract as the command API's.
 */
export async function startTestAuthServer(tokens = new Map<string, string>()): Promise<TestAuthServer> {
  let calls = 0;
  const server = createServer();
  server.add(AuthServiceDefinition, {
    async validateToken({ token }) {
      calls += 1;
      const userId = tokens.get(token);
      if (!userId) throw new ServerError(Status.UNAUTHENTICATED, 'unknown token');
      return { userId };
    },
  });
  const port = await server.listen('127.0.0.1:0');
  return { address: `127.0.0.1:${port}`, tokens, calls: () => calls, stop: () => server.shutdown() };
}
