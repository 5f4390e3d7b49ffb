import { HeraldError } from '../errors.js';

export interface ClientGateOptions {
  /** How many runs one client may have going at once. */
  readonly concurrent: number;
  /** How many more may wait for a turn; beyond them the client is refused. */
  readonly waiting: number;
  /** What is being bounded, for the refusal's message ("password checks"). */
  readonly what: string;
}

export interface ClientGate {
  /** Runs `work` in one of the client's turns, or throws 429 too_many_requests when its queue is full. */
  run<T>(client: string, work: () => Promise<T>): Promise<T>;
}

interface Turns {
  running: number;
  readonly waiters: Array<() => void>;
}

/**
 * A per-client semaphore in this process, for work a client can start without an
 * account (scrypt, waiting for the read models): one address can hold only its own
 * few turns, whatever it sends. Clients with nothing running take no memory.
 */
export function createClientGate(options: ClientGateOptions): ClientGate {
  const byClient = new Map<string, Turns>();

  async function acquire(client: string): Promise<void> {
    const turns = byClient.get(client);
    if (!turns) {
      byClient.set(client, { running: 1, waiters: [] });
      return;
    }
    if (turns.running < options.concurrent) {
      turns.running += 1;
      return;
    }
    if (turns.waiters.length >= options.waiting) {
      throw new HeraldError('too_many_requests', `too many ${options.what} from this address at once; retry shortly`, 1);
    }
    // The finishing run hands its turn over: `running` stays as it is.
    await new Promise<void>((resolve) => turns.waiters.push(resolve));
  }

  function release(client: string): void {
    const turns = byClient.get(client);
    if (!turns) return;
    const next = turns.waiters.shift();
    if (next) next();
    else if (--turns.running === 0) byClient.delete(client);
  }

  return {
    async run(client, work) {
      await acquire(client);
      try {
        return await work();
      } finally {
        release(client);
      }
    },
  };
}
