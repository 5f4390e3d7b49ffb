/**
 * How `herald` ends: 0 when it did what was asked, 2 when the command line itself is
 * wrong (nothing was touched), 1 when the work was refused or failed.
 */
export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;

/** The command line is wrong: an unknown option, a value that is not a position. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The work was refused or found nothing, with a message that says what to do. */
export class Refusal extends Error {
  override readonly name = 'Refusal';
}
