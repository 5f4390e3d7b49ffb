import pg from 'pg';

/**
 * A statement as a projection returns it: SQL text with `$n` placeholders and their
 * values. Projections write unqualified table names; the applier sets the schema
 * (live or a rebuild's), which is what lets replay build tables side by side.
 */
export interface Statement {
  readonly sql: string;
  readonly params: readonly SqlParam[];
}

export type SqlValue = string | number | bigint | boolean | null | Date;
/** A run's statements take one array per column; the SQL casts it (`$1::uuid[]`). */
export type SqlParam = SqlValue | readonly SqlValue[];

export function sql(text: string, ...params: SqlParam[]): Statement {
  return { sql: text, params };
}

function isList(value: SqlParam): value is readonly SqlValue[] {
  return Array.isArray(value);
}

/**
 * A literal safe to inline whatever the session's settings: text goes through the
 * driver's own escaping, which writes an E'...' string when it holds a backslash, so
 * `standard_conforming_strings` (or a server that has it off) cannot change its meaning.
 */
export function literal(value: SqlParam): string {
  if (isList(value)) return value.length === 0 ? `'{}'` : `ARRAY[${value.map(literal).join(',')}]`;
  if (value === null) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  const text = value instanceof Date ? value.toISOString() : value;
  // PostgreSQL text cannot hold NUL; jsonb in the log already refuses it, so this only guards.
  return pg.escapeLiteral(text.replaceAll('\0', ''));
}

/** An identifier (schema name) safe to inline. */
export function identifier(name: string): string {
  return pg.escapeIdentifier(name);
}

/**
 * Inlines the parameters so that many statements travel as one simple-protocol query:
 * one round trip per batch instead of one per statement. One pass, so a value that
 * itself contains `$1` is never substituted again.
 */
export function inline(statement: Statement): string {
  return statement.sql.replace(/\$(\d+)/g, (_, n: string) => literal(statement.params[Number(n) - 1] ?? null));
}

/** A statement over `rows`, or none when there are none: a run without such events writes nothing. */
export function forRows(rows: readonly unknown[], statement: () => Statement): Statement[] {
  return rows.length === 0 ? [] : [statement()];
}
