import type { z } from 'zod';
import { eventMetadataSchema } from './envelope.js';
import type { FriendshipEvent } from './friendship.js';
import { friendAddedV1, friendRemovedV1 } from './friendship.js';
import type { PostEvent } from './post.js';
import { postCreatedV1, postDeletedV1, postUpdatedV1 } from './post.js';
import type { UserEvent } from './user.js';
import { userRegisteredSecrets, userRegisteredV1 } from './user.js';

export type HeraldEvent = UserEvent | FriendshipEvent | PostEvent;
export type HeraldEventType = HeraldEvent['type'];

interface CatalogueEntry {
  /** The schema version new events are written with. */
  readonly currentVersion: number;
  /** Every version ever written, so old events in the log stay readable. */
  readonly schemas: Readonly<Record<number, z.ZodType>>;
}

/** Every event type Herald writes, with the payload schema of each version. */
export const eventCatalogue: Readonly<Record<HeraldEventType, CatalogueEntry>> = {
  UserRegistered: { currentVersion: 1, schemas: { 1: userRegisteredV1 } },
  FriendAdded: { currentVersion: 1, schemas: { 1: friendAddedV1 } },
  FriendRemoved: { currentVersion: 1, schemas: { 1: friendRemovedV1 } },
  PostCreated: { currentVersion: 1, schemas: { 1: postCreatedV1 } },
  PostUpdated: { currentVersion: 1, schemas: { 1: postUpdatedV1 } },
  PostDeleted: { currentVersion: 1, schemas: { 1: postDeletedV1 } },
};

/** Payload fields that a view of the log shows as "<redacted>": they stay in the log (login reads them) and nowhere else. */
export const secretFields: Readonly<Partial<Record<HeraldEventType, readonly string[]>>> = {
  UserRegistered: userRegisteredSecrets,
};

export const heraldEventTypes = Object.keys(eventCatalogue) as HeraldEventType[];

export function isHeraldEventType(type: string): type is HeraldEventType {
  return Object.hasOwn(eventCatalogue, type);
}

/** A schema's complaints on one line, each with where it is: what a log line or a status table can show. */
function issues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`).join('; ');
}

export type ParsedEvent = { ok: true; event: HeraldEvent } | { ok: false; reason: string };

/**
 * Validates a stored event against the schema of the version it was written with.
 * Returns a result rather than throwing: readers of the log must survive a bad record.
 */
export function parseEvent(type: string, data: unknown, metadata: unknown): ParsedEvent {
  if (!isHeraldEventType(type)) return { ok: false, reason: `unknown event type ${type}` };
  const meta = eventMetadataSchema.safeParse(metadata);
  if (!meta.success) return { ok: false, reason: `bad metadata on ${type}: ${issues(meta.error)}` };
  const schema = eventCatalogue[type].schemas[meta.data.schemaVersion];
  if (!schema) return { ok: false, reason: `${type} has no schema version ${meta.data.schemaVersion}` };
  const payload = schema.safeParse(data);
  if (!payload.success) return { ok: false, reason: `bad ${type} payload: ${issues(payload.error)}` };
  // The schema for this (type, version) pair is the one that defines this union member.
  return { ok: true, event: { type, data: payload.data, metadata: meta.data } as HeraldEvent };
}
