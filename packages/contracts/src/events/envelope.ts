import { z } from 'zod';

/** Facts every event carries besides its payload. */
export const eventMetadataSchema = z.object({
  /** Version of the payload schema the event was written with. */
  schemaVersion: z.number().int().positive(),
  /** When the command that caused the event was decided (ISO-8601, from the command's clock). */
  occurredAt: z.iso.datetime({ offset: true }),
  /** The HTTP request that caused it, for tracing a write to its request. */
  requestId: z.string().max(128).optional(),
});

export type EventMetadata = z.infer<typeof eventMetadataSchema>;

/** An event as data: a tag, its payload and metadata. No behaviour. */
export interface DomainEvent<Type extends string, Data> {
  readonly type: Type;
  readonly data: Readonly<Data>;
  readonly metadata: Readonly<EventMetadata>;
}
