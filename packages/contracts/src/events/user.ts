import { z } from 'zod';
import type { DomainEvent } from './envelope.js';

export const userRegisteredV1 = z.object({
  userId: z.uuid(),
  firstName: z.string(),
  secondName: z.string(),
  /** Calendar date, YYYY-MM-DD. */
  birthdate: z.iso.date(),
  biography: z.string(),
  city: z.string(),
  /** scrypt hash in PHC-like form `scrypt$N$r$p$salt$hash`; login decides against it. */
  passwordHash: z.string(),
});

/** Fields of UserRegistered that views of the log (operator tools) never show. */
export const userRegisteredSecrets = ['passwordHash'] as const;

export type UserRegistered = DomainEvent<'UserRegistered', z.infer<typeof userRegisteredV1>>;

export type UserEvent = UserRegistered;
