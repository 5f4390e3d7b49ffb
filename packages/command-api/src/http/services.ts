import type { EventStore } from '@herald/eventstore';
import type { IdempotencyStore } from '../idempotency/store.js';
import type { PipelineOptions } from '../pipeline.js';
import type { LoginLimiter } from '../sessions/login-limiter.js';
import type { RegistrationLimiter } from '../sessions/registration-limiter.js';
import type { SessionStore } from '../sessions/sessions.js';
import type { ClientGate } from './client-gate.js';
import type { ReadModelQueries } from './read-side.js';
import type { Schemas } from './validation.js';

/** What the route handlers work with; built once in start.ts. */
export interface Services {
  readonly store: EventStore;
  readonly sessions: SessionStore;
  readonly loginLimiter: LoginLimiter;
  readonly registrationLimiter: RegistrationLimiter;
  readonly idempotency: IdempotencyStore;
  /** Turns per client address for scrypt (registration, login). */
  readonly passwordWork: ClientGate;
  /** Turns per client address for queries waiting for X-Herald-Position. */
  readonly positionWaits: ClientGate;
  readonly readModels: ReadModelQueries;
  readonly schemas: Schemas;
  /** The command clock and id source: commands get them from here, deciders never. */
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly hashPassword: (password: string) => Promise<string>;
  readonly pipeline: PipelineOptions;
  readonly consistencyWaitMs: number;
  readonly searchLimit: number;
}
