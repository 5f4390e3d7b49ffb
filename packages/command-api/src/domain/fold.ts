import type { HeraldEvent } from '@herald/contracts';
import { parseEvent } from '@herald/contracts';
import type { Decider } from './decider.js';

/** A record of a stream as the log hands it out; only what folding reads. */
export interface StreamRecord {
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly revision: bigint;
}

/**
 * A stream's records folded into its aggregate's state by the decider. A record this
 * code cannot read, or one of another aggregate, is a broken invariant of the log, not
 * a user error: it throws.
 */
export function foldStream<State, Command, Event extends HeraldEvent>(
  decider: Decider<State, Command, Event>,
  stream: string,
  records: readonly StreamRecord[],
): State {
  let state = decider.initialState;
  for (const record of records) {
    const parsed = parseEvent(record.type, record.data, record.metadata);
    if (!parsed.ok) throw new Error(`stream ${stream} revision ${record.revision}: ${parsed.reason}`);
    if (!decider.accepts(parsed.event)) throw new Error(`stream ${stream} holds a foreign event ${record.type}`);
    state = decider.evolve(state, parsed.event);
  }
  return state;
}
