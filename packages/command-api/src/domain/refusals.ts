/**
 * Why a decider refuses a command, with the words a client sees. Domain answers with
 * no transport in them: the HTTP edge maps each to a status (http/error-mapper.ts).
 */
export const refusals = {
  user_already_registered: 'user already registered',
  birthdate_not_in_past: 'birthdate must be a date in the past',
  cannot_befriend_self: 'a user cannot befriend themselves',
  user_not_found: 'user not found',
  post_not_found: 'post not found',
  not_post_author: 'only the author may change a post',
} as const;

export type RefusalReason = keyof typeof refusals;

/** A decider's refusal: an expected outcome of a valid command, not a broken invariant. */
export class CommandRefused extends Error {
  override readonly name = 'CommandRefused';
  constructor(readonly reason: RefusalReason, message: string = refusals[reason]) {
    super(message);
  }
}
