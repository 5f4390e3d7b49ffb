import { z } from 'zod';

/** A bad setting: the message names the variable and what it accepts. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

/** One environment variable: its parser (from the raw string) and what it accepts, in words. */
export interface Setting<T> {
  readonly accepts: string;
  readonly parse: (raw: string) => T | undefined;
  readonly fallback: T | undefined;
  /** For a value `parse` refused: what exactly is wrong with it, when `accepts` alone does not say. */
  readonly explain?: (raw: string) => string | undefined;
}

/** What a structured setting's reader makes of a raw value. */
export type Reading<T> = { readonly value: T } | { readonly problem: string };

type Settings = Record<string, Setting<unknown>>;
type ConfigOf<S extends Settings> = { readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

function setting<T>(accepts: string, parse: (raw: string) => T | undefined, fallback?: T): Setting<T> {
  return { accepts, parse, fallback };
}

const intPattern = /^-?\d+$/;

export function integer(min: number, max: number, fallback?: number): Setting<number> {
  return setting(`an integer from ${min} to ${max}`, (raw) => {
    if (!intPattern.test(raw)) return undefined;
    const value = Number(raw);
    return value >= min && value <= max ? value : undefined;
  }, fallback);
}

export function port(fallback?: number): Setting<number> {
  const base = integer(0, 65535, fallback);
  return { ...base, accepts: 'a TCP port number from 0 to 65535' };
}

export function text(fallback?: string): Setting<string> {
  return setting('a non-empty string', (raw) => (raw.trim() === '' ? undefined : raw), fallback);
}

export function url(protocols: readonly string[], fallback?: string): Setting<string> {
  return setting(`a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`, (raw) => {
    const parsed = z.url().safeParse(raw);
    if (!parsed.success) return undefined;
    return protocols.includes(new URL(raw).protocol) ? raw : undefined;
  }, fallback);
}

/**
 * A setting read by one function that says what is wrong with a value it refuses (a list
 * with one bad entry, say): the error names the variable, what it accepts and the problem.
 */
export function structured<T>(accepts: string, read: (raw: string) => Reading<T>, fallback?: T): Setting<T> {
  const value = (raw: string) => {
    const reading = read(raw);
    return 'value' in reading ? reading.value : undefined;
  };
  const explain = (raw: string) => {
    const reading = read(raw);
    return 'problem' in reading ? reading.problem : undefined;
  };
  return { ...setting(accepts, value, fallback), explain };
}

export function oneOf<const T extends string>(values: readonly T[], fallback?: T): Setting<T> {
  return setting(`one of ${values.join(', ')}`, (raw) => values.find((v) => v === raw), fallback);
}

export function boolean(fallback?: boolean): Setting<boolean> {
  return setting('true or false', (raw) => (raw === 'true' ? true : raw === 'false' ? false : undefined), fallback);
}

/** A host name or IP address to listen on or connect to. */
export function host(fallback?: string): Setting<string> {
  return setting('a host name or IP address', (raw) => (/^[A-Za-z0-9.:\-[\]]+$/.test(raw) ? raw : undefined), fallback);
}

/**
 * Reads every setting from the environment. Unset variables take their defaults;
 * a set but invalid one, or a missing required one, throws one ConfigError naming
 * each offending variable and what it accepts.
 */
export function loadConfig<S extends Settings>(settings: S, env: Env = process.env): ConfigOf<S> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(settings)) {
    const raw = env[name];
    if (raw === undefined || raw === '') {
      if (spec.fallback === undefined && !isOptional(spec)) problems.push(`${name} is required: ${spec.accepts}`);
      out[name] = spec.fallback;
      continue;
    }
    const value = spec.parse(raw);
    if (value === undefined) {
      const why = spec.explain?.(raw);
      problems.push(`${name} must be ${spec.accepts} (got ${JSON.stringify(raw)})${why ? `: ${why}` : ''}`);
    }
    out[name] = value;
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  return out as ConfigOf<S>;
}

/**
 * A process's settings at start, read before anything else (the logger's level is one
 * of them): a bad one prints the ConfigError's message, naming every bad variable, and
 * exits 2.
 */
export function loadConfigOrExit<S extends Settings>(settings: S, env: Env = process.env): ConfigOf<S> {
  try {
    return loadConfig(settings, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}

const optionalSettings = new WeakSet<Setting<unknown>>();
function isOptional(spec: Setting<unknown>): boolean {
  return optionalSettings.has(spec);
}

/** Marks a setting that may stay unset (its value is then undefined). */
export function optional<T>(spec: Setting<T>): Setting<T | undefined> {
  const copy: Setting<T | undefined> = { ...spec, fallback: undefined };
  optionalSettings.add(copy);
  return copy;
}

/** Settings every Herald process shares. */
export const commonSettings = {
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
  DATABASE_URL: url(['postgres:', 'postgresql:'], 'postgres://postgres@127.0.0.1:5432/herald'),
} as const;
