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
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const controlInText = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
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

const atMost = (n: number) => ({ message: `must be at most ${n} characters` });
const filled = { message: 'must not be empty' };

/** A query parameter sent empty (`?last_name=`) counts as left out. */
const optionalParam = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

export function schemas(limits: Limits) {
  const name = cleanString(controlInName, 'names').min(1, filled).max(limits.nameMaxChars, atMost(limits.nameMaxChars));
  const postText = cleanString(controlInText, 'post text').min(1, filled).max(limits.postTextMaxChars, atMost(limits.postTextMaxChars));
  const password = z.string()
    .min(limits.passwordMinChars, { message: `must be at least ${limits.passwordMinChars} characters` })
    .max(limits.passwordMaxChars, atMost(limits.passwordMaxChars));
  return {
    register: z.object({
      first_name: name,
      second_name: name,
      birthdate: z.iso.date({ message: 'must be a calendar date YYYY-MM-DD' }).refine((d) => d >= '1900-01-01', { message: 'must be 1900-01-01 or later' }),
      biography: cleanString(controlInText, 'biography').max(4_000, atMost(4_000)).default(''),
      city: cleanString(controlInName, 'city').max(limits.nameMaxChars, atMost(limits.nameMaxChars)).default(''),
      password,
    }),
    // Any length of password may be *tried*; the bound only stops a huge body from being hashed.
    login: z.object({ id: uuid, password: z.string().min(1, filled).max(limits.passwordMaxChars, atMost(limits.passwordMaxChars)) }),
    userParams: z.object({ id: uuid }),
    friendParams: z.object({ user_id: uuid }),
    postParams: z.object({ id: uuid }),
    // OTUS sends both prefixes; Herald also takes either alone (the other matches any name).
    search: z.object({ first_name: optionalParam(name), last_name: optionalParam(name) })
      .refine((q) => q.first_name !== undefined || q.last_name !== undefined, {
        message: 'give first_name, last_name or both (name prefixes)', path: ['first_name'],
      }),
    postCreate: z.object({ text: postText }),
    postUpdate: z.object({ id: uuid, text: postText }),
    feed: z.object({
      offset: count(0, 100_000_000).default(0),
      limit: count(1, limits.feedLimitMax).default(10),
    }),
    postList: z.object({
      author_id: uuid,
      offset: count(0, 100_000_000).default(0),
      limit: count(1, limits.feedLimitMax).default(10),
    }),
  };
}

export type Schemas = ReturnType<typeof schemas>;

/** Zod's words for a missing or mistyped field, said plainly. */
function plainly(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') return issue.input === undefined ? 'is required' : `must be ${issue.expected === 'string' ? 'text' : `a ${issue.expected}`}`;
  return issue.message;
}

/**
 * Parses input or throws 400 naming every offending field: the message lists them all
 * (`first_name: must not be empty; birthdate: is required`), `problems` one by one.
 */
export function parse<T extends z.ZodType>(schema: T, input: unknown, where: string): z.output<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join('.') : where,
    message: plainly(issue),
  }));
  const unique = problems.filter((p, i) => problems.findIndex((q) => q.field === p.field) === i);
  throw new HeraldError('invalid_input', unique.map((p) => `${p.field}: ${p.message}`).join('; '), undefined, { problems: unique });
}
