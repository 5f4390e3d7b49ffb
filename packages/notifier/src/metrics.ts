import { lagBuckets } from '@herald/kit';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type DropReason = 'duplicate' | 'no_local_socket' | 'send_buffer_full' | 'malformed';

/** The notifier's own figures, registered on the process's ops registry. */
export function createMetrics(registry: Registry, sizes: { connections(): number; users(): number; shards(): ReadonlyArray<{ name: string; connected: boolean }> }) {
  const registers = [registry];
  return {
    connections: new Gauge({ name: 'notifier_connections', help: 'Open websocket connections on this process', registers, collect() { this.set(sizes.connections()); } }),
    users: new Gauge({ name: 'notifier_users', help: 'Users with at least one open socket on this process', registers, collect() { this.set(sizes.users()); } }),
    publications: new Counter({ name: 'notifier_publications_total', help: 'Messages taken from RabbitMQ (one per post, or per part of a long recipient list)', registers }),
    deliveries: new Counter({ name: 'notifier_deliveries_total', help: 'Messages written to client sockets', registers }),
    lag: new Histogram({
      name: 'notifier_delivery_lag_seconds',
      help: 'From a post event committed to the log to its frame written to the last of its sockets here, per message delivered to at least one (by the wall clocks of the projector\'s database and this machine)',
      buckets: [...lagBuckets], registers,
    }),
    drops: new Counter({ name: 'notifier_drops_total', help: 'Messages not delivered (no local recipient, or for edits and deletes none that opted in; duplicate; malformed) or socket writes refused (send buffer full), by reason', labelNames: ['reason'] as const, registers }),
    binds: new Counter({ name: 'notifier_binds_total', help: 'Bindings of this process queue to the posts exchange (made when its first socket arrives)', registers }),
    unbinds: new Counter({ name: 'notifier_unbinds_total', help: 'Bindings removed from this process queue (when its last socket leaves)', registers }),
    refusals: new Counter({ name: 'notifier_upgrade_refusals_total', help: 'Upgrade requests answered with an HTTP error', labelNames: ['status'] as const, registers }),
    closes: new Counter({ name: 'notifier_server_closes_total', help: 'Sockets the server closed, by close code', labelNames: ['code'] as const, registers }),
    resumes: new Counter({ name: 'notifier_resumes_total', help: 'Catch-ups from the notification history (a client resuming with since, or every socket after a new queue), by outcome; retried: a read of an unavailable history tried again', labelNames: ['outcome'] as const, registers }),
    revocations: new Counter({ name: 'notifier_session_revocations_total', help: 'Logouts heard from the command API (Redis pub/sub)', registers }),
    shardConnected: new Gauge({
      name: 'notifier_rabbitmq_connected', help: '1 while this process consumes from a node of the shard; 0: the shard is down, its users get no live posts', labelNames: ['shard'] as const, registers,
      collect() { for (const shard of sizes.shards()) this.set({ shard: shard.name }, shard.connected ? 1 : 0); },
    }),
    reconnects: new Counter({ name: 'notifier_rabbitmq_reconnects_total', help: 'New RabbitMQ connections after a lost one', registers }),
  };
}

export type NotifierMetrics = ReturnType<typeof createMetrics>;
