import type { HeraldEvent, HeraldEventType } from '@herald/contracts';
import type { Statement } from './sql.js';

/** A parsed event with the log facts a projection may need beside its payload. */
export interface ProjectedEvent {
  readonly event: HeraldEvent;
  readonly eventId: string;
  readonly position: string;
  /** When the event store committed it; feeds order posts by it. */
  readonly createdAt: Date;
}

/**
 * A read model as a declaration: its tables (DDL with unqualified names, run inside the
 * schema being built), the events it handles and a pure evolve turning one event into
 * statements. Changing what evolve writes means a new version, built by replay.
 */
export interface Projection {
  readonly name: string;
  readonly version: number;
  readonly handles: readonly HeraldEventType[];
  /** Tables this projection owns; a rebuild moves exactly these into the live schema. */
  readonly tables: readonly string[];
  /** Other projections whose tables evolve reads; a rebuild builds them too. */
  readonly reads: readonly string[];
  /** False for projections that must never see history again (the outbox). */
  readonly replayable: boolean;
  readonly ddl: string;
  evolve(projected: ProjectedEvent): readonly Statement[];
}
