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
 * Consecutive events of a batch applied together, in log order (see runs.ts for which
 * events may share a run). A projection turns a run into a few set-based statements,
 * whatever its length: that is what lets a rebuild apply thousands of events per
 * round trip. The rows they leave must be those that applying the events one at a time
 * would leave.
 */
export type Run = readonly ProjectedEvent[];

/**
 * A read model as a declaration: its tables (DDL with unqualified names, run inside the
 * schema being built), the events it handles and a pure `project` turning a run of them
 * into statements. Changing what it writes means a new version, built beside the live
 * tables by the projector (or migrated in place: `migration`).
 */
export interface Projection {
  readonly name: string;
  readonly version: number;
  /** The events `project` is given (a projection may be given an event only to read it). */
  readonly handles: readonly HeraldEventType[];
  /** Tables this projection owns; a rebuild moves exactly these into the live schema. */
  readonly tables: readonly string[];
  /** Other projections whose tables `project` reads; a rebuild builds them too. */
  readonly reads: readonly string[];
  /** False for projections that must never see history again (the outbox). */
  readonly replayable: boolean;
  readonly ddl: string;
  /**
   * The SQL that brings the previous version's live tables (`version - 1`) to this one in
   * place, carrying their rows over: what a projection that cannot be rebuilt from the log
   * (the outbox) needs to get a new version at all, and what spares a replayable one whose
   * old rows are still right (feeds v1 to v2) a rebuild. Run by migrateReadModels, which
   * then records the new version; without it, a replayable projection's new version is
   * built beside the live tables, and a non-replayable one is refused.
   */
  readonly migration?: string;
  /** The oldest version whose live tables `migration` also brings to this one (by default only `version - 1`). */
  readonly migratesFrom?: number;
  project(run: Run): readonly Statement[];
  /** A faster way to build the tables in a rebuild than event by event (see BulkBuild). */
  readonly bulk?: BulkBuild;
}

/**
 * How a rebuild, which starts from empty tables, may build a projection's tables without
 * writing each event's rows: while it replays the log, `project` writes only what the
 * fill reads besides other projections' tables (bookkeeping that depends on the order of
 * events); once caught up, `fillChunk` writes the rest from that final state, in chunks.
 * The tables it leaves must serve what `Projection.project` applied event by event
 * serves; from there on, events are applied by `Projection.project` as usual.
 */
export interface BulkBuild {
  project(run: Run): readonly Statement[];
  /** Tables only `project` uses, created beside the projection's own and never swapped in. */
  readonly ddl: string;
  /** A query answering the keys the fill is cut by (one column, `key`), each once, in no set order. */
  readonly fillKeys: string;
  /**
   * The fill of the keys after `$1` up to and including `$2` (NULL: unbounded on that
   * side), answering one row with `rows`, how many it wrote. Chunks are filled one
   * after the other in key order, each in a transaction of its own.
   */
  readonly fillChunk: string;
  /** Tables to ANALYZE after the fill, so statements applied next are planned on their real size. */
  readonly filled: readonly string[];
}

export type ProjectedOf<T extends HeraldEventType> = ProjectedEvent & { readonly event: Extract<HeraldEvent, { type: T }> };

/** The events of one type in a run, in log order. */
export function eventsOf<T extends HeraldEventType>(run: Run, type: T): ProjectedOf<T>[] {
  return run.filter((e): e is ProjectedOf<T> => e.event.type === type);
}
