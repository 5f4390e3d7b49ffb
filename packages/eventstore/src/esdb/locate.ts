import { GenericContainer, getContainerRuntimeClient, Wait, type StartedTestContainer } from 'testcontainers';

/** Where tests find an EventStoreDB, or why they cannot. */
export type EsdbTarget =
  | { readonly kind: 'found'; readonly connectionString: string; stop(): Promise<void> }
  | { readonly kind: 'none'; readonly reason: string };

const dockerProbeMs = 4000;
const image = process.env.EVENTSTORE_IMAGE ?? 'eventstore/eventstore:24.10';

function within<T>(ms: number, work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * EVENTSTORE_URL when set; otherwise a throwaway EventStoreDB container when a Docker
 * engine answers within a few seconds; otherwise the reason neither is available.
 */
export async function locateEventStoreDb(): Promise<EsdbTarget> {
  const url = process.env.EVENTSTORE_URL;
  if (url) return { kind: 'found', connectionString: url, stop: async () => undefined };
  try {
    await within(dockerProbeMs, getContainerRuntimeClient(), 'Docker engine probe');
  } catch (error) {
    return { kind: 'none', reason: `no EVENTSTORE_URL and no Docker engine for testcontainers (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` };
  }
  const container: StartedTestContainer = await new GenericContainer(image)
    .withEnvironment({ EVENTSTORE_INSECURE: 'true', EVENTSTORE_MEM_DB: 'true', EVENTSTORE_RUN_PROJECTIONS: 'None' })
    .withExposedPorts(2113)
    .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCode(204))
    .withStartupTimeout(120_000)
    .start();
  return {
    kind: 'found',
    connectionString: `esdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`,
    stop: async () => {
      await container.stop();
    },
  };
}
