import { createHashRing, shardOf, type HashRing } from '@herald/contracts';
import type { BrokerShard, Logger } from '@herald/kit';
import { Bindings } from './bindings.js';
import { BusConsumer, everyPostKey } from './bus.js';

/** One shard as this process sees it: its consumer, its binding, and its users here. */
export interface ShardLink {
  readonly name: string;
  readonly bus: BusConsumer;
  readonly bindings: Bindings;
  /** Users with a socket here whose notifications travel through this shard. */
  users: number;
  /** The newest cursor taken from this shard: a new socket of its users starts after it. */
  lastSeen: string | undefined;
}

/**
 * The notifier's side of the brokers (docs/scaling.md): one consumer per shard, each
 * with its own queue and reconnects (to another node of the shard when one is lost).
 * A shard's queue is bound only while this process holds a user of that shard, so a
 * post's part for shard B never reaches a process with no user on B. With one shard
 * there is no ring: every user is on it.
 */
export class Shards {
  readonly all: readonly ShardLink[];
  readonly #ring: HashRing | undefined;
  readonly #byName: ReadonlyMap<string, ShardLink>;

  constructor(shards: readonly BrokerShard[], makeBus: (shard: BrokerShard, link: () => ShardLink) => BusConsumer, logger: Logger) {
    this.#ring = shards.length > 1 ? createHashRing(shards.map((s) => s.name)) : undefined;
    this.all = shards.map((shard) => {
      const log = shards.length > 1 ? logger.child({ shard: shard.name }) : logger;
      // The consumer's callbacks run only once it is started, after `link` exists.
      const bus = makeBus(shard, () => link);
      const link: ShardLink = { name: shard.name, bus, bindings: new Bindings(bus, log), users: 0, lastSeen: undefined };
      return link;
    });
    this.#byName = new Map(this.all.map((link) => [link.name, link]));
  }

  of(userId: string): ShardLink {
    const link = this.#ring ? this.#byName.get(shardOf(this.#ring, userId)) : this.all[0];
    if (!link) throw new Error(`no shard for user ${userId}`);
    return link;
  }

  /** A user's first socket here arrived: their shard's queue is wanted bound. */
  joined(userId: string): void {
    const link = this.of(userId);
    if ((link.users += 1) === 1) link.bindings.want(everyPostKey, true);
  }

  /** A user's last socket here left. */
  left(userId: string): void {
    const link = this.of(userId);
    if ((link.users -= 1) === 0) link.bindings.want(everyPostKey, false);
  }

  whenBound(userId: string, timeoutMs: number): Promise<boolean> {
    return this.of(userId).bindings.whenBound(everyPostKey, timeoutMs);
  }

  lastSeen(userId: string): string | undefined {
    return this.of(userId).lastSeen;
  }

  connected(name: string): boolean {
    return this.#byName.get(name)?.bus.connected === true;
  }

  async start(): Promise<void> {
    await Promise.all(this.all.map((link) => link.bus.start()));
  }

  /** Waits for every binding change in flight (for a clean stop). */
  async settled(): Promise<void> {
    await Promise.all(this.all.map((link) => link.bindings.settled()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.all.map((link) => link.bus.stop()));
  }
}
