import type { FriendshipEvent, HeraldEvent } from '@herald/contracts';
import { CommandRefused } from './refusals.js';
import type { CommandMetadata, Decider } from './decider.js';
import { eventMetadata, unreachable } from './decider.js';

/**
 * Stream `friendship-<low>_<high>`, one per unordered pair: "A and B are friends" is a
 * single fact whoever of the two acts, so adding it is one atomic append.
 */
export interface FriendshipState {
  readonly friends: boolean;
}

interface FriendshipChange {
  /** The user who acts (from the session). */
  readonly userId: string;
  readonly friendId: string;
  /** Whether `friendId` names a registered user: read by the caller from the user's stream. */
  readonly friendRegistered: boolean;
}

export interface AddFriend {
  readonly type: 'AddFriend';
  readonly data: FriendshipChange;
  readonly metadata: CommandMetadata;
}

export interface RemoveFriend {
  readonly type: 'RemoveFriend';
  readonly data: FriendshipChange;
  readonly metadata: CommandMetadata;
}

export type FriendshipCommand = AddFriend | RemoveFriend;

const initialState: FriendshipState = { friends: false };

function evolve(_state: FriendshipState, event: FriendshipEvent): FriendshipState {
  switch (event.type) {
    case 'FriendAdded':
      return { friends: true };
    case 'FriendRemoved':
      return { friends: false };
    default:
      return unreachable(event);
  }
}

function guardPair(change: FriendshipChange): void {
  if (change.userId === change.friendId) throw new CommandRefused('cannot_befriend_self');
  if (!change.friendRegistered) throw new CommandRefused('user_not_found', `user ${change.friendId} not found`);
}

function addFriend(command: AddFriend, state: FriendshipState): FriendshipEvent[] {
  guardPair(command.data);
  if (state.friends) return [];
  const { userId, friendId } = command.data;
  return [{ type: 'FriendAdded', data: { userId, friendId }, metadata: eventMetadata('FriendAdded', command.metadata) }];
}

function removeFriend(command: RemoveFriend, state: FriendshipState): FriendshipEvent[] {
  guardPair(command.data);
  if (!state.friends) return [];
  const { userId, friendId } = command.data;
  return [{ type: 'FriendRemoved', data: { userId, friendId }, metadata: eventMetadata('FriendRemoved', command.metadata) }];
}

function decide(command: FriendshipCommand, state: FriendshipState): FriendshipEvent[] {
  switch (command.type) {
    case 'AddFriend':
      return addFriend(command, state);
    case 'RemoveFriend':
      return removeFriend(command, state);
    default:
      return unreachable(command);
  }
}

function accepts(event: HeraldEvent): event is FriendshipEvent {
  return event.type === 'FriendAdded' || event.type === 'FriendRemoved';
}

export const friendshipDecider: Decider<FriendshipState, FriendshipCommand, FriendshipEvent> = { initialState, accepts, evolve, decide };
