import type { HeraldEvent, UserEvent, UserRegistered } from '@herald/contracts';
import { CommandRefused } from './refusals.js';
import type { CommandMetadata, Decider } from './decider.js';
import { eventMetadata, unreachable } from './decider.js';

/** Stream `user-<id>`: a user registers once; login decides against the hash kept here. */
export type UserState =
  | { readonly status: 'unregistered' }
  | { readonly status: 'registered'; readonly userId: string; readonly passwordHash: string };

export interface RegisterUser {
  readonly type: 'RegisterUser';
  readonly data: UserRegistered['data'];
  readonly metadata: CommandMetadata;
}

export type UserCommand = RegisterUser;

const initialState: UserState = { status: 'unregistered' };

function evolve(state: UserState, event: UserEvent): UserState {
  switch (event.type) {
    case 'UserRegistered':
      return { status: 'registered', userId: event.data.userId, passwordHash: event.data.passwordHash };
    default:
      return unreachable(event.type);
  }
}

/** The calendar date (UTC) of an instant, as YYYY-MM-DD. */
function utcDate(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

function register(command: RegisterUser, state: UserState): UserEvent[] {
  if (state.status === 'registered') throw new CommandRefused('user_already_registered');
  // ISO dates compare correctly as strings.
  if (command.data.birthdate >= utcDate(command.metadata.now)) {
    throw new CommandRefused('birthdate_not_in_past');
  }
  return [{ type: 'UserRegistered', data: { ...command.data }, metadata: eventMetadata('UserRegistered', command.metadata) }];
}

function decide(command: UserCommand, state: UserState): UserEvent[] {
  switch (command.type) {
    case 'RegisterUser':
      return register(command, state);
    default:
      return unreachable(command.type);
  }
}

function accepts(event: HeraldEvent): event is UserEvent {
  return event.type === 'UserRegistered';
}

export const userDecider: Decider<UserState, UserCommand, UserEvent> = { initialState, accepts, evolve, decide };
