import { createHash } from 'node:crypto';
import type pg from 'pg';
import { literal, type Statement } from './sql.js';

/**
 * Statements run as server-side prepared statements: planned once per connection and
 * schema, then executed with inlined arguments, many to one simple-protocol query. A
 * batch of a thousand events is then one round trip and no planning.
 */
const preparedOn = new WeakMap<pg.ClientBase, Set<string>>();

function nameOf(schema: string, text: string): string {
  return `rm_${createHash('sha1').update(schema).update('\0').update(text).digest('hex').slice(0, 20)}`;
}

export interface PreparedBatch {
  readonly text: string;
  /** Call once the transaction committed: its PREPAREs now exist on the connection. */
  commit(): void;
}

export function preparedBatch(client: pg.ClientBase, schema: string, statements: readonly Statement[]): PreparedBatch {
  const known = preparedOn.get(client) ?? new Set<string>();
  const fresh = new Map<string, string>();
  const lines: string[] = [];
  for (const statement of statements) {
    const name = nameOf(schema, statement.sql);
    if (!known.has(name) && !fresh.has(name)) {
      fresh.set(name, statement.sql);
      lines.push(`PREPARE ${name} AS ${statement.sql}`);
    }
    lines.push(statement.params.length === 0 ? `EXECUTE ${name}` : `EXECUTE ${name}(${statement.params.map(literal).join(', ')})`);
  }
  return {
    text: lines.join(';\n'),
    commit() {
      for (const name of fresh.keys()) known.add(name);
      preparedOn.set(client, known);
    },
  };
}

/** After a failed batch the connection's prepared statements are unknown: start over. */
export async function forgetPrepared(client: pg.ClientBase): Promise<void> {
  preparedOn.delete(client);
  await client.query('DEALLOCATE ALL').catch(() => undefined);
}
