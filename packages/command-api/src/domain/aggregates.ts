import { streamPrefixes } from '@herald/contracts';
import { foldStream, type StreamRecord } from './fold.js';
import { friendshipDecider } from './friendship.js';
import { postDecider } from './post.js';
import { userDecider, type UserState } from './user.js';

export type AggregateName = keyof typeof streamPrefixes;

/** An aggregate's state as an operator may see it: what its decider folds, minus secrets. */
export interface AggregateState {
  readonly aggregate: AggregateName;
  readonly state: Readonly<Record<string, unknown>>;
}

/** The user's password hash stays in the stream: no view of the state shows it. */
function userView(state: UserState): AggregateState['state'] {
  return state.status === 'registered' ? { status: state.status, userId: state.userId } : state;
}

const views: Readonly<Record<AggregateName, (stream: string, records: readonly StreamRecord[]) => AggregateState['state']>> = {
  user: (stream, records) => userView(foldStream(userDecider, stream, records)),
  friendship: (stream, records) => ({ ...foldStream(friendshipDecider, stream, records) }),
  post: (stream, records) => foldStream(postDecider, stream, records),
};

/** The aggregate a stream belongs to, by its name's prefix; undefined for a stream of none. */
export function aggregateOfStream(stream: string): AggregateName | undefined {
  return (Object.keys(streamPrefixes) as AggregateName[]).find((name) => stream.startsWith(streamPrefixes[name]));
}

/**
 * The state a stream's records fold into (all of them, or the first few: time travel is
 * folding fewer). Throws for a stream of no aggregate, and for records its decider
 * cannot read.
 */
export function stateOfStream(stream: string, records: readonly StreamRecord[]): AggregateState {
  const aggregate = aggregateOfStream(stream);
  if (!aggregate) {
    const known = Object.values(streamPrefixes).map((p) => `${p}…`).join(', ');
    throw new Error(`stream ${stream} belongs to no aggregate (streams are named ${known})`);
  }
  return { aggregate, state: views[aggregate](stream, records) };
}
