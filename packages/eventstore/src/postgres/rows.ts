import type { JsonValue, RecordedEvent } from '../port.js';
import { encodePosition } from '../position.js';

/** The columns every read selects, as EventRow; `from` names the table or alias. */
export function eventColumns(from = 'events'): string {
  return `${from}.transaction_id::text AS transaction_id, ${from}.global_position::text AS global_position,
    ${from}.stream_id, ${from}.revision::text AS revision, ${from}.event_id::text AS event_id,
    ${from}.type, ${from}.data, ${from}.metadata, ${from}.created_at`;
}

export interface EventRow {
  readonly transaction_id: string;
  readonly global_position: string;
  readonly stream_id: string;
  readonly revision: string;
  readonly event_id: string;
  readonly type: string;
  readonly data: JsonValue;
  readonly metadata: JsonValue;
  readonly created_at: Date;
}

export function rowPosition(row: { readonly transaction_id: string; readonly global_position: string }): string {
  return encodePosition(BigInt(row.transaction_id), BigInt(row.global_position));
}

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    streamId: row.stream_id,
    revision: BigInt(row.revision),
    position: rowPosition(row),
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    createdAt: row.created_at,
  };
}
