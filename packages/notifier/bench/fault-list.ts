// The faults of the suite, each done to the whole running system while posts flow. Each
// resolves with when the fault was lifted: for a killed process, the kill itself (a
// supervisor starts it again at once, and that start is part of the recovery); for a
// service restarted or a network cut, the moment it is back (how long it stays away is
// the suite's choice, not Herald's).
import type { TcpProxy } from '@herald/kit/testing';
import type { PrivateServices } from './private-services.js';
import type { BenchSystem } from './system.js';

export interface FaultContext {
  readonly system: BenchSystem;
  readonly services: PrivateServices;
  /** Between the projector's outbox relay and the broker. */
  readonly relayProxy: TcpProxy;
  /** How long a stopped broker or a cut link stays so. */
  readonly outageMs: number;
}

export interface Fault {
  readonly name: string;
  readonly what: string;
  /** Set where the fault loses something by design: what, and why (docs/operations.md says more). */
  readonly byDesign?: string;
  /** Does the fault; resolves with when it was lifted (epoch ms) once the system has what it needs to recover. */
  inject(context: FaultContext): Promise<number>;
}

/** A process killed, then started again on its ports as a supervisor would. */
async function kill(context: FaultContext, role: 'command-api' | 'projector' | 'notifier'): Promise<number> {
  const at = Date.now();
  await context.system.restart(role, 'SIGKILL');
  return at;
}

export const faults: readonly Fault[] = [
  { name: 'projectorKill', what: 'SIGKILL the projector (and its relay); started again at once', inject: (c) => kill(c, 'projector') },
  {
    name: 'commandApiKill', what: 'SIGKILL the command API while clients retry with an Idempotency-Key; started again at once',
    inject: (c) => kill(c, 'command-api'),
  },
  {
    name: 'brokerRestart', what: 'rabbitmqctl stop_app, then start_app after the outage',
    async inject(c) {
      await c.services.restartBroker(c.outageMs);
      return Date.now();
    },
  },
  {
    name: 'redisRestart', what: 'Redis SHUTDOWN (append-only file synced), then started again on its files',
    async inject(c) {
      await c.services.restartRedis();
      return Date.now();
    },
  },
  {
    name: 'postgresRestart', what: 'pg_ctl restart -m fast (every session ended)',
    async inject(c) {
      await c.services.restartPostgres();
      return Date.now();
    },
  },
  {
    name: 'notifierKill', what: 'SIGKILL the first notifier; its clients reconnect to the second with their cursor; started again at once',
    inject: (c) => kill(c, 'notifier'),
  },
  {
    name: 'relayCut', what: "the relay's link to the broker swallows every byte for the outage, then every connection is cut",
    async inject(c) {
      await c.relayProxy.lose(c.outageMs);
      return Date.now();
    },
  },
];
