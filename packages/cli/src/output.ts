import { once } from 'node:events';
import type { RecordedEvent } from '@herald/eventstore';
import { secretFields } from '@herald/contracts';

/** One line on stdout, waiting when the reader is slower than the log (a pipe, a file). */
export async function writeLine(text: string): Promise<void> {
  if (!process.stdout.write(`${text}\n`)) await once(process.stdout, 'drain');
}

export async function writeJson(value: unknown): Promise<void> {
  await writeLine(JSON.stringify(value));
}

/** Revisions are bigints; JSON gets a number while it is exact, a string beyond. */
export function revisionJson(revision: bigint): number | string {
  return revision <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(revision) : revision.toString();
}

/** An event as a JSON line: every field the log keeps, position first. */
export function eventJson(event: RecordedEvent) {
  return {
    position: event.position,
    streamId: event.streamId,
    revision: revisionJson(event.revision),
    id: event.id,
    type: event.type,
    createdAt: event.createdAt.toISOString(),
    data: event.data,
    metadata: event.metadata,
  };
}

export const redacted = '<redacted>';

/** An event as views of the log show it: secrets (a password hash) replaced. `log export` is the faithful copy. */
export function viewJson(event: RecordedEvent) {
  const json = eventJson(event);
  const secrets = (secretFields as Readonly<Record<string, readonly string[] | undefined>>)[event.type];
  const data = json.data;
  if (!secrets || data === null || typeof data !== 'object' || Array.isArray(data)) return json;
  const shown = { ...data };
  for (const field of secrets) if (field in shown) shown[field] = redacted;
  return { ...json, data: shown };
}
