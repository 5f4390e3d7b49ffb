import { idleInTransactionTimeoutMs, type Logger } from '@herald/kit';
import pg from 'pg';

export const appendedChannel = 'eventstore_appended';
const reconnectDelayMs = 1000;

/**
 * Tells subscribers that the log may have grown. Appends announce themselves with a
 * NOTIFY sent after their commit (never inside it: a NOTIFY takes a global lock at
 * commit and would serialise every append), rate-limited. One side connection per
 * store, apart from the pool so appends never queue behind a notice, sends NOTIFY and
 * LISTENs for other processes. Subscribers also poll, so a lost notice only delays them.
 */
export class Wakeup {
  private generation = 0;
  private waiters = new Set<() => void>();
  private listener: pg.Client | undefined;
  private listening: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private notifyTimer: NodeJS.Timeout | undefined;
  private lastNotify = 0;
  private notifying = false;
  private notifyAgain = false;
  private closed = false;

  constructor(
    private readonly connectionString: string,
    private readonly logger: Logger | undefined,
    private readonly notifyIntervalMs = 10,
  ) {}

  /** Counts notices; a subscriber compares it before and after a read. */
  get current(): number {
    return this.generation;
  }

  /**
   * After a commit in this process: wake local subscribers now, others by NOTIFY, at
   * most one per notifyIntervalMs. A NOTIFY is a transaction of its own (with an xid),
   * so one per append would cost nearly as much as the appends themselves.
   */
  appended(): void {
    this.bump();
    this.requestNotify();
  }

  private requestNotify(): void {
    if (this.closed || this.notifyTimer) return;
    if (this.notifying) {
      this.notifyAgain = true;
      return;
    }
    const wait = this.lastNotify + this.notifyIntervalMs - Date.now();
    if (wait <= 0) this.notify();
    else this.notifyTimer = setTimeout(() => this.notify(), wait);
  }

  /** One NOTIFY at a time, on the side connection once it is ready; subscribers poll meanwhile. */
  private notify(): void {
    this.notifyTimer = undefined;
    this.lastNotify = Date.now();
    this.listen();
    const [client, ready] = [this.listener, this.listening];
    if (!client || !ready) return;
    this.notifying = true;
    ready
      // One implicit transaction; a notice needs no durability, so its commit does not wait for the WAL flush.
      .then(() => client.query(`SET LOCAL synchronous_commit TO off; NOTIFY ${appendedChannel}`))
      .catch((error: unknown) => this.logger?.warn({ err: error }, 'eventstore: NOTIFY failed; subscribers fall back to polling'))
      .finally(() => {
        this.notifying = false;
        if (this.notifyAgain) {
          this.notifyAgain = false;
          this.requestNotify();
        }
      });
  }

  /** Resolves when the generation moves past `seen`, after `timeoutMs`, or on abort. */
  async wait(seen: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
    this.listen();
    if (this.generation !== seen || signal.aborted || this.closed) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.notifyTimer);
    for (const waiter of [...this.waiters]) waiter();
    await this.listening?.catch(() => undefined);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }

  private bump(): void {
    this.generation += 1;
    for (const waiter of [...this.waiters]) waiter();
  }

  private listen(): void {
    if (this.listening || this.closed) return;
    const client = new pg.Client({ connectionString: this.connectionString, idle_in_transaction_session_timeout: idleInTransactionTimeoutMs });
    this.listener = client;
    client.on('notification', () => this.bump());
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    this.listening = client
      .connect()
      .then(() => client.query(`LISTEN ${appendedChannel}`))
      .then(() => this.bump()) // anything appended while we were not listening
      .catch((error: unknown) => this.lost(client, error));
  }

  private lost(client: pg.Client, error: unknown): void {
    if (this.closed || this.listener !== client) return;
    this.logger?.warn({ err: error }, 'eventstore: LISTEN connection lost; polling until it is back');
    this.listener = undefined;
    client.end().catch(() => undefined);
    this.reconnectTimer = setTimeout(() => {
      this.listening = undefined;
      this.listen();
    }, reconnectDelayMs);
  }
}
