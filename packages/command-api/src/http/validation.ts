import { z } from 'zod';
import { HeraldError } from '../errors.js';

/** Input limits, from settings. */
export interface Limits {
  readonly postTextMaxChars: number;
  readonly nameMaxChars: number;
  readonly passwordMinChars: number;
  readonly passwordMaxChars: number;
  readonly feedLimitMax: number;
}

// C0 controls except tab, LF and CR; DEL; C1 controls. NUL among them: PostgreSQL cannot store it.
const controlInText = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const controlInName = /[\u0000-\u001F\u007F-\u009F]/;

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A string without lone surrogates and without the given control characters. */
function cleanString(forbidden: RegExp, what: string) {
  return z
    .string()
    .refine((s) => !loneSurrogate.test(s), { message: 'contains an unpaired surrogate (not valid Unicode)' })
    .refine((s) => !forbidden.test(s), { message: `contains control characters, not allowed in ${what}` });
}

export const uuid = z.uuid({ message: 'must be a UUID' });

const count = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, { message: 'must be a whole number' })
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

export function schemas(limits: Limits) {
  const name = cleanString(controlInName, 'names').min(1).max(limits.nameMaxChars);
  const postText = cleanString(controlInText, 'post text').min(1).max(limits.postTextMaxChars);
  const password = z.string().min(limits.passwordMinChars).max(limits.passwordMaxChars);
  return {
    register: z.object({
      first_name: name,
      second_name: name,
      birthdate: z.iso.date({ message: 'must be a calendar date YYYY-MM-DD' }).refine((d) => d >= '1900-01-01', { message: 'must be 1900-01-01 or later' }),
      biography: cleanString(controlInText, 'biography').max(4_000).default(''),
      city: cleanString(controlInName, 'city').max(limits.nameMaxChars).default(''),
      password,
    }),
    // Any length of password may be *tried*; the bound only stops a huge body from being hashed.
    login: z.object({ id: uuid, password: z.string().min(1).max(limits.passwordMaxChars) }),
    userParams: z.object({ id: uuid }),
    friendParams: z.object({ user_id: uuid }),
    postParams: z.object({ id: uuid }),
    search: z.object({ first_name: name, last_name: name }),
    postCreate: z.object({ text: postText }),
    postUpdate: z.object({ id: uuid, text: postText }),
    feed: z.object({
      offset: count(0, 100_000_000).default(0),
      limit: count(1, limits.feedLimitMax).default(10),
    }),
  };
}

export type Schemas = ReturnType<typeof schemas>;

/** Parses input or throws 400 naming the first offending field. */
export function parse<T extends z.ZodType>(schema: T, input: unknown, where: string): z.output<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : where;
  throw new HeraldError('invalid_input', `${field}: ${issue?.message ?? 'invalid'}`);
}
